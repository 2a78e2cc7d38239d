"""Soak (issue 10): `ldpub serve` of dist/dataset.trig with its default settings, on loopback, under a
steady mix of innocent traffic and, in small proportion, the attacks the server resists. Not a test
and not part of `make test`: figures depend on the machine. `make soak`; results in bench/results/.

1. Two loopback listeners: one in service_allowlist (so the workers keep the network and the seal
   is the only guard), one not; both count every TCP connection they accept. The attack queries aim
   at the second: it must see none.
2. A warm-up, unmeasured: every page once, and enough distinct queries to fill the result cache and
   start every query worker. Then a quiet phase: the same innocent clients as the loaded phase,
   with the same pauses, and no attack (the baseline p50/p99 per kind). The p99 target compares
   the two, so it measures what the attacks cost the innocent clients, not what their own number
   costs on two cores.
3. The loaded phase, c=32: 24 innocent clients (each its own address, 127.0.1.N) and 8 attackers
   (127.0.0.2 .. 127.0.0.9, one attack family each), so per-client fairness applies as it would.
   Innocent clients pause THINK seconds on average between requests (the load is steady, not a
   closed loop that measures only its own queueing); attackers keep their own pace.
4. RSS of every server process (main + query workers, from /proc) sampled every second: at start-up,
   at the start of the loaded phase, at its end, and the peak. The growth target is the main
   process's (workers are replaced whenever a query is killed, and capped by worker_memory_limit).

Every loop stops by itself: each phase has a deadline, each request a timeout, and the run a cap on
requests (MAX_REQUESTS) and a hard time limit.

Env: SOAK_SECONDS (loaded phase, default 300), SOAK_QUIET_SECONDS (default 30), SOAK_THINK (mean
pause of an innocent client, default 0.1 s), SOAK_DATA (default dist/dataset.trig), SOAK_ATTACKERS
(to look into one attack's cost: a comma-separated subset of seal, lexer, concat, no_read, header,
slow, forget_and_nesting, 404_and_host, or `none`; default all).
"""

from __future__ import annotations

import asyncio
import contextlib
import http.server
import importlib.util
import os
import random
import re
import resource
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyoxigraph as ox

from run import free_port, stop_group  # bench/run.py: one reader of each
from run import tree as process_tree

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"
SECONDS = float(os.environ.get("SOAK_SECONDS", "300"))
QUIET_SECONDS = float(os.environ.get("SOAK_QUIET_SECONDS", "30"))
THINK = float(os.environ.get("SOAK_THINK", "0.1"))
DATA = Path(os.environ.get("SOAK_DATA", ROOT / "dist" / "dataset.trig"))
DIST = DATA.parent
MAX_REQUESTS = 2_000_000  # a bound on the run whatever the machine's speed
CONCURRENCY = 32
ATTACKER_ADDRESSES = [f"127.0.0.{n}" for n in range(2, 10)]  # 8 attackers
INNOCENT_CLIENTS = CONCURRENCY - len(ATTACKER_ADDRESSES)  # 24
QUIET_CLIENTS = INNOCENT_CLIENTS  # the same traffic, without the attacks
CACHE_FILL = 800  # distinct queries at warm-up: more than the result cache keeps (512 by default)
HOST = "127.0.0.1"
BASE = "https://w3id.org/kz-masimov/"
TIMEOUT = 30.0  # per innocent request
SEND_TIMEOUT = 30.0  # the server's default send_timeout: a client that never reads is dropped then
READ_TIMEOUT = 10.0  # the server's default read_timeout: a slow request head gets 408 then
TARGET_RSS_GROWTH = 0.10
TARGET_P99_RATIO = 3.0

# The fixed SERVICE answer of the listeners (SPARQL JSON results, one row).
ANSWER = b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"from afar"}}]}}'


# --------------------------------------------------------------------------- request kinds


@dataclass(frozen=True)
class Kind:
    name: str
    innocent: bool
    expected: frozenset[int | str]  # statuses (or outcome words) that are the right answer


def kind(name: str, innocent: bool, *expected: int | str) -> Kind:
    return Kind(name, innocent, frozenset(expected))


KINDS = {k.name: k for k in [
    kind("query", True, 200),  # an example query as written: answered from the result cache
    kind("query-fresh", True, 200),  # an example query made unique: evaluated by a worker
    kind("query-service", True, 200),  # SERVICE <allowlisted listener>: the network path is open
    kind("page-html", True, 200),
    kind("page-ttl", True, 200),
    kind("article", True, 200),
    kind("home", True, 200),
    kind("dump-range", True, 206),
    kind("not-found", True, 404),  # a mistyped IRI
    kind("sd-void", True, 200),  # service description or VoID: "poisoned" if another client's Host shows
    kind("atk-seal", False, 400),  # glued SERVICE/FROM keywords and plain SERVICE, aimed at the other listener
    kind("atk-lexer", False, 400),  # 64 KB strings that were quadratic to lex
    kind("atk-concat", False, 200),  # 2^16 copies of an IRI in one row (~2.4 MB)
    kind("atk-concat-cut", False, 200),  # 2^20 copies: past result_max_bytes, cut and flagged
    kind("atk-concat-oom", False, 503),  # 2^24 copies: past worker_memory_limit, the worker dies
    kind("atk-no-read", False, "dropped"),  # asks for a ~11 MB answer, never reads it nor closes
    kind("atk-8mb-header", False, 431),
    kind("atk-silent", False, 408),  # connects and says nothing
    kind("atk-byte-a-time", False, 408),  # the request head a byte every 0.2 s
    kind("atk-no-body", False, 408),  # POST announcing 100000 bytes, sending 3
    kind("atk-fire-forget", False, "sent"),  # POST of a runaway query, socket closed at once
    kind("atk-nesting", False, 400),  # 20,000 nested parentheses
    kind("atk-404-flood", False, 404),
    kind("atk-host", False, 200, 404),  # Host / X-Forwarded-* poisoning; "poisoned" if it shows up
]}
INNOCENT_MIX = {"query": 25, "query-fresh": 10, "query-service": 1, "page-html": 20, "page-ttl": 12,
                "article": 5, "home": 5, "dump-range": 12, "not-found": 5, "sd-void": 2}


