"""Where the served data lives: an embedded pyoxigraph Store loaded from RDF files (in memory),
a folder written by `ldpub load` and opened read-only (on disk), or a remote SPARQL endpoint.

Light on purpose (pyoxigraph, json and the format registry only): the query workers import it and
must start fast.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import json
import mmap
import os
import stat
import tempfile
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode, RdfFormat, Store

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
# Our subject IRIs, sorted, one a line: the landing page's paging and a 404's suggestions.
SUBJECTS_FILE = "subjects.txt"
INDEX_RUN = 200_000  # distinct IRIs sorted in memory at a time when writing it (about 25 MB)
META_FORMAT = 2  # 2: no per-graph lists (the store answers for its graphs)
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
    """What `ldpub load` stored beside the data: quad and graph counts, VoID (N-Quads)."""
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


class StoreGraphs(Collection[str]):
    """The named graphs (IRIs) of an on-disk store, asked of the store itself: no copy of their names
    in each process (208,333 graphs at 5M triples). `count` is the number `ldpub load` stored."""

    def __init__(self, store: Store, count: int) -> None:
        self.store, self.count = store, count

    def __contains__(self, iri: object) -> bool:
        if not isinstance(iri, str):
            return False
        try:
            return self.store.contains_named_graph(NamedNode(iri))
        except ValueError:  # not an IRI, so no graph's name (named-graph-uri is the client's text)
            return False

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[str]:
        return (g.value for g in self.store.named_graphs() if isinstance(g, NamedNode))


class SubjectIndex:
    """Sorted IRIs, one per line, in bytes or a mapped file: found by binary search without
    splitting them into a list (an index of 100,000 IRIs costs its bytes, not 100,000 objects)."""

    def __init__(self, data: bytes | mmap.mmap) -> None:
        self.data = data

    @staticmethod
    def indexed(iri: str) -> bool:
        """Whether the index keeps this IRI: not a hash IRI (a fragment never reaches the server)."""
        return "\n" not in iri and "#" not in iri

    @classmethod
    def of(cls, iris: Iterable[str]) -> SubjectIndex:
        """The index of these IRIs, but hash IRIs."""
        return cls("".join(f"{i}\n" for i in sorted(set(iris)) if cls.indexed(i)).encode())

    @classmethod
    def open(cls, path: Path) -> SubjectIndex | None:
        """The index file written beside a store (None when there is none)."""
        try:
            with path.open("rb") as f:
                if path.stat().st_size == 0:
                    return cls(b"")
                return cls(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ))
        except OSError:
            return None

    def write(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(bytes(self.data))
        tmp.replace(path)

    def _line_at(self, pos: int) -> tuple[int, int]:
        """(start, end) of the line holding byte `pos`."""
        start = self.data.rfind(b"\n", 0, pos) + 1
        end = self.data.find(b"\n", pos)
        return start, len(self.data) if end < 0 else end

    def _bisect(self, key: bytes) -> int:
        """Offset of the first line >= key (len(data) when none)."""
        lo, hi = 0, len(self.data)
        while lo < hi:
            mid = (lo + hi) // 2
            start, end = self._line_at(mid)
            if self.data[start:end] < key:
                lo = end + 1
            else:
                hi = start
        return lo

    def after(self, key: str, count: int) -> list[str]:
        """Up to `count` IRIs sorting after `key` (from the first with "" )."""
        pos = self._bisect(key.encode())
        out: list[str] = []
        while pos < len(self.data) and len(out) < count:
            end = self.data.find(b"\n", pos)
            end = len(self.data) if end < 0 else end
            line = bytes(self.data[pos:end]).decode()
            if line > key:
                out.append(line)
            pos = end + 1
        return out

    def before(self, key: str, count: int) -> list[str]:
        """Up to `count` IRIs sorting before `key`, nearest last."""
        pos = self._bisect(key.encode())
        out: list[str] = []
        while pos > 0 and len(out) < count:
            start, end = self._line_at(pos - 1)
            out.append(bytes(self.data[start:end]).decode())
            pos = start
        return out[::-1]

    def near(self, key: str, count: int) -> list[str]:
        """About `count` IRIs around where `key` would sort."""
        return self.before(key, count // 2) + self.after(key, count - count // 2)

    def __contains__(self, iri: str) -> bool:
        return self.after_or_equal(iri) == iri

    def after_or_equal(self, key: str) -> str | None:
        pos = self._bisect(key.encode())
        if pos >= len(self.data):
            return None
        start, end = self._line_at(pos)
        return bytes(self.data[start:end]).decode()


def subject_iris(stores: Iterable[Store], prefix: str) -> Iterator[str]:
    """Every IRI under `prefix` used as a subject or a graph name in any of `stores` (one pass)."""
    for store in stores:
        for g in store.named_graphs():
            if isinstance(g, NamedNode) and g.value.startswith(prefix):
                yield g.value
        for q in store.quads_for_pattern(None, None, None, None):
            if isinstance(q.subject, NamedNode) and q.subject.value.startswith(prefix):
                yield q.subject.value


def write_subject_index(stores: Iterable[Store], folder: str | Path, prefix: str, run_size: int = INDEX_RUN) -> None:
    """Write `folder`/subjects.txt for `ldpub load`, so that serve reads it by mmap. Sorted in runs
    of `run_size` IRIs written aside and merged: never all of them in memory (1M at 5M triples)."""
    path = Path(folder) / SUBJECTS_FILE
    iris = (iri for iri in subject_iris(stores, prefix) if SubjectIndex.indexed(iri))
    with tempfile.TemporaryDirectory(dir=folder) as scratch, contextlib.ExitStack() as files:
        runs: list[Path] = []
        while run := set(itertools.islice(iris, run_size)):
            runs.append(Path(scratch) / str(len(runs)))
            runs[-1].write_text("".join(f"{i}\n" for i in sorted(run)), encoding="utf-8", newline="")
        tmp = path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8", newline="") as out:
            previous = None
            for line in heapq.merge(*(files.enter_context(r.open(encoding="utf-8", newline="")) for r in runs)):
                if line != previous:
                    out.write(line)
                    previous = line
        tmp.replace(path)
