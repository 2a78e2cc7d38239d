"""`make bench-scale`: `ldpub serve` over the on-disk store beside `oxigraph serve-read-only` on the
same synthetic data (bench/synth.py), and ldpub in front of a remote Oxigraph beside that Oxigraph
asked directly, at each size of BENCH_SIZES (default 100000,1000000; 5000000 works), in one run.

Per size: load time and peak RSS (`ldpub load` into a folder, `oxigraph load`, `ldpub load --into`);
start time (process start → first answered query); RSS and PSS of every process (ldpub's main and
each query worker, and the total) with one worker and after the pool grew; then p50 / p99 / req/s
from wrk (Debian's, as `make bench`: one lean C client, so the load generator does not take the
two cores itself) at c=1 and c=8 for a point lookup, a 2-hop join, a GROUP BY count, an entity page
(HTML, Turtle), entity pages that are each asked once (HTML, "page-distinct": a new person per request,
so neither the Site's page memo nor a repeated lookup serves it) and a 404; ratios against Oxigraph; the remote overhead (p50 through ldpub − p50
direct). Not a test: figures depend on the machine and what else runs on it (the load average is
printed). Result cache off (`result_cache = 0`); the Site's own per-page memo is not a setting.

Env: BENCH_SIZES; BENCH_SECONDS (default 5) per wrk run; BENCH_REMOTE_MAX (default 1000000): the
remote rows only up to that size (`ldpub load --into` sends INSERT DATA batches: minutes at 5M).
Report in bench/results/scale.txt.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import httpx

from run import free_port, parse_wrk, process_memory, stop_group
from synth import Synth

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "100000,1000000").split(",")]
REMOTE_MAX = int(os.environ.get("BENCH_REMOTE_MAX", "1000000"))
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
LDPUB_ENV = {"LDPUB_ROOT": str(ROOT), "LDPUB_RESULT_CACHE": "0", "LDPUB_CLIENT_CONCURRENT": "8",
             "LDPUB_CLIENT_QUEUED": "64", "LDPUB_QUERY_TIMEOUT": "60", "LDPUB_WORKER_MEMORY_LIMIT": "0"}
Say = Callable[[str], None]
WRK_SCRIPT = 'request = function() return wrk.format("GET", %s, {["Accept"] = "%s"}) end\n'
# Each request a person page not asked before in this server's life: thread k of `step` asks person
# first + k, first + k + step, … (modulo the size's persons: a wrap is counted as repeats).
DISTINCT_SCRIPT = """local first, persons, step = %d, %d, %d
local threads, i = 0, 0
function setup(thread) thread:set("id", threads); threads = threads + 1 end
request = function()
  local n = (first + id + i * step) %% persons
  i = i + 1
  return wrk.format("GET", "/id/synth/person-" .. n, {["Accept"] = "text/html"})
end
"""


def timed(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS MB) of a command, which must succeed."""
    started = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    took = time.monotonic() - started
    if status:
        raise RuntimeError(f"{argv[:3]} failed: {proc.stderr.read().decode()[-500:] if proc.stderr else ''}")
    return took, usage.ru_maxrss / 1024


def show_memory(procs: list[tuple[int, float, float]]) -> str:
    parts = " + ".join(f"{rss:.0f}" for _, rss, _ in procs)
    total_rss, total_pss = sum(r for _, r, _ in procs), sum(p for _, _, p in procs)
    return f"RSS {total_rss:,.0f} MB ({parts}), PSS {total_pss:,.0f} MB, {len(procs)} processes"


