"""`make bench-scale`: ldpub over the in-memory and the on-disk store, and `oxigraph serve-read-only`,
on synthetic data (bench/synth.py) at each size of BENCH_SIZES (default 100000,1000000), in one run.

Per size: load time (`ldpub load` into a folder, `oxigraph load`), start time (process start → first
answered query), memory of each server's process tree (RSS and PSS, MB: the on-disk store's pages
are page cache, shared, which PSS divides between processes) with one query worker and after the
pool grew to max_concurrent, then p50 / p99 / req/s at c=1 and c=8 for a point lookup, a 2-hop join,
a GROUP BY count, an entity page (HTML, Turtle) and a 404. Not a test: figures depend on the
machine. Report in bench/results/scale.txt. BENCH_SECONDS (default 5) per measurement.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from run import free_port, memory_mb

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "100000,1000000").split(",")]
SYNTH = "https://w3id.org/kz-masimov/id/synth/"
KZM = "https://w3id.org/kz-masimov/def#"
QUERIES = {
    "point": f"SELECT ?n WHERE {{ <{SYNTH}person-7> <{KZM}name> ?n }}",
    "2-hop": (f"SELECT ?arrest ?place WHERE {{ ?arrest <{KZM}arrestee> <{SYNTH}person-7> ; "
              f"<{KZM}location> ?l . ?l <{KZM}name> ?place }}"),
    "group-by": f"SELECT ?s (COUNT(*) AS ?n) WHERE {{ ?a <{KZM}suspicion> ?s }} GROUP BY ?s",
}
PAGES = {"page-html": ("/id/synth/person-7", "text/html"), "page-ttl": ("/id/synth/person-7", "text/turtle"),
         "404": ("/id/synth/no-such-thing", "text/html")}


class Proc:
    def __init__(self, name: str, argv: list[str], query_path: str, env: dict[str, str] | None = None) -> None:
        self.name, self.argv, self.query_path = name, argv, query_path
        self.env = {**os.environ, **(env or {})}
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.start_s = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        argv = [a.replace("{port}", str(self.port)) for a in self.argv]
        started = time.monotonic()
        self.proc = subprocess.Popen(argv, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        while True:
            try:
                if httpx.get(self.url + self.query_path, params={"query": QUERIES["point"]}, timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}")
            time.sleep(0.05)
        self.start_s = time.monotonic() - started

    def stop(self) -> None:
        if self.proc is not None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait()


def measure(proc: Proc, request: tuple[str, dict], connections: int) -> tuple[float, float, float, int]:
    """(p50 ms, p99 ms, req/s, non-2xx-or-404 count) of one request kind for SECONDS."""
    path, kwargs = request
    latencies: list[float] = []
    errors = [0]
    stop_at = time.monotonic() + SECONDS
    lock = threading.Lock()

    def loop() -> None:
        with httpx.Client(timeout=30) as client:
            while time.monotonic() < stop_at:
                t = time.perf_counter()
                status = client.get(proc.url + path, **kwargs).status_code
                dt = time.perf_counter() - t
                with lock:
                    latencies.append(dt)
                    if status >= 500:
                        errors[0] += 1

    threads = [threading.Thread(target=loop) for _ in range(connections)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    return p50, p99, len(latencies) / SECONDS, errors[0]


def grow_pool(proc: Proc, workers: int) -> None:
    """Queries at once until the pool has grown (each waits 20 ms before another worker starts)."""
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?c ?d ?e }"  # a full scan and a join
    threads = [threading.Thread(target=lambda: httpx.get(proc.url + proc.query_path, params={"query": slow}, timeout=60))
               for _ in range(workers * 2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    time.sleep(1)


def main() -> int:
    RESULTS.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []

    def say(text: str) -> None:
        print(text, flush=True)
        lines.append(text)

    work = Path(tempfile.mkdtemp(prefix="ldpub-scale-"))
    try:
        for size in SIZES:
            folder = work / str(size)
            subprocess.run([sys.executable, ROOT / "bench" / "synth.py", "--triples", str(size), "--out", folder],
                           check=True, capture_output=True)
            trig = folder / "synth.trig"
            t = time.monotonic()
            subprocess.run([BIN / "ldpub", "load", "--from", trig, folder / "store"], check=True, capture_output=True)
            load_ldpub = time.monotonic() - t
            t = time.monotonic()
            subprocess.run([BIN / "oxigraph", "load", "--location", folder / "ox", "--file", trig], check=True,
                           capture_output=True)
            load_ox = time.monotonic() - t
            say(f"\n== {size:,} triples asked ({trig.stat().st_size / 1e6:.0f} MB of TriG) ==")
            say(f"load: ldpub load (with VoID statistics) {load_ldpub:.1f} s; oxigraph load {load_ox:.1f} s")
            env = {"LDPUB_ROOT": str(ROOT), "LDPUB_RESULT_CACHE": "0", "LDPUB_CLIENT_CONCURRENT": "8",
                   "LDPUB_QUERY_TIMEOUT": "60", "LDPUB_WORKER_MEMORY_LIMIT": "0"}
            servers = [
                Proc("ldpub memory", [str(BIN / "ldpub"), "serve", "--port", "{port}", str(trig)], "/sparql", env),
                Proc("ldpub disk", [str(BIN / "ldpub"), "serve", "--port", "{port}", "--store", str(folder / "store")],
                     "/sparql", env),
                Proc("oxigraph", [str(BIN / "oxigraph"), "serve-read-only", "--location", str(folder / "ox"),
                                  "--bind", "127.0.0.1:{port}"], "/query"),
            ]
            for server in servers:
                server.start()
                rss1, pss1, n1 = memory_mb(server.proc.pid)  # type: ignore[union-attr]
                grow_pool(server, 4)
                rss4, pss4, n4 = memory_mb(server.proc.pid)  # type: ignore[union-attr]
                say(f"{server.name:13} start→first answer {server.start_s:5.1f} s | RSS {rss1:6.0f} MB, PSS {pss1:6.0f} MB "
                    f"({n1} processes) | after 8 queries at once: RSS {rss4:6.0f} MB, PSS {pss4:6.0f} MB ({n4} processes)")
                for kind, query in QUERIES.items():
                    for c in (1, 8):
                        p50, p99, rps, errs = measure(server, (server.query_path, {"params": {"query": query}}), c)
                        say(f"    {kind:9} c={c}: p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  {rps:7.0f} req/s  5xx {errs}")
                if server.query_path == "/sparql":
                    for kind, (path, accept) in PAGES.items():
                        for c in (1, 8):
                            p50, p99, rps, errs = measure(server, (path, {"headers": {"Accept": accept}}), c)
                            say(f"    {kind:9} c={c}: p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  {rps:7.0f} req/s  5xx {errs}")
                server.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
        (RESULTS / "scale.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
