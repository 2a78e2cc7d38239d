"""`ldpub serve [--host H] [--port P] [FILES...]`: run the endpoint under uvicorn.

No rdflib on this path (start-up budget: first answered query within 1.5 s)."""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import gc
import importlib.util
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import uvicorn

from ldpub.errors import SourceError, StoreError
from ldpub.query.pool import make_executor, prespawn, worker_files
from ldpub.settings import Settings, load_settings
from ldpub.store import MEMORY, REMOTE, StoreSpec, check_source, parse_store
from ldpub.web.app import create_app
from ldpub.web.connections import with_head_deadline
from ldpub.web.drain import DrainingServer

DEFAULT_DATASET = "dataset.trig"
M_ARENA_MAX = -8  # glibc's mallopt parameter (malloc.h)


def bound_malloc_arenas(arenas: int = 2) -> None:
    """At most this many glibc malloc arenas, unless MALLOC_ARENA_MAX says otherwise. By default
    glibc gives each thread that allocates its own arena (up to 8 per core): in a 2-minute soak
    (bench/soak.py) the main process's RSS grew 54 % with that and 18 % with two arenas.
    Elsewhere than glibc this does nothing."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(M_ARENA_MAX, arenas)
    except (OSError, AttributeError):
        return
    threading.Thread(target=_trim_now_and_then, args=(libc,), name="malloc-trim", daemon=True).start()


def _trim_now_and_then(libc: ctypes.CDLL, seconds: float = 10.0) -> None:
    """Give freed heap back to the system every few seconds: glibc keeps it after a burst (an
    answer of many megabytes passing through, a flood of 8 MB heads), and the process would
    keep the RSS of its worst moment for good. A C call, made without the GIL."""
    while True:
        time.sleep(seconds)
        libc.malloc_trim(0)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    parser.add_argument("--store", metavar="FOLDER|URL", default=None,
                        help="serve a store instead of files: a folder written by `ldpub load` (read-only), or a "
                             "remote SPARQL endpoint URL (credentials from LDPUB_STORE_USER / LDPUB_STORE_PASSWORD); "
                             "overrides the `store` setting")
    parser.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="RDF files (Turtle, N-Triples, TriG, N-Quads, JSON-LD, RDF/XML); default: dist/dataset.trig",
    )


def default_files(settings: Settings) -> list[Path]:
    """The built dataset, built on the spot when missing."""
    path = settings.dist_path / DEFAULT_DATASET
    if not path.is_file():
        # In a child process: the serve path stays free of rdflib and pyshacl.
        print(f"ldpub serve: {path} is missing; building it", file=sys.stderr)
        built = subprocess.run([sys.executable, "-m", "ldpub.cli", "build"], capture_output=True, text=True,
                               env={**os.environ, "LDPUB_ROOT": str(settings.root)}, check=False)
        if built.returncode != 0 or not path.is_file():
            why = (built.stdout + built.stderr).strip().splitlines()[-3:]
            raise SystemExit(f"ldpub serve: {path} is missing and building it failed: {' '.join(why)}\n"
                             "Fix the build (`ldpub build`), or name RDF files to serve: ldpub serve FILE...")
    return [path]


def check_files(files: list[Path]) -> None:
    """Each file exists, is a regular file and has a known suffix: else one line and exit 1."""
    for f in files:
        try:
            check_source(f)
        except SourceError as exc:
            raise SystemExit(f"ldpub serve: {exc.message}") from None


def store_spec(args: argparse.Namespace, settings: Settings) -> StoreSpec:
    """The backend: --store, else the `store` setting, else the files (default: the built dataset)."""
    chosen = args.store if args.store is not None else settings.store
    try:
        spec = parse_store(chosen)
    except StoreError as exc:
        raise SystemExit(f"ldpub serve: {exc.message}") from None
    if spec.kind != MEMORY:
        if args.files:
            raise SystemExit(f"ldpub serve: serve FILES or the store {chosen!r}, not both")
        return spec
    files = [Path(f) for f in args.files] or default_files(settings)
    check_files(files)
    return StoreSpec(MEMORY, files=tuple(files))


def run(args: argparse.Namespace) -> int:
    bound_malloc_arenas()
    settings = load_settings()
    spec = store_spec(args, settings)
    if spec.kind == REMOTE:
        print("ldpub serve: /sparql and the pages read the remote store by bounded queries; the page texts, "
              "shapes and VoID files come from this project (docs/stores.md)", file=sys.stderr)
    # The first query worker loads (or opens) the data while this process imports the web stack.
    first_worker = prespawn(worker_files(spec), settings) if spec.local else None

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per forwarded query: the access log has it
    try:
        executor = make_executor(settings, worker_files(spec), first_worker) if spec.local else None
        app = create_app(settings, executor=executor, store=spec)
    except (SourceError, StoreError) as exc:  # one line, and no worker left behind
        if first_worker is not None:
            first_worker.kill()
            first_worker.wait()
        raise SystemExit(f"ldpub serve: {exc.message}") from None
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    # The head's bound: the headers' (web/guard.py answers within it, saying how large they were)
    # plus a GET's URL, which may carry a whole percent-encoded query.
    http = with_head_deadline(settings.read_timeout,
                              settings.max_header_bytes + 3 * settings.max_query_length + 8192)
    # uvicorn's access log is replaced by ldpub.app.RequestLog (one line with the query hash).
    config = uvicorn.Config(app, host=args.host, port=args.port, loop=loop, http=http, access_log=False,
                            log_level="info", log_config=None, limit_concurrency=settings.max_connections,
                            # after the drain: the answers still being sent get this long
                            timeout_graceful_shutdown=2,
                            # X-Forwarded-* are ours to judge (render.trusts_forwarding, forwarded_allow_ips):
                            # uvicorn's own rewriting would hide the peer address that judgement needs.
                            proxy_headers=False)
    # SIGTERM / Ctrl-C: queries in flight finish (drain_timeout), new ones get 503, then exit 0.
    server = DrainingServer(config, app.state.drain, app.state.executor, settings.drain_timeout)
    # What start-up built lives as long as the process: out of the collector's way, so that full
    # collections (the p99 stalls on large data) walk only what requests allocate.
    gc.freeze()
    server.run()
    return 0 if server.started else 1
