"""A query worker process: `python -m ldpub.query.worker FILE...` (or one store folder of `ldpub load`).

Why a process: pyoxigraph cannot cancel a running query, so the server runs untrusted queries
here and SIGKILLs the process when the time limit passes. Kept tiny (pyoxigraph + stdlib json)
for memory and start-up.

Wire format on stdin/stdout, each message framed by a 4-byte big-endian length:
  request  = UTF-8 JSON {"q": query, "dg": [iri]|null, "ng": [iri]|null, "mt": media type,
                         "limit": int}
  response = 1 byte kind (0 ok, 1 syntax error, 2 evaluation error, 3 the files did not load,
             9 ready)
             + 1 byte truncated flag + body (serialised result, or a UTF-8 message)
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import struct
import sys
from typing import BinaryIO

import pyoxigraph as ox

from ldpub.errors import SourceError, StoreError
from ldpub.query.results import write_answer
from ldpub.store import is_disk_store, load_store, open_disk_store

OK, SYNTAX_ERROR, EVALUATION_ERROR, LOAD_ERROR, READY = 0, 1, 2, 3, 9
_LEN = struct.Struct(">I")


def write_frame(out: BinaryIO, kind: int, truncated: bool, body: bytes) -> None:
    out.write(_LEN.pack(len(body) + 2) + bytes((kind, truncated)) + body)
    out.flush()


def read_frame(inp: BinaryIO) -> bytes | None:
    head = inp.read(4)
    if len(head) < 4:
        return None
    (size,) = _LEN.unpack(head)
    return inp.read(size)


def _dataset_kwargs(dg: list[str] | None, ng: list[str] | None) -> dict:
    """Protocol dataset: when either list is given, it replaces the query's/store's dataset
    (a missing list then means empty)."""
    if dg is None and ng is None:
        return {}
    return {
        "default_graph": [ox.NamedNode(i) for i in dg or []] or [],
        "named_graphs": [ox.NamedNode(i) for i in ng or []],
    }


def evaluate(store: ox.Store, request: dict, prefixes: dict[str, str] | None = None,
             base: str | None = None) -> tuple[bool, bytes]:
    """(truncated, body) for one request; raises SyntaxError or other errors from pyoxigraph.
    `base`: the base IRI of a query without BASE (the endpoint's: ldpub.query.protocol.query_base).
    The answer is cut at `limit` rows (or triples) and at about `max_bytes` (write_answer)."""
    result = store.query(request["q"], prefixes=prefixes or None, base_iri=base,
                         **_dataset_kwargs(request.get("dg"), request.get("ng")))
    return write_answer(result, request["mt"], int(request["limit"]), int(request.get("max_bytes", 16 << 20)))


CLONE_NEWUSER, CLONE_NEWNET = 0x10000000, 0x40000000


def drop_network() -> bool:
    """Move this process into an empty network namespace (only a down loopback), so no query can
    reach any host whatever the lexer missed. Root may do it directly; others through a user
    namespace. False where the kernel refuses: then the lexer's seal is the only guard."""
    libc = ctypes.CDLL(None, use_errno=True)
    for flags in (CLONE_NEWNET, CLONE_NEWUSER | CLONE_NEWNET):
        if libc.unshare(flags) == 0:
            return True
    print(f"ldpub.worker: could not drop network access ({os.strerror(ctypes.get_errno())}); "
          "relying on the query seal", file=sys.stderr)
    return False


def serve(paths: list[str], inp: BinaryIO, out: BinaryIO, prefixes: dict[str, str] | None = None,
          base: str | None = None) -> None:
    try:
        # One folder written by `ldpub load`: opened read-only, nothing parsed; else the files.
        store = open_disk_store(paths[0]) if len(paths) == 1 and is_disk_store(paths[0]) else load_store(paths)
    except (SourceError, StoreError) as exc:  # the server reports it (it loads the same files): no traceback here
        write_frame(out, LOAD_ERROR, False, exc.message.encode("utf-8", "replace"))
        return
    # No quad count: len() of an on-disk store scans all of it (0.3 s and +34 MB of RSS per worker at 1M).
    write_frame(out, READY, False, b"")
    while (message := read_frame(inp)) is not None:
        try:
            truncated, body = evaluate(store, json.loads(message), prefixes or {}, base)
            write_frame(out, OK, truncated, body)
        except SyntaxError as exc:
            write_frame(out, SYNTAX_ERROR, False, str(exc).encode("utf-8", "replace"))
        except MemoryError:
            write_frame(out, EVALUATION_ERROR, False,
                        b"the answer needs more memory than this worker may use (worker_memory_limit)")
        except Exception as exc:  # any evaluation failure becomes a clean 4xx upstream
            write_frame(out, EVALUATION_ERROR, False, str(exc).encode("utf-8", "replace"))


def limit_memory(megabytes: int) -> None:
    """Cap this process's address space: a query that builds a huge string or group fails here
    (the worker dies and is replaced) instead of taking the machine."""
    if megabytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (megabytes << 20, megabytes << 20))


def main(argv: list[str]) -> None:
    """python -m ldpub.query.worker [--offline] [--memory-limit MB] [--prefixes JSON] [--base IRI] FILE..."""
    # The server owns this process's life: it closes stdin or SIGKILLs it. A SIGTERM or Ctrl-C
    # sent to the whole process group (systemd, a terminal) must not cut the queries it drains.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    args = list(argv)
    if args[:1] == ["--offline"]:
        args = args[1:]
        drop_network()
    if args[:1] == ["--memory-limit"]:
        limit_memory(int(args[1]))
        args = args[2:]
    prefixes: dict[str, str] = {}
    if args[:1] == ["--prefixes"]:
        prefixes = json.loads(args[1])
        args = args[2:]
    base: str | None = None
    if args[:1] == ["--base"]:
        base = args[1]
        args = args[2:]
    serve(args, sys.stdin.buffer, sys.stdout.buffer, prefixes, base)


if __name__ == "__main__":
    main(sys.argv[1:])