class Server:
    def __init__(self, name: str, argv: list[str], query_path: str, env: dict[str, str] | None = None,
                 pages: bool = False) -> None:
        self.name, self.query_path, self.pages = name, query_path, pages
        self.port = free_port()
        self.argv = [a.replace("{port}", str(self.port)) for a in argv]
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen | None = None
        self.start_s = 0.0
        self.runs: dict[tuple[str, int], dict] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        started = time.monotonic()
        self.proc = subprocess.Popen(self.argv, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        while True:
            try:
                if httpx.get(self.url + self.query_path, params={"query": QUERIES["point"]}, timeout=60).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}")
            time.sleep(0.02)
        self.start_s = time.monotonic() - started

    def stop(self) -> None:
        if self.proc is not None:
            stop_group(self.proc, 15)

    def requests(self) -> dict[str, tuple[str, str]]:
        out = {kind: (self.query_path + "?" + urllib.parse.urlencode({"query": q}), "application/sparql-results+json")
               for kind, q in QUERIES.items()}
        return {**out, **PAGES} if self.pages else out

    def grow_pool(self) -> None:
        """Eight clients asking at once for two seconds: the pool grows to max_concurrent."""
        stop_at = time.monotonic() + 2

        def loop() -> None:
            with httpx.Client(timeout=60) as client:
                while time.monotonic() < stop_at:
                    client.get(self.url + self.query_path, params={"query": QUERIES["group-by"]})

        threads = [threading.Thread(target=loop) for _ in range(8)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        time.sleep(1)


def wrk(server: Server, script: str, connections: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(script)
    try:
        out = subprocess.run(["wrk", f"-t{wrk_threads(connections)}", f"-c{connections}", f"-d{SECONDS}s", "--latency",
                              "--timeout", "30s", "-s", fh.name, server.url], capture_output=True, text=True,
                             check=True).stdout
    finally:
        os.unlink(fh.name)
    return parse_wrk(out)


def wrk_threads(connections: int) -> int:
    return min(connections, 2)


def show_run(kind: str, c: int, run: dict, note: str = "") -> str:
    return (f"    {kind:13} c={c}: p50 {run['p50_ms']:8.2f} ms  p99 {run['p99_ms']:8.2f} ms  {run['rps']:8.0f} req/s"
            f"  non-2xx {run['non2xx']}" + (f"  ({note})" if note else ""))


def measure(servers: list[Server], say: Say, size: int) -> None:
    """Each request kind at c=1 and c=8. Several servers compared are asked in turn, back to back,
    for each kind and c: a store still settling (Oxigraph compacts after `ldpub load --into`)
    slows both sides of a pair alike, not whichever was measured first."""
    for kind in servers[0].requests():
        first_ms: dict[str, tuple[float, int]] = {}
        for server in servers:
            path, accept = server.requests()[kind]
            first = time.monotonic()
            status = httpx.get(server.url + path, headers={"Accept": accept}, timeout=120).status_code
            first_ms[server.name] = (time.monotonic() - first) * 1000, status
        for c in (1, 8):
            for server in servers:
                path, accept = server.requests()[kind]
                script = WRK_SCRIPT % ('"' + path.replace('"', '\\"') + '"', accept)
                run = server.runs[kind, c] = wrk(server, script, c)
                took, status = first_ms[server.name]
                line = show_run(kind, c, run, f"first request {took:.0f} ms, HTTP {status}" if c == 1 else "")
                say(f"    {server.name}: {line.lstrip()}" if len(servers) > 1 else line)
    for server in servers:
        if server.pages:
            measure_distinct(server, say, size)


def measure_distinct(server: Server, say: Say, size: int) -> None:
    """The entity page of a person not asked before: the c=8 run starts where the c=1 run stopped,
    so no page is asked twice unless the size has fewer persons than the two runs asked for."""
    persons, asked = Synth(size, 1, "").pool, 0
    for c in (1, 8):
        run = server.runs["page-distinct", c] = wrk(server, DISTINCT_SCRIPT % (asked, persons, wrk_threads(c)), c)
        asked += run["requests"]
        say(show_run("page-distinct", c, run, f"{run['requests']} pages of {persons} persons, "
                     f"{max(0, asked - persons)} asked again so far"))


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


def bench_size(size: int, work: Path, say: Say) -> None:
    folder = work / str(size)
    subprocess.run([sys.executable, ROOT / "bench" / "synth.py", "--triples", str(size), "--out", folder],
                   check=True, capture_output=True)
    trig = folder / "synth.trig"
    say(f"\n== {size:,} triples asked ({trig.stat().st_size / 1e6:.0f} MB of TriG); load average "
        f"{os.getloadavg()[0]:.1f} ==")
    load_ldpub, peak_ldpub = timed([str(BIN / "ldpub"), "load", "--from", str(trig), str(folder / "store")])
    load_ox, peak_ox = timed([str(BIN / "oxigraph"), "load", "--location", str(folder / "ox"), "--file", str(trig)])
    # Each store compacted before it serves, as `ldpub load` leaves its own (and as Oxigraph advises
    # for a read-heavy endpoint): the anchor is not measured while it still settles.
    optimize_ox, _ = timed([str(BIN / "oxigraph"), "optimize", "--location", str(folder / "ox")])
    say(f"load: ldpub load (with VoID statistics, compacted) {load_ldpub:.1f} s, peak RSS {peak_ldpub:.0f} MB | "
        f"oxigraph load {load_ox:.1f} s + optimize {optimize_ox:.1f} s, peak RSS {peak_ox:.0f} MB | "
        f"ratio {ratio(load_ldpub, load_ox + optimize_ox)}")
    anchor = Server("oxigraph", [str(BIN / "oxigraph"), "serve-read-only", "--location", str(folder / "ox"),
                                 "--bind", "127.0.0.1:{port}"], "/query")
    disk = Server("ldpub disk", [str(BIN / "ldpub"), "serve", "--port", "{port}", "--store", str(folder / "store")],
                  "/sparql", LDPUB_ENV, pages=True)
    for server in (anchor, disk):
        try:
            server.start()
            one = process_memory(server.proc.pid)  # type: ignore[union-attr]
            server.grow_pool()
            grown = process_memory(server.proc.pid)  # type: ignore[union-attr]
            say(f"{server.name}: start→first answer {server.start_s:.2f} s\n    at start: {show_memory(one)}\n"
                f"    after 8 clients at once: {show_memory(grown)}")
            measure([server], say, size)
            say(f"    after all the requests above: {show_memory(process_memory(server.proc.pid))}")  # type: ignore[union-attr]
        finally:
            server.stop()
    for kind in QUERIES:
        for c in (1, 8):
            a, b = disk.runs[kind, c], anchor.runs[kind, c]
            say(f"  ldpub disk / oxigraph {kind:9} c={c}: throughput {ratio(a['rps'], b['rps'])}, "
                f"p50 {ratio(a['p50_ms'], b['p50_ms'])}, p99 {ratio(a['p99_ms'], b['p99_ms'])}")
    if size > REMOTE_MAX:
        say(f"remote: not run at this size (BENCH_REMOTE_MAX={REMOTE_MAX})")
        return
    remote = Server("oxigraph (remote, direct)", [str(BIN / "oxigraph"), "serve", "--location", str(folder / "oxr"),
                                                  "--bind", "127.0.0.1:{port}"], "/query")
    try:
        remote.start()
        took, peak = timed([str(BIN / "ldpub"), "load", "--from", str(trig), "--into", remote.url + "/update",
                            "--query-url", remote.url + "/query"])
        say(f"load --into oxigraph serve: {took:.1f} s, peak RSS of ldpub load {peak:.0f} MB")
        # Compacted before measuring (stopped, `oxigraph optimize`, started again): right after the
        # load it still compacts, which slowed the 1M GROUP BY from 4 to 7 ms, and more through ldpub.
        remote.stop()
        timed([str(BIN / "oxigraph"), "optimize", "--location", str(folder / "oxr")])
        remote.start()
        front = Server("ldpub → oxigraph", [str(BIN / "ldpub"), "serve", "--port", "{port}", "--store",
                                            remote.url + "/query"], "/sparql", LDPUB_ENV)
        try:
            front.start()
            say(f"{front.name}: start→first answer {front.start_s:.2f} s; {show_memory(process_memory(front.proc.pid))}")  # type: ignore[union-attr]
            measure([remote, front], say, size)
        finally:
            front.stop()
        for kind in QUERIES:
            for c in (1, 8):
                a, b = front.runs[kind, c], remote.runs[kind, c]
                say(f"  through ldpub − direct {kind:9} c={c}: p50 {a['p50_ms'] - b['p50_ms']:+.2f} ms, "
                    f"throughput {ratio(a['rps'], b['rps'])}")
    finally:
        remote.stop()


def main() -> int:
    if shutil.which("wrk") is None:
        print("bench-scale: wrk is missing (apt-get install wrk)", file=sys.stderr)
        return 1
    RESULTS.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []

    def say(text: str) -> None:
        print(text, flush=True)
        lines.append(text)

    say(f"bench-scale {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; CPUs {os.cpu_count()}; "
        f"{SECONDS} s per wrk run")
    work = Path(tempfile.mkdtemp(prefix="ldpub-scale-"))
    try:
        for size in SIZES:
            bench_size(size, work, say)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        (RESULTS / "scale.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