@dataclass
class Tally:
    """Latencies and outcomes per kind, for one phase."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: dict[str, Counter[int | str]] = field(default_factory=dict)
    examples: dict[tuple[str, int | str], str] = field(default_factory=dict)  # first unexpected of each
    requests: int = 0
    hung: bool = False  # a phase's tasks had to be cancelled past its deadline
    started: float = 0.0
    ended: float = 0.0

    def add(self, name: str, status: int | str, seconds: float | None, note: str = "") -> None:
        self.requests += 1
        self.statuses.setdefault(name, Counter())[status] += 1
        if seconds is not None:
            self.latencies.setdefault(name, []).append(seconds)
        if status not in KINDS[name].expected and (name, status) not in self.examples:
            self.examples[(name, status)] = note[:200]

    def innocent_latencies(self) -> list[float]:
        return [t for name, ts in self.latencies.items() if KINDS[name].innocent for t in ts]


def percentile(values: list[float], p: float) -> float:
    """Nearest rank; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


# --------------------------------------------------------------------------- listeners


class Listener:
    """A loopback HTTP server that counts every TCP connection it accepts (before reading any
    request) and answers SPARQL JSON results."""

    def __init__(self) -> None:
        self.connections = 0
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(ANSWER)))
                self.end_headers()
                self.wfile.write(ANSWER)

            do_GET = do_POST = _answer

            def log_message(self, *args: object) -> None:
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def get_request(self):  # type: ignore[no-untyped-def]
                accepted = super().get_request()
                listener.connections += 1
                return accepted

        self.server = Server((HOST, 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://{HOST}:{self.port}/sparql"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --------------------------------------------------------------------------- the server and its processes


def rss_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            return next((int(line.split()[1]) for line in fh if line.startswith("VmRSS:")), None)
    except OSError:
        return None


def threads(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            return next((int(line.split()[1]) for line in fh if line.startswith("Threads:")), 0)
    except OSError:
        return 0


def cpu_seconds(pid: int, children: bool = False) -> float:
    """User + system CPU of a process (with children: also of its children it has waited for)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12]) + ((int(fields[13]) + int(fields[14])) if children else 0)
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class Memory:
    """RSS per server process: snapshots at named moments, the peak of each, the peak total."""

    main: int
    snapshots: dict[str, dict[int, int]] = field(default_factory=dict)
    peak: dict[int, int] = field(default_factory=dict)
    peak_total: int = 0
    workers_seen: set[int] = field(default_factory=set)
    timeline: list[tuple[float, int, int, int, int]] = field(default_factory=list)  # s, main KB, total KB, workers, threads
    main_threads: dict[str, int] = field(default_factory=dict)  # at each snapshot
    started: float = field(default_factory=time.monotonic)

    def sample(self) -> dict[int, int]:
        now = {}
        for pid in process_tree(self.main):
            kb = rss_kb(pid)
            if kb is not None:
                now[pid] = kb
                self.peak[pid] = max(self.peak.get(pid, 0), kb)
                if pid != self.main:
                    self.workers_seen.add(pid)
        self.peak_total = max(self.peak_total, sum(now.values()))
        return now

    def snapshot(self, name: str) -> None:
        self.snapshots[name] = self.sample()
        self.main_threads[name] = threads(self.main)

    async def watch(self, stop: asyncio.Event) -> None:
        every = max(10, int(SECONDS // 10))  # seconds between two points of the timeline
        while not stop.is_set():
            now = self.sample()
            elapsed = time.monotonic() - self.started
            if not self.timeline or elapsed - self.timeline[-1][0] >= every:
                self.timeline.append((elapsed, now.get(self.main, 0), sum(now.values()), len(now) - 1,
                                      threads(self.main)))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)


class Server:
    def __init__(self, allowlisted: str) -> None:
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.log_path = RESULTS / "soak-server.log"
        env = {**os.environ, "LDPUB_ROOT": str(ROOT), "LDPUB_SERVICE_ALLOWLIST": allowlisted,
               "LDPUB_DIST_DIR": str(DIST)}
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [str(BIN / "ldpub"), "serve", "--host", HOST, "--port", str(self.port), str(DATA)],
                stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"soak: ldpub serve exited with {self.proc.returncode}; see {self.log_path}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(self.url + "/sparql", params={"query": "ASK {}"}, timeout=2).status_code == 200:
                    return
            time.sleep(0.05)
        self.stop()
        raise SystemExit("soak: ldpub serve did not answer within 60 s")

    def stop(self) -> None:
        stop_group(self.proc, 20)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


# --------------------------------------------------------------------------- what is asked


def example_queries() -> list[str]:
    return [f.read_text(encoding="utf-8") for f in sorted((ROOT / "data" / "queries").glob("*.rq"))]


def entity_paths() -> list[str]:
    """/id/... paths of the dataset's subjects (no fragment IRIs: those are parts of a page)."""
    paths = set()
    for quad in ox.parse(path=str(DATA)):
        s = quad.subject
        if isinstance(s, ox.NamedNode) and s.value.startswith(BASE + "id/") and "#" not in s.value:
            paths.add("/" + s.value[len(BASE):])
    return sorted(paths)


def dumps() -> list[tuple[str, int]]:
    names = ["dataset.ttl", "dataset.nt", "dataset.trig", "dataset.nq", "dataset.jsonld", "dataset.ttl.gz",
             "dataset.trig.gz"]
    return [(n, (DIST / n).stat().st_size) for n in names if (DIST / n).is_file()]


def concat_query(k: int, tag: str) -> str:
    """2^k copies of a subject IRI in one string: a one-row answer that grows without bound."""
    binds = " ".join(f"BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(k))
    return f"SELECT ?x{k} WHERE {{ ?s ?p ?o BIND(STR(?s) AS ?x0) {binds} }} LIMIT 1 # {tag}"


RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o . ?q ?r ?s }"

# tests/test_seal_bypass.py's bypass shapes ({port}: the listener that must see nothing).
SEAL_ATTACKS = [
    "SELECT * WHERE { SERVICESILENT<http://127.0.0.1:{port}/x> { ?s ?p ?o } }",
    "PREFIX : <http://127.0.0.1:{port}/> SELECT * WHERE { SERVICE:x { ?s ?p ?o } }",
    "PREFIX ex: <http://127.0.0.1:{port}/> SELECT * WHERE { SERVICEex:x { ?s ?p ?o } }",
    "SELECT * FROMNAMED<http://127.0.0.1:{port}/g> WHERE { GRAPH ?g { ?s ?p ?o } }",
    "PREFIX ex: <http://127.0.0.1:{port}/> SELECT * FROMex:g WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s ?p 1.5e3SERVICE<http://127.0.0.1:{port}/x> { } }",
    "SELECT * WHERE { ?s ?p trueSERVICE<http://127.0.0.1:{port}/x> { } }",
    "ASKFROM<http://127.0.0.1:{port}/g>{ ?s ?p ?o }",
    "PREFIX ex: <http://e/> SELECT * WHERE { ?s ?p ex:a.b.SERVICE <http://127.0.0.1:{port}/x> { } }",
    "PREFIX : <http://127.0.0.1:> SELECT * WHERE { ?s ?p :SERVICE:{port}\\/x { } }",
    "PREFIX : <http://127.0.0.1:> SELECT * WHERE { ?s ?p :SERVICE :{port}\\/x { } }",
    "PREFIX SILENT: <{allowed}> PREFIX : <http://127.0.0.1:{port}/> SELECT * WHERE { SERVICE SILENT:sparql { ?s ?p ?o } }",
    "PREFIX x: <http://x/> SELECT * WHERE { ?s ?p ?o FILTER(?o <x:#> '''\n) "
    "SERVICE <http://127.0.0.1:{port}/x> { } '''z''' ?p ?o # '''\n}",
    # written plainly: refused for its target
    "SELECT * WHERE { SERVICE <http://127.0.0.1:{port}/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:{port}/sparql> { ?s ?p ?o } }",
    "SELECT * FROM <http://127.0.0.1:{port}/g> WHERE { ?s ?p ?o }",
    "LOAD <http://127.0.0.1:{port}/g>",
    "SELECT * WHERE { BIND(<http://127.0.0.1:{port}/sparql> AS ?e) SERVICE ?e { ?s ?p ?o } }",
]


def lexer_attacks() -> list[bytes]:
    """64 KB queries built to be slow to lex (test_seal_bypass.py's shapes)."""
    n = 65536
    return [s.encode() for s in [
        ("'''" + "\n\\'''" * (n // 4 + 1))[:n],
        "'" + "\\\\" * (n // 2 - 1),
        ("'x' " * 16384)[:n - 1] + "'",
        "'''" + "a" * (n - 3),
        "<" * n,
        "<a" * (n // 2),
        ("SELECT * { FILTER(" + "?a <x:b> " * n)[:n],
        ("'ex:a\\' " * n)[:n],
    ]]


EVIL = "evil.example"
HOST_ATTACKS = [
    {"Host": EVIL},
    {"Host": EVIL + "/<script>alert(1)</script>"},
    {"Host": "a b"},
    {"X-Forwarded-Host": EVIL, "X-Forwarded-Proto": "javascript", "X-Forwarded-Prefix": "/<script>"},
    {"Host": EVIL, "X-Forwarded-Host": EVIL + ":443"},
]
HOST_PATHS = ["/", "/id/karim-masimov", "/id/karim-masimov.ttl", "/sparql", "/query", "/.well-known/void",
              "/id/no-such-thing", "/article"]


# --------------------------------------------------------------------------- the clients


@dataclass
class Run:
    server: Server
    allowed: Listener
    other: Listener
    queries: list[str]
    entities: list[str]
    dumps: list[tuple[str, int]]
    tally: Tally = field(default_factory=Tally)
    deadline: float = 0.0
    counter: int = 0

    def live(self) -> bool:
        return time.monotonic() < self.deadline and self.tally.requests < MAX_REQUESTS

    def tag(self) -> str:
        self.counter += 1
        return f"soak {self.counter}"

    async def pause(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, min(seconds, self.deadline - time.monotonic())))


def client(address: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(local_address=address), timeout=TIMEOUT,
                             headers={"Accept-Encoding": "identity"})


async def timed(run: Run, name: str, request: Callable[[], Awaitable[httpx.Response]],
                check: Callable[[httpx.Response], str | None] | None = None) -> None:
    """One request: its latency (to the last body byte) and status, or the transport error."""
    start = time.perf_counter()
    try:
        response = await request()
    except httpx.HTTPError as exc:
        run.tally.add(name, type(exc).__name__, None, repr(exc))
        return
    took = time.perf_counter() - start
    status: int | str = response.status_code
    if check is not None:
        status = check(response) or status
    run.tally.add(name, status, took, f"{response.request.method} {response.request.url.path} -> "
                                      f"{response.status_code} {response.text[:150]!r}")


async def innocent(run: Run, address: str, rng: random.Random) -> None:
    names, weights = zip(*INNOCENT_MIX.items(), strict=True)
    async with client(address) as c:
        while run.live():
            await run.pause(rng.expovariate(1 / THINK))
            if not run.live():
                break
            name = rng.choices(names, weights)[0]
            await INNOCENT_REQUESTS[name](run, c, rng)


async def ask_query(run: Run, c: httpx.AsyncClient, rng: random.Random, name: str, query: str) -> None:
    accept = rng.choice(["*/*", "application/sparql-results+json", "text/csv", "application/sparql-results+xml"])
    if rng.random() < 0.7:
        await timed(run, name, lambda: c.get(run.server.url + "/sparql", params={"query": query},
                                             headers={"Accept": accept}))
    else:
        await timed(run, name, lambda: c.post(run.server.url + "/sparql", content=query.encode(),
                                              headers={"Accept": accept, "Content-Type": "application/sparql-query"}))


async def req_query(run: Run, c: httpx.AsyncClient, rng: random.Random) -> None:
    await ask_query(run, c, rng, "query", rng.choice(run.queries))


async def req_query_fresh(run: Run, c: httpx.AsyncClient, rng: random.Random) -> None:
    await ask_query(run, c, rng, "query-fresh", rng.choice(run.queries) + f"\n# {run.tag()}\n")


async def req_query_service(run: Run, c: httpx.AsyncClient, rng: random.Random) -> None:
    query = f"SELECT ?x WHERE {{ SERVICE <{run.allowed.url}> {{ ?x ?p ?o }} }} # {run.tag()}"

    def check(r: httpx.Response) -> str | None:
        return None if r.status_code != 200 or b"from afar" in r.content else "200 without the service's row"

    await timed(run, "query-service", lambda: c.get(run.server.url + "/sparql", params={"query": query}), check)


def page(name: str, suffix: str, accept: str) -> Callable[[Run, httpx.AsyncClient, random.Random], Awaitable[None]]:
    async def request(run: Run, c: httpx.AsyncClient, rng: random.Random) -> None:
        path = rng.choice(run.entities) + suffix
        await timed(run, name, lambda: c.get(run.server.url + path, headers={"Accept": accept}))
    return request


def fixed(name: str, path: str) -> Callable[[Run, httpx.AsyncClient, random.Random], Awaitable[None]]:
    async def request(run: Run, c: httpx.AsyncClient, rng: random.Random) -> None:
        await timed(run, name, lambda: c.get(run.server.url + path, headers={"Accept": "text/html"}))
    return request


async def req_dump_range(run: Run, c: httpx.AsyncClient, rng: random.Random) -> None:
    name, size = rng.choice(run.dumps)
    shape = rng.random()
    if shape < 0.6:
        first = rng.randrange(size)
        last = min(size - 1, first + rng.randrange(1, 65536))
        spec, want = f"{first}-{last}", last - first + 1
    elif shape < 0.8:
        n = rng.randrange(1, min(size, 65536))
        spec, want = f"-{n}", n
    else:
        first = rng.randrange(max(1, size - 65536), size)
        spec, want = f"{first}-", size - first

    async def get() -> httpx.Response:
        request = c.build_request("GET", run.server.url + "/download/" + name, headers={"Range": f"bytes={spec}"})
        streamed = await c.send(request, stream=True)
        try:
            data = b"".join([chunk async for chunk in streamed.aiter_raw()])  # the bytes as sent
        finally:
            await streamed.aclose()
        return httpx.Response(streamed.status_code, headers=streamed.headers, content=data, request=request)

    def check(r: httpx.Response) -> str | None:
        return None if r.status_code != 206 or len(r.content) == want else "206 of the wrong length"

    await timed(run, "dump-range", get, check)


async def req_not_found(run: Run, c: httpx.AsyncClient, rng: random.Random) -> None:
    path = rng.choice(run.entities) + rng.choice(["x", "-2", "s", "/"])
    accept = rng.choice(["text/html", "text/turtle"])
    await timed(run, "not-found", lambda: c.get(run.server.url + path, headers={"Accept": accept}))


async def req_sd_void(run: Run, c: httpx.AsyncClient, rng: random.Random) -> None:
    path = rng.choice(["/sparql", "/.well-known/void"])

    def check(r: httpx.Response) -> str | None:
        return "poisoned" if EVIL.encode() in r.content else None

    await timed(run, "sd-void", lambda: c.get(run.server.url + path, headers={"Accept": "text/turtle"}), check)


INNOCENT_REQUESTS = {
    "query": req_query, "query-fresh": req_query_fresh, "query-service": req_query_service,
    "page-html": page("page-html", "", "text/html"), "page-ttl": page("page-ttl", ".ttl", "*/*"),
    "article": fixed("article", "/article"), "home": fixed("home", "/"),
    "dump-range": req_dump_range, "not-found": req_not_found, "sd-void": req_sd_void,
}


# --------------------------------------------------------------------------- the attackers


async def connect(run: Run, address: str, rcvbuf: int | None = None) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.bind((address, 0))
    sock.setblocking(False)
    try:
        await asyncio.get_running_loop().sock_connect(sock, (HOST, run.server.port))
    except OSError:
        sock.close()
        raise
    return sock


async def read_status(sock: socket.socket, timeout: float) -> int | str:
    """The status of the answer on sock, "closed" when the server closed without one."""
    loop = asyncio.get_running_loop()
    data = b""
    try:
        async with asyncio.timeout(timeout):
            while b"\r\n" not in data:
                chunk = await loop.sock_recv(sock, 4096)
                if not chunk:
                    break
                data += chunk
    except TimeoutError:
        return "no answer"
    except ConnectionError:
        return "reset"
    match = re.match(rb"HTTP/1\.[01] (\d{3})", data)
    return int(match.group(1)) if match else "closed"


async def raw(run: Run, name: str, address: str, head: bytes, body: bytes = b"", *,
              trickle: float = 0.0, timeout: float = 30.0) -> None:
    """One request as bytes (sent whole, or a byte every `trickle` seconds), then its status."""
    loop = asyncio.get_running_loop()
    start = time.perf_counter()
    try:
        sock = await connect(run, address)
    except OSError as exc:
        run.tally.add(name, "connect failed", None, repr(exc))
        return
    try:
        try:
            if trickle:
                for byte in head:
                    await loop.sock_sendall(sock, bytes([byte]))
                    await asyncio.sleep(trickle)
            else:
                await loop.sock_sendall(sock, head + body)
        except ConnectionError:
            pass  # the server may close before all is sent: its answer, if any, is still there
        status = await read_status(sock, timeout)
    finally:
        sock.close()
    run.tally.add(name, status, time.perf_counter() - start)


async def attack_seal(run: Run, address: str, rng: random.Random) -> None:
    async with client(address) as c:
        while run.live():
            template = rng.choice(SEAL_ATTACKS)
            query = (template.replace("{port}", str(run.other.port))
                     .replace("{allowed}", run.allowed.url.removesuffix("sparql")) + f"\n# {run.tag()}")
            if rng.random() < 0.5:
                await timed(run, "atk-seal", lambda q=query: c.post(run.server.url + "/sparql", data={"query": q}))
            else:
                await timed(run, "atk-seal", lambda q=query: c.get(run.server.url + "/sparql", params={"query": q}))
            await run.pause(0.3)


async def attack_lexer(run: Run, address: str, rng: random.Random) -> None:
    shapes = lexer_attacks()
    async with client(address) as c:
        while run.live():
            body = rng.choice(shapes)
            await timed(run, "atk-lexer", lambda b=body: c.post(
                run.server.url + "/sparql", content=b, headers={"Content-Type": "application/sparql-query"}))
            await run.pause(0.5)


async def attack_concat(run: Run, address: str, rng: random.Random) -> None:
    async with client(address) as c:
        turn = 0
        while run.live():
            name, k = [("atk-concat", 16), ("atk-concat-cut", 20), ("atk-concat", 16), ("atk-concat-oom", 24)][turn % 4]
            turn += 1
            query = concat_query(k, run.tag())

            def check(r: httpx.Response, name: str = name) -> str | None:
                if name == "atk-concat-cut" and r.status_code == 200 and r.headers.get("x-sparql-truncated") != "true":
                    return "200 not flagged as cut"
                if r.status_code == 503 and b"memory" not in r.content:
                    return "503 not naming memory"
                return None

            await timed(run, name, lambda q=query: c.get(run.server.url + "/sparql", params={"query": q}), check)
            await run.pause(2.0)


def server_side_state(server_port: int, client: tuple[str, int]) -> str:
    """The TCP state of the server's end of a loopback connection (/proc/net/tcp), "gone" when
    the server has closed its socket."""
    def hex_endpoint(address: str, port: int) -> str:
        return f"{int.from_bytes(socket.inet_aton(address), 'little'):08X}:{port:04X}"

    local, remote = hex_endpoint(HOST, server_port), hex_endpoint(*client)
    states = {"01": "established", "02": "syn-sent", "03": "syn-recv", "04": "fin-wait-1", "05": "fin-wait-2",
              "06": "time-wait", "07": "close", "08": "close-wait", "09": "last-ack", "0A": "listen", "0B": "closing"}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == local and fields[2] == remote:
            return states.get(fields[3], fields[3])
    return "gone"


async def attack_no_read(run: Run, address: str, rng: random.Random) -> None:
    """Every 12 s a client asks for a ~11 MB answer and never reads it, nor closes: at most three
    at once. send_timeout after the answer stalls, the server must drop the connection: its end
    of it is then gone ("dropped"); still established is "still open" (it holds a connection
    slot and the unsent bytes for as long as the client likes)."""
    held: set[asyncio.Task] = set()
    verdict_after = SEND_TIMEOUT + 12  # the answer is evaluated first, then stalls for send_timeout

    async def one() -> None:
        start = time.perf_counter()
        try:
            sock = await connect(run, address, rcvbuf=4096)
        except OSError as exc:
            run.tally.add("atk-no-read", "connect failed", None, repr(exc))
            return
        try:
            query = urllib.parse.quote(concat_query(18, run.tag()))
            await asyncio.get_running_loop().sock_sendall(
                sock, f"GET /sparql?query={query} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            await run.pause(verdict_after)
            state = server_side_state(run.server.port, sock.getsockname())
            run.tally.add("atk-no-read", "dropped" if state != "established" else "still open",
                          time.perf_counter() - start, f"the server's end is {state} after {verdict_after:g} s")
        finally:
            sock.close()

    while run.live() and run.deadline - time.monotonic() > verdict_after + 1:
        if len(held) < 3:
            task = asyncio.create_task(one())
            held.add(task)
            task.add_done_callback(held.discard)
        await run.pause(12.0)
    await asyncio.gather(*held, return_exceptions=True)


async def attack_header(run: Run, address: str, rng: random.Random) -> None:
    big = b"GET /id/karim-masimov HTTP/1.1\r\nHost: x\r\nAccept: " + b"x" * (8 << 20) + b"\r\nConnection: close\r\n\r\n"
    while run.live():
        await raw(run, "atk-8mb-header", address, big)
        await run.pause(3.0)


async def attack_slow(run: Run, address: str, rng: random.Random) -> None:
    """Three slow clients at once, each over and over: silent, a byte at a time, no body."""
    async def loop(name: str, head: bytes, trickle: float) -> None:
        while run.live():
            await raw(run, name, address, head, trickle=trickle, timeout=READ_TIMEOUT + 10)
            await run.pause(1.0)

    await asyncio.gather(
        loop("atk-silent", b"", 0.0),
        loop("atk-byte-a-time", b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100, 0.2),
        loop("atk-no-body", b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                            b"Content-Length: 100000\r\n\r\nASK", 0.0),
    )


async def attack_forget_and_nesting(run: Run, address: str, rng: random.Random) -> None:
    loop = asyncio.get_running_loop()
    deep = ("SELECT * WHERE { FILTER(" + "(" * 20000 + "1" + ")" * 20000 + ") }").encode()
    async with client(address) as c:
        turn = 0
        while run.live():
            turn += 1
            if turn % 2:
                body = urllib.parse.urlencode({"query": f"{RUNAWAY} # {run.tag()}"}).encode()
                head = (f"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                        f"Content-Length: {len(body)}\r\n\r\n").encode()
                try:
                    sock = await connect(run, address)
                    await loop.sock_sendall(sock, head + body)
                    sock.close()
                    run.tally.add("atk-fire-forget", "sent", None)
                except OSError as exc:
                    run.tally.add("atk-fire-forget", "connect failed", None, repr(exc))
            else:
                await timed(run, "atk-nesting", lambda: c.post(
                    run.server.url + "/sparql", content=deep, headers={"Content-Type": "application/sparql-query"}))
            await run.pause(1.5)


async def attack_404_and_host(run: Run, address: str, rng: random.Random) -> None:
    """A 404 flood (20 a second, random names under /id/) and, once a second, Host-header poisoning."""
    letters = "abcdefghijklmnopqrstuvwxyz0123456789-"

    def clean(r: httpx.Response) -> str | None:
        """The VoID and the service description name the host the client used, as documented
        (private to it: Cache-Control: private, Vary: Host); nothing else may, and markup never."""
        seen = r.content + " ".join(f"{k}: {v}" for k, v in r.headers.items()).encode()
        if b"<script>alert" in seen:
            return "poisoned"
        if EVIL.encode() not in seen:
            return None
        private = r.headers.get("cache-control") == "private" and "Host" in r.headers.get("vary", "")
        return None if r.request.url.path in ("/sparql", "/.well-known/void") and private else "poisoned"

    async with client(address) as c:
        turn = 0
        while run.live():
            turn += 1
            if turn % 20 == 0:
                extra, path = rng.choice(HOST_ATTACKS), rng.choice(HOST_PATHS)
                await timed(run, "atk-host", lambda p=path, h=extra: c.get(run.server.url + p, headers=h), clean)
            else:
                path = "/id/" + "".join(rng.choices(letters, k=rng.randrange(4, 40)))
                accept = rng.choice(["text/html", "text/turtle", "application/ld+json"])
                await timed(run, "atk-404-flood",
                            lambda p=path, a=accept: c.get(run.server.url + p, headers={"Accept": a}))
            await run.pause(0.05)


ATTACKERS = [attack_seal, attack_lexer, attack_concat, attack_no_read, attack_header, attack_slow,
             attack_forget_and_nesting, attack_404_and_host]
assert len(ATTACKERS) == len(ATTACKER_ADDRESSES)
ATTACKER_NAMES = [a.__name__.removeprefix("attack_") for a in ATTACKERS]
CHOSEN = os.environ.get("SOAK_ATTACKERS", "all")
ENABLED = set(ATTACKER_NAMES) if CHOSEN == "all" else {n.strip() for n in CHOSEN.split(",")} - {"none", ""}
if ENABLED - set(ATTACKER_NAMES):
    raise SystemExit(f"soak: SOAK_ATTACKERS names {sorted(ENABLED - set(ATTACKER_NAMES))}; "
                     f"known: {', '.join(ATTACKER_NAMES)}")


async def loop_lag(run: Run, lags: list[float]) -> None:
    """How late this client's own event loop wakes up: what it adds to every latency measured."""
    while run.live():
        start = time.perf_counter()
        await asyncio.sleep(0.01)
        lags.append(time.perf_counter() - start - 0.01)


async def phase(run: Run, seconds: float, innocents: int, attackers: bool, seed: int) -> tuple[Tally, list[float]]:
    run.tally = Tally(started=time.monotonic())
    run.deadline = time.monotonic() + seconds
    lags: list[float] = []
    tasks = [innocent(run, f"127.0.1.{n + 1}", random.Random(seed * 1000 + n)) for n in range(innocents)]
    if attackers:
        tasks += [attack(run, address, random.Random(seed * 1000 + 500 + n))
                  for n, (attack, address) in enumerate(zip(ATTACKERS, ATTACKER_ADDRESSES, strict=True))
                  if attack.__name__.removeprefix("attack_") in ENABLED]
    tasks.append(loop_lag(run, lags))
    # Every loop ends at the deadline; a request in flight then has at most its own timeout. Past
    # that the tasks are cancelled, and the report says the phase hung.
    try:
        async with asyncio.timeout(seconds + TIMEOUT + 30):
            await asyncio.gather(*tasks)
    except TimeoutError:
        run.tally.hung = True
    run.tally.ended = time.monotonic()
    return run.tally, lags


# --------------------------------------------------------------------------- the run and the report


async def warm_up(run: Run) -> None:
    """Unmeasured, before the quiet phase: every page, example query and dump once (pages are
    rendered once per IRI and format, then kept), then enough distinct queries, eight at a time,
    to fill the result cache to its bound and start every query worker. The quiet phase and the
    RSS at the start of the loaded phase are then the steady state, not the first use."""
    async with client("127.0.1.250") as c:
        for path in run.entities:
            for suffix, accept in (("", "text/html"), (".ttl", "*/*")):
                await c.get(run.server.url + path + suffix, headers={"Accept": accept})
        for path in ("/", "/article"):
            await c.get(run.server.url + path, headers={"Accept": "text/html"})
        for query in run.queries:
            await c.get(run.server.url + "/sparql", params={"query": query})
        for name, _ in run.dumps:
            await c.get(run.server.url + "/download/" + name, headers={"Range": "bytes=0-99"})

    async def fill(address: str, n: int) -> None:
        async with client(address) as c:
            for i in range(n):
                query = run.queries[i % len(run.queries)] + f"\n# warm-up {run.tag()}\n"
                await c.get(run.server.url + "/sparql", params={"query": query})

    # 8 at once from 4 addresses (client_concurrent is 2): the pool grows to max_concurrent.
    await asyncio.gather(*(fill(f"127.0.1.{240 + k // 2}", CACHE_FILL // 8) for k in range(8)))


async def soak(run: Run, memory: Memory) -> tuple[Tally, Tally, list[float], list[float]]:
    stop = asyncio.Event()
    watcher = asyncio.create_task(memory.watch(stop))
    try:
        await warm_up(run)
        quiet, quiet_lags = await phase(run, QUIET_SECONDS, QUIET_CLIENTS, False, 1)
        memory.snapshot("loaded start")
        loaded, loaded_lags = await phase(run, SECONDS, INNOCENT_CLIENTS, True, 2)
        await asyncio.sleep(5)  # the server finishes what was in flight
        memory.snapshot("end")
    finally:
        stop.set()
        await watcher
    return quiet, loaded, quiet_lags, loaded_lags


def log_figures(text: str) -> dict[str, object]:
    statuses = Counter(int(m) for m in re.findall(r" ldpub\.access \S+ \S+ (\d{3}) ", text))
    return {
        "statuses": statuses,
        "unhandled errors (500 with a traceback)": text.count("unhandled error"),
        "worker deaths (died during a query)": text.count("died during a query"),
        "  of which out of memory": len(re.findall(r"died during a query: it ran out of memory", text)),
        "clients dropped after send_timeout": text.count("dropped a client"),
        "workers that could not start": text.count("could not start a query worker"),
    }


def fmt_ms(seconds: float) -> str:
    return "-" if seconds != seconds else f"{seconds * 1000:.1f}"


def statuses_text(counts: Counter[int | str], expected: frozenset[int | str]) -> str:
    return " ".join(f"{s}:{n}" + ("" if s in expected else "!") for s, n in sorted(counts.items(), key=lambda i: str(i[0])))


def report(run: Run, memory: Memory, quiet: Tally, loaded: Tally, quiet_lags: list[float],
           loaded_lags: list[float], load: tuple[float, float], cpu: dict[str, float]) -> tuple[str, bool]:
    q_secs, l_secs = quiet.ended - quiet.started, loaded.ended - loaded.started
    lines = [
        f"ldpub soak: {DATA.relative_to(ROOT) if DATA.is_relative_to(ROOT) else DATA}, default settings but "
        f"service_allowlist = one loopback listener; {os.cpu_count()} CPUs; "
        f"load average {load[0]:.2f} at the start, {load[1]:.2f} at the end",
        f"quiet:  {q_secs:.0f} s, {QUIET_CLIENTS} innocent clients, {quiet.requests} requests "
        f"({quiet.requests / q_secs:.0f}/s); client loop lag p99 {fmt_ms(percentile(quiet_lags, 99))} ms",
        f"loaded: {SECONDS:.0f} s (+{l_secs - SECONDS:.0f} s for the last slow requests), c={CONCURRENCY}: "
        f"{INNOCENT_CLIENTS} innocent clients (127.0.1.1-{INNOCENT_CLIENTS}, pause {THINK:g} s on average) + "
        f"{len(ATTACKER_ADDRESSES)} attackers (127.0.0.2-9), {loaded.requests} requests "
        f"({loaded.requests / SECONDS:.0f}/s); client loop lag p99 {fmt_ms(percentile(loaded_lags, 99))} ms"
        + ("" if set(ATTACKER_NAMES) == ENABLED else f"; attackers: {', '.join(sorted(ENABLED)) or 'none'}")
        + ("; A PHASE HUNG: its requests were cancelled" if quiet.hung or loaded.hung else ""),
        f"CPU seconds: server {cpu['server']:.0f} (main process {cpu['main']:.0f}), this client {cpu['client']:.0f}",
        "",
        f"{'kind':<16} {'n':>7} {'p50 ms':>8} {'p99 ms':>8} {'quiet p50':>9} {'quiet p99':>9} {'p99 ×':>6}  statuses (! = unexpected)",
    ]
    unexpected_5xx: Counter[tuple[str, int | str]] = Counter()
    unexpected_other: Counter[tuple[str, int | str]] = Counter()
    for name, k in KINDS.items():
        counts = loaded.statuses.get(name, Counter())
        ts = loaded.latencies.get(name, [])
        qs = quiet.latencies.get(name, [])
        ratio = percentile(ts, 99) / percentile(qs, 99) if ts and qs else float("nan")
        lines.append(f"{name:<16} {sum(counts.values()):>7} {fmt_ms(percentile(ts, 50)):>8} {fmt_ms(percentile(ts, 99)):>8} "
                     f"{fmt_ms(percentile(qs, 50)):>9} {fmt_ms(percentile(qs, 99)):>9} "
                     f"{'-' if ratio != ratio else f'{ratio:.1f}':>6}  {statuses_text(counts, k.expected)}")
        for tally in (quiet, loaded):
            for status, n in tally.statuses.get(name, Counter()).items():
                if status not in k.expected:
                    bucket = unexpected_5xx if isinstance(status, int) and status >= 500 else unexpected_other
                    bucket[(name, status)] += n
    q_all, l_all = quiet.innocent_latencies(), loaded.innocent_latencies()
    p99_ratio = percentile(l_all, 99) / percentile(q_all, 99)
    lines.append(f"{'all innocent':<16} {len(l_all):>7} {fmt_ms(percentile(l_all, 50)):>8} {fmt_ms(percentile(l_all, 99)):>8} "
                 f"{fmt_ms(percentile(q_all, 50)):>9} {fmt_ms(percentile(q_all, 99)):>9} {p99_ratio:>6.1f}")
    quiet_odd = [f"{name} {s}:{n}" for name, c in quiet.statuses.items() for s, n in c.items()
                 if s not in KINDS[name].expected]
    lines.append(f"quiet phase: {quiet.requests} requests, "
                 f"{'all as expected' if not quiet_odd else 'unexpected: ' + ', '.join(quiet_odd)}")

    # memory
    lines += ["", "RSS (MB) of the server's processes: at start-up, at the start of the loaded phase, at the end, peak"]
    moments = ["ready", "loaded start", "end"]
    pids = sorted({p for snap in memory.snapshots.values() for p in snap}, key=lambda p: (p != memory.main, p))
    lines.append(f"{'process':<20} " + " ".join(f"{m:>12}" for m in moments) + f" {'peak':>8}")
    for pid in pids:
        role = "main" if pid == memory.main else "worker"
        cells = [memory.snapshots[m].get(pid) for m in moments]
        lines.append(f"{role + ' ' + str(pid):<20} " + " ".join(f"{'-' if c is None else f'{c / 1024:.1f}':>12}" for c in cells)
                     + f" {memory.peak.get(pid, 0) / 1024:>8.1f}")
    totals = [sum(memory.snapshots[m].values()) for m in moments]
    counts = [len(memory.snapshots[m]) - 1 for m in moments]
    lines.append(f"{'total':<20} " + " ".join(f"{t / 1024:>12.1f}" for t in totals) + f" {memory.peak_total / 1024:>8.1f}")
    lines.append(f"{'workers alive':<20} " + " ".join(f"{c:>12}" for c in counts)
                 + f"   ({len(memory.workers_seen)} worker processes in all: the pool replaces a worker it kills)")
    main_start, main_end = memory.snapshots["loaded start"][memory.main], memory.snapshots["end"][memory.main]
    main_growth = main_end / main_start - 1

    def mean_worker(m: str) -> float:
        ws = [kb for p, kb in memory.snapshots[m].items() if p != memory.main]
        return sum(ws) / len(ws) if ws else float("nan")

    worker_growth = mean_worker("end") / mean_worker("loaded start") - 1
    total_growth = totals[2] / totals[1] - 1
    lines.append(f"{'main threads':<20} " + " ".join(f"{memory.main_threads[m]:>12}" for m in moments))
    lines.append("timeline (s since start-up: main MB / total MB, workers, main threads): " + ", ".join(
        f"{t:.0f}: {m / 1024:.0f}/{tot / 1024:.0f} {w}w {th}t" for t, m, tot, w, th in memory.timeline))
    lines.append(f"growth over the loaded phase: main process {main_growth:+.1%}, mean worker {worker_growth:+.1%}, "
                 f"total {total_growth:+.1%} (since start-up: main {main_end / memory.snapshots['ready'][memory.main] - 1:+.1%})")
    lines.append("The target is the main process's: it lives through the run, while a worker is replaced whenever "
                 "a query is killed and is capped by worker_memory_limit.")

    # network and the server's own view
    service_ok = loaded.statuses.get("query-service", Counter())[200] + quiet.statuses.get("query-service", Counter())[200]
    service_all = sum(loaded.statuses.get("query-service", Counter()).values()) + sum(
        quiet.statuses.get("query-service", Counter()).values())
    lines += ["", "Listeners (TCP connections accepted):",
              f"  allowlisted {run.allowed.url}: {run.allowed.connections} (queries naming it: {service_all}, "
              f"answered 200: {service_ok})",
              f"  not allowlisted {run.other.url}: {run.other.connections} (the attack queries aim here)"]
    figures = log_figures(run.server.log())
    statuses = figures.pop("statuses")
    assert isinstance(statuses, Counter)
    lines += ["", "Server log (whole run): statuses " + " ".join(f"{s}:{n}" for s, n in sorted(statuses.items()))]
    lines += [f"  {name}: {n}" for name, n in figures.items()]
    if unexpected_other or unexpected_5xx:
        lines += ["", "Unexpected outcomes (first answer of each):"]
        for (name, status), n in sorted({**unexpected_5xx, **unexpected_other}.items(), key=str):
            example = quiet.examples.get((name, status)) or loaded.examples.get((name, status)) or ""
            lines.append(f"  {name} {status} ×{n}: {example}")

    # targets
    server_500 = statuses.get(500, 0)
    targets = [
        ("0 unexpected 5xx", not unexpected_5xx and not server_500,
         f"{sum(unexpected_5xx.values())} unexpected 5xx answers; {server_500} 500s in the server log"),
        ("0 outbound connections", run.other.connections == 0 and run.allowed.connections <= service_all,
         f"{run.other.connections} to the listener outside the allowlist "
         f"({run.allowed.connections} to the allowlisted one, for {service_all} queries naming it)"),
        ("RSS growth < 10 %", main_growth < TARGET_RSS_GROWTH,
         f"main process {main_start / 1024:.1f} -> {main_end / 1024:.1f} MB, {main_growth:+.1%} over the loaded phase "
         f"(mean worker {worker_growth:+.1%}, total {total_growth:+.1%})"),
        ("innocent p99 <= 3x quiet", p99_ratio <= TARGET_P99_RATIO,
         f"{fmt_ms(percentile(l_all, 99))} ms loaded vs {fmt_ms(percentile(q_all, 99))} ms quiet: {p99_ratio:.1f}x"),
    ]
    lines += ["", "Targets:"]
    lines += [f"  {'PASS' if ok else 'FAIL'}  {name}: {detail}" for name, ok, detail in targets]
    others = sum(unexpected_other.values())
    lines.append(f"  ({others or 'no'} other unexpected outcomes)")
    return "\n".join(lines), all(ok for _, ok, _ in targets)


def main() -> int:
    if not DATA.is_file():
        print(f"soak: {DATA} is missing; run `make build` first", file=sys.stderr)
        return 1
    RESULTS.mkdir(parents=True, exist_ok=True)
    allowed, other = Listener(), Listener()
    load_start = os.getloadavg()[0]
    server = Server(allowed.url)
    try:
        run = Run(server, allowed, other, example_queries(), entity_paths(), dumps())
        memory = Memory(server.proc.pid)
        memory.snapshot("ready")
        runner = asyncio.run
        if importlib.util.find_spec("uvloop"):
            import uvloop  # noqa: PLC0415 (optional: a faster client loop when installed)
            runner = uvloop.run
        quiet, loaded, quiet_lags, loaded_lags = runner(soak(run, memory))
        cpu = {"server": cpu_seconds(server.proc.pid, children=True) + sum(
                   cpu_seconds(p) for p in process_tree(server.proc.pid)[1:]),
               "main": cpu_seconds(server.proc.pid),
               "client": sum(resource.getrusage(resource.RUSAGE_SELF)[:2])}
        text, passed = report(run, memory, quiet, loaded, quiet_lags, loaded_lags,
                              (load_start, os.getloadavg()[0]), cpu)
    finally:
        server.stop()
        allowed.close()
        other.close()
    print(text)
    (RESULTS / "soak.txt").write_text(text + "\n")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
