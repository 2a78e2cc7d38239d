"""Where the served data lives: an embedded pyoxigraph Store loaded from RDF files (in memory),
a folder written by `ldpub load` and opened read-only (on disk), or a remote SPARQL endpoint.

Light on purpose (pyoxigraph, json and the format registry only): the query workers import it and
must start fast.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyoxigraph import RdfFormat, Store

from ldpub.errors import SourceError, StoreError
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


# ---------------------------------------------------------------- the three backends
#
#   memory   files parsed into an in-memory Store by every process (the default; `make serve`)
#   disk     a folder written once by `ldpub load`: <folder>/oxigraph (pyoxigraph's RocksDB), opened
#            read-only by every process (nothing parsed at start, one page cache shared by all),
#            and <folder>/ldpub-store.json (counts, graph names and VoID computed at load)
#   remote   any SPARQL 1.1 endpoint (ldpub.remote); /sparql forwards checked queries to it

MEMORY, DISK, REMOTE = "memory", "disk", "remote"
DB_FOLDER = "oxigraph"
META_FILE = "ldpub-store.json"
META_FORMAT = 1
# Environment variables for a remote store's credentials: never on the command line (it shows in
# `ps`) nor in ldpub.toml (often committed).
ENV_USER, ENV_PASSWORD = "LDPUB_STORE_USER", "LDPUB_STORE_PASSWORD"


@dataclass(frozen=True)
class StoreSpec:
    """Which backend serves the data: `kind` is MEMORY (the files), DISK (`path`, a loaded folder)
    or REMOTE (`url`, a SPARQL query URL)."""

    kind: str
    files: tuple[Path, ...] = ()
    path: Path | None = None
    url: str = ""

    @property
    def local(self) -> bool:
        return self.kind != REMOTE


def parse_store(value: str, files: Iterable[str | Path] = ()) -> StoreSpec:
    """The `store` setting (or `--store`): empty = in memory from `files`; an http(s) URL = a remote
    SPARQL endpoint; anything else = the folder `ldpub load` wrote. StoreError when it is none."""
    value = value.strip()
    if not value:
        return StoreSpec(MEMORY, files=tuple(Path(f) for f in files))
    if value.startswith(("http://", "https://")):
        if any(c.isspace() for c in value) or "#" in value:
            raise StoreError(f"store {value!r}: not a usable SPARQL endpoint URL")
        return StoreSpec(REMOTE, url=value)
    if "://" in value:
        raise StoreError(f"store {value!r}: only http:// and https:// endpoints, or a folder, are stores")
    return StoreSpec(DISK, path=Path(value))


def is_disk_store(path: str | Path) -> bool:
    """A folder written by `ldpub load` (its metadata file marks it)."""
    return (Path(path) / META_FILE).is_file() and (Path(path) / DB_FOLDER).is_dir()


def open_disk_store(path: str | Path) -> Store:
    """The on-disk store, read-only (any number of processes may open it at once); StoreError naming
    the folder when it is not one `ldpub load` wrote."""
    folder = Path(path)
    if not is_disk_store(folder):
        raise StoreError(f"{folder}: not a store written by `ldpub load` (no {META_FILE} and {DB_FOLDER}/ in it)")
    try:
        return Store.read_only(str(folder / DB_FOLDER))
    except OSError as exc:
        raise StoreError(f"{folder}: the store cannot be opened: {exc}") from None


def read_metadata(path: str | Path) -> dict[str, Any]:
    """What `ldpub load` stored beside the data: quad count, graph names and sizes, VoID (N-Quads)."""
    meta_path = Path(path) / META_FILE
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(f"{meta_path}: cannot be read: {exc}") from None
    if not isinstance(meta, dict) or meta.get("format") != META_FORMAT:
        raise StoreError(f"{meta_path}: written by another version of ldpub load; load again")
    return meta


def open_local(spec: StoreSpec) -> Store:
    """The Store of a local backend: parsed from the files (memory) or opened read-only (disk)."""
    if spec.kind == MEMORY:
        return load_store(spec.files)
    if spec.kind == DISK:
        assert spec.path is not None
        return open_disk_store(spec.path)
    raise StoreError(f"{spec.url}: a remote store has no local copy")
