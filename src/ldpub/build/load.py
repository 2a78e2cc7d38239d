"""`ldpub load [FOLDER] [--into URL]`: the built dataset into a store that `ldpub serve --store` serves.

FOLDER: a pyoxigraph store on disk, written whole beside the old one and swapped in (loading twice
gives the same store; a failed load leaves the old one). --into URL: a remote store by SPARQL Update
in batches (INSERT DATA), after dropping the graphs the dataset holds (so again idempotent).
Either way the count is checked afterwards (quads in = quads in the store) and the statistics
(`ldpub.void.Statistics`: graph names, sizes, VoID) are computed once here and stored with the data,
so that `serve` computes nothing at start. Failures are one line (StoreError), never a traceback.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

from ldpub.errors import SourceError, StoreError
from ldpub.remote import RemoteStore, insert_batches
from ldpub.settings import Settings, load_settings
from ldpub.store import DB_FOLDER, META_FILE, META_FORMAT, is_disk_store, load_store, reading, write_subject_index
from ldpub.void import Statistics

DUMPS = ("dataset.nq", "dataset.trig")  # N-Quads first: the fastest to parse
COMPANIONS = ("shapes.ttl", "void.ttl")  # served by the pages (/shapes) beside the data
CHUNK = 100_000  # quads per bulk load (bounds its memory); progress is reported per chunk


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", nargs="?", help="the store folder to write (new, or one `ldpub load` wrote)")
    parser.add_argument("--into", metavar="URL",
                        help="a remote store's SPARQL Update URL (Oxigraph: …/update; Virtuoso: …/sparql-auth "
                             "with store_auth = digest); credentials from LDPUB_STORE_USER / LDPUB_STORE_PASSWORD")
    parser.add_argument("--query-url", metavar="URL", help="its query URL, for the checks (default: the --into URL)")
    parser.add_argument("--from", dest="source", metavar="FILE",
                        help="the dataset to load (default: dist/dataset.nq, else dist/dataset.trig)")
    parser.add_argument("--batch", type=int, default=5000, help="quads per INSERT DATA request (remote; default 5000)")


def source_file(settings: Settings, given: str | None) -> Path:
    if given:
        return Path(given)
    for name in DUMPS:
        if (settings.dist_path / name).is_file():
            return settings.dist_path / name
    raise StoreError(f"{settings.dist_path}: no built dataset ({' or '.join(DUMPS)}): run `ldpub build` first")


def read_quads(path: Path) -> Iterator[ox.Quad]:
    """The quads of a dump, its faults as one SourceError line."""
    with reading(path) as fmt:
        for quad in ox.parse(path=str(path), format=fmt):
            assert isinstance(quad, ox.Quad)
            yield quad


def progress(done: int, started: float, total: int | None = None) -> None:
    of = f" of {total:,}" if total else ""
    print(f"ldpub load: {done:,}{of} quads ({time.monotonic() - started:.1f} s)", file=sys.stderr)


def write_store(source: Path, path: Path, started: float) -> tuple[ox.Store, int]:
    """A new on-disk store at `path` holding the dump, and its quad count; StoreError when fewer
    quads are stored than were read. Bulk loads of CHUNK quads each: one bulk load of the whole
    dump is no faster and buffers about 1 GB at 1M quads (measured), a chunk about 180 MB. The
    store is given back opened again read-only: the writer's memory goes with it (at 5M quads the
    statistics' reads on top of it peaked at 833 MB)."""
    store = ox.Store(str(path))
    quads = read_quads(source)
    count = 0
    while chunk := list(itertools.islice(quads, CHUNK)):
        store.bulk_extend(chunk)
        count += len(chunk)
        progress(count, started)
    store.flush()
    stored = len(store)
    if stored != count:  # a dump written by the build holds each quad once
        raise StoreError(f"{source}: {count} quads read but {stored} in the store (duplicates in the dump?)")
    store.optimize()
    del store
    return ox.Store.read_only(str(path)), stored


