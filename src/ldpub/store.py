"""Where the served data lives. Today: an embedded pyoxigraph Store loaded from RDF files.

Light on purpose (pyoxigraph and the format registry only): the query workers import it and
must start fast.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from pyoxigraph import RdfFormat, Store

from ldpub.errors import SourceError
from ldpub.formats import read_format


def check_source(path: str | Path) -> RdfFormat:
    """The format of an RDF file about to be read, after checking it is a regular file (a FIFO
    would block the reader forever, a folder fails obscurely); SourceError naming it if not."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file", detail={"file": str(path)}) from None
    except OSError as exc:
        raise SourceError(f"{path}: cannot be read: {exc.strerror or exc}", detail={"file": str(path)}) from None
    if stat.S_ISDIR(mode):
        raise SourceError(f"{path}: is a folder, not an RDF file", detail={"file": str(path)})
    if not stat.S_ISREG(mode):
        raise SourceError(f"{path}: is not a regular file (a FIFO, socket or device), so it was not read",
                          detail={"file": str(path)})
    try:
        return read_format(path)
    except ValueError as exc:
        raise SourceError(str(exc), detail={"file": str(path)}) from None


@contextlib.contextmanager
def reading(path: str | Path) -> Iterator[RdfFormat]:
    """The checked format of an RDF file (check_source); what goes wrong while reading it in the
    block becomes one SourceError line naming the file, and for a parse error the parser's line
    and column (also in `detail`)."""
    fmt = check_source(path)
    try:
        yield fmt
    except SyntaxError as exc:  # pyoxigraph's parse errors: "Parser error at line L between columns A and B: ..."
        detail: dict[str, object] = {"file": str(path), "line": exc.lineno, "column": exc.offset}
        raise SourceError(f"{path}: not valid {fmt.name}: {exc.msg}", detail=detail) from None
    except OSError as exc:  # no permission, an I/O error
        raise SourceError(f"{path}: cannot be read: {exc.strerror or exc}", detail={"file": str(path)}) from None


def load_store(paths: Iterable[str | Path]) -> Store:
    """An in-memory Store holding every file; named graphs of TriG/N-Quads/JSON-LD are kept,
    triple formats go to the default graph. SourceError when a file cannot be read or parsed."""
    store = Store()
    for path in paths:
        # bulk_load skips transactions: several times faster for a one-off, read-only load.
        with reading(path) as fmt:
            store.bulk_load(path=str(path), format=fmt)
    return store