def load_folder(settings: Settings, source: Path, folder: Path) -> Statistics:
    """Write the store into a fresh folder beside `folder`, check it, then swap it in."""
    if folder.exists() and not folder.is_dir():
        raise StoreError(f"{folder}: exists and is not a folder")
    if folder.is_dir() and any(folder.iterdir()) and not is_disk_store(folder):
        raise StoreError(f"{folder}: neither empty nor a store `ldpub load` wrote; refusing to replace it")
    parent = folder.resolve().parent
    if not os.access(parent, os.W_OK):
        raise StoreError(f"{parent}: cannot write here")
    tmp = parent / f".{folder.name}.tmp-{secrets.token_hex(4)}"
    started = time.monotonic()
    try:
        tmp.mkdir()
        store, count = write_store(source, tmp / DB_FOLDER, started)
        print(f"ldpub load: {count:,} quads stored; computing the statistics", file=sys.stderr)
        stats = Statistics.of(store, settings)
        companions = []
        for name in COMPANIONS:
            if (source.parent / name).is_file():
                shutil.copyfile(source.parent / name, tmp / name)
                companions.append(load_store([tmp / name]))
        # The 404s' suggestions, read by mmap; over the companions too, as the pages serve them.
        write_subject_index([store, *companions], tmp, settings.base_iri)
        del store
        meta = {"format": META_FORMAT, "source": str(source), **stats.to_json(graphs=False)}
        (tmp / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
        old = parent / f".{folder.name}.old-{secrets.token_hex(4)}"
        if folder.exists():
            folder.rename(old)
        tmp.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        raise StoreError(f"{folder}: cannot be written: {exc}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    progress(count, started)
    return stats


def load_remote(settings: Settings, source: Path, update_url: str, query_url: str, batch: int) -> Statistics:
    """Drop the dataset's graphs on the remote store, insert it in batches, check the count, and
    store the statistics in the metadata graph. The dump is first bulk-loaded into a scratch store on
    disk, which gives the statistics and the quads to send: nothing of the dataset is held in memory."""
    remote = RemoteStore(settings, query_url, update_url)
    remote.check()  # before the work of staging: an unreachable store is one line at once
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ldpub-load-") as scratch:
        try:
            local, _ = write_store(source, Path(scratch) / DB_FOLDER, started)
        except OSError as exc:
            raise StoreError(f"{scratch}: cannot be written: {exc}") from None
        stats = Statistics.of(local, settings)
        send(remote, local, stats, source, query_url, batch, started)
        del local
    progress(stats.quads, started)
    return stats


def send(remote: RemoteStore, local: ox.Store, stats: Statistics, source: Path, query_url: str, batch: int,
         started: float) -> None:
    settings = remote.settings
    meta_graph = settings.iris.store_metadata
    default = settings.iris.store_default_graph if settings.store_default_graph else None
    graphs = sorted(stats.graph_names)
    with remote.client() as client:
        drops = [f"DROP SILENT GRAPH <{g}>" for g in [*graphs, meta_graph, *([default] if default else [])]]
        if not default:
            drops.append("CLEAR SILENT DEFAULT")
        for i in range(0, len(drops), 200):
            remote.update(client, " ;\n".join(drops[i:i + 200]))
        done = 0
        for n, text in insert_batches(local, default, batch):
            remote.update(client, text)
            done += n
            if done // CHUNK != (done - n) // CHUNK:
                progress(done, started, stats.quads)
        in_store = remote.count(client, f"GRAPH <{default}> {{ ?s ?p ?o }}" if default else "?s ?p ?o")
        for i in range(0, len(graphs), 200):
            values = " ".join(f"<{g}>" for g in graphs[i:i + 200])
            in_store += remote.count(client, f"VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }}")
        if in_store != stats.quads:
            raise StoreError(f"{query_url}: {stats.quads} quads loaded but {in_store} found afterwards")
        meta = json.dumps({"format": META_FORMAT, "source": str(source), **stats.to_json()})
        remote.update(client, f"INSERT DATA {{ GRAPH <{meta_graph}> {{ <{meta_graph}> "
                              f"<http://www.w3.org/2000/01/rdf-schema#comment> {ox.Literal(meta)} }} }}")


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    if bool(args.folder) == bool(args.into):
        print("ldpub load: name a FOLDER or --into URL (one of them)", file=sys.stderr)
        return 2
    try:
        source = source_file(settings, args.source)
        if args.into:
            if not args.into.startswith(("http://", "https://")):
                raise StoreError(f"--into {args.into!r}: not an http(s) URL")
            stats = load_remote(settings, source, args.into, args.query_url or args.into, max(1, args.batch))
            where = args.into
        else:
            stats = load_folder(settings, source, Path(args.folder))
            where = args.folder
    except (StoreError, SourceError) as exc:
        print(f"ldpub load: {exc.message}", file=sys.stderr)
        return 1
    print(f"ldpub load: {stats.quads} quads in {len(stats.graph_names)} named graphs and the default graph "
          f"loaded into {where}, count checked; statistics stored with them")
    return 0
