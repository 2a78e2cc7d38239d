"""Benchmark: ldpub's endpoint against Oxigraph (serve-read-only) and rdflib-endpoint, same dump,
same query mix, same run. Prints throughput, p50, p99 at 1 and 8 connections, RSS, start-up time,
and the ratios. Not a test: figures depend on the machine. Results also go to bench/results/.

Env: BENCH_SECONDS (default 10) per wrk run; BENCH_DATA (default dist/dataset.trig);
BENCH_BASELINE=<git revision> also runs that revision's ldpub (from a temporary `git worktree`,
same venv, same data) in the same run, so a change is measured against what it replaced.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
DATA = Path(os.environ.get("BENCH_DATA", ROOT / "dist" / "dataset.trig"))
ID = "https://w3id.org/kz-masimov/id/"

# Always in the mix, beside the example queries: a label lookup, a DESCRIBE, a CONSTRUCT.
EXTRA_QUERIES = {
    "label": f"SELECT ?label WHERE {{ <{ID}karim-masimov> <http://www.w3.org/2000/01/rdf-schema#label> ?label }}",
    "describe": f"DESCRIBE <{ID}karim-masimov>",
    "construct": (
        "CONSTRUCT { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l } WHERE { "
        "?s a <https://schema.org/Person> ; <http://www.w3.org/2000/01/rdf-schema#label> ?l }"
    ),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def query_mix() -> dict[str, str]:
    """The example queries (top level of data/queries, not federated ones) plus the three extras."""
    files = sorted((ROOT / "data" / "queries").glob("*.rq"))
    return {**{f.stem: f.read_text(encoding="utf-8") for f in files}, **EXTRA_QUERIES}


@dataclass
class Server:
    name: str
    cmd: list[str]
    path: str  # query path, e.g. /sparql
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    proc: subprocess.Popen | None = None
    startup_s: float = 0.0
    startup_cpu_s: float = 0.0  # CPU of the whole process tree until then: load-independent
    runs: dict[int, dict] = field(default_factory=dict)
    rss_mb: float = 0.0
    pss_mb: float = 0.0
    processes: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    def start(self, probe: str) -> None:
        log_path = RESULTS / f"{self.name}.log"
        t0 = time.perf_counter()
        with log_path.open("wb") as log:  # the child keeps its own copy of the descriptor
            self.proc = subprocess.Popen(
                self.cmd, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **self.env},
                start_new_session=True,
            )
        deadline = t0 + 60
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name} exited early; see {log_path}")
            try:
                status, _ = fetch(self.url, probe)
                if status == 200:
                    self.startup_s = time.perf_counter() - t0
                    self.startup_cpu_s = cpu_seconds(tree(self.proc.pid))
                    return
            except OSError:
                pass
            time.sleep(0.01)
        raise SystemExit(f"{self.name} did not answer within 60 s")

    def stop(self) -> None:
        if self.proc:
            stop_group(self.proc, 10)


def stop_group(proc: subprocess.Popen, grace: float) -> None:
    """SIGTERM to a server's process group (server and workers), SIGKILL after `grace` seconds."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def fetch(url: str, query: str) -> tuple[int, bytes]:
    req = urllib.request.Request(url + "?" + urllib.parse.urlencode({"query": query}),
                                 headers={"Accept": "*/*"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.status, resp.read()


def tree(pid: int) -> list[int]:
    """pid and all its descendants (query workers count towards memory)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def cpu_seconds(pids: list[int]) -> float:
    ticks = 0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return ticks / os.sysconf("SC_CLK_TCK")


def process_memory(pid: int) -> list[tuple[int, float, float]]:
    """(pid, RSS MB, PSS MB) of each process of the tree, the root first."""
    out = []
    for p in tree(pid):
        rss = pss = 0
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
        except OSError:
            continue
        out.append((p, rss / 1024, pss / 1024))
    return out


def memory_mb(pid: int) -> tuple[float, float, int]:
    """(RSS sum, PSS sum, process count) over the process tree, in MB."""
    procs = process_memory(pid)
    return sum(r for _, r, _ in procs), sum(p for _, _, p in procs), len(procs)


WRK_SCRIPT = """
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1], {["Accept"] = "*/*"})
end
"""


def wrk(server: Server, queries: dict[str, str], connections: int) -> dict:
    paths = ", ".join(
        json.dumps(server.path + "?" + urllib.parse.urlencode({"query": q})) for q in queries.values()
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(WRK_SCRIPT % paths)
    threads = min(connections, 2)
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{SECONDS}s", "--latency", "-s", fh.name,
         f"http://127.0.0.1:{server.port}"],
        capture_output=True, text=True, check=True,
    ).stdout
    os.unlink(fh.name)
    (RESULTS / f"wrk-{server.name}-c{connections}.txt").write_text(out)
    return parse_wrk(out)


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(out: str) -> dict:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    return {"rps": rps, "p50_ms": p50, "p99_ms": p99, "requests": requests, "non2xx": int(bad.group(1)) if bad else 0,
            "socket_errors": errors.group(1) if errors else ""}


BASELINE = os.environ.get("BENCH_BASELINE", "")


def baseline_checkout(rev: str) -> Path:
    """A temporary worktree of `rev`, for its ldpub (run from its src/ through PYTHONPATH)."""
    folder = Path(tempfile.mkdtemp(prefix="bench-baseline-"))
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(folder), rev],
                   check=True, capture_output=True)
    return folder


def baseline_servers(folder: Path) -> list[Server]:
    env = {"LDPUB_ROOT": str(folder), "PYTHONPATH": str(folder / "src")}
    cmd = [sys.executable, "-m", "ldpub.cli", "serve", "--port", "{port}", str(DATA)]
    return [Server(f"ldpub@{BASELINE}", cmd, "/sparql", env),
            Server(f"ldpub-nocache@{BASELINE}", list(cmd), "/sparql", {**env, "LDPUB_RESULT_CACHE": "0"})]


def servers(store_dir: Path) -> list[Server]:
    # wrk is one client address standing in for many users: let it use the whole pool, as many
    # clients would (the per-client limits are for real traffic, and tested in tests/).
    ldpub_env = {"LDPUB_ROOT": str(ROOT), "LDPUB_CLIENT_CONCURRENT": "8", "LDPUB_CLIENT_QUEUED": "64"}
    return [
        Server("ldpub", [str(BIN / "ldpub"), "serve", "--port", "{port}", str(DATA)], "/sparql", ldpub_env),
        Server("ldpub-nocache", [str(BIN / "ldpub"), "serve", "--port", "{port}", str(DATA)], "/sparql",
               {**ldpub_env, "LDPUB_RESULT_CACHE": "0"}),
        Server("oxigraph", [str(BIN / "oxigraph"), "serve-read-only", "--location", str(store_dir),
                            "--bind", "127.0.0.1:{port}"], "/query"),
        Server("rdflib-endpoint", [str(BIN / "rdflib-endpoint"), "serve", "--host", "127.0.0.1",
                                   "--port", "{port}", str(DATA)], "/"),  # its CLI serves at /
    ]


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


def main() -> int:
    if shutil.which("wrk") is None:
        print("bench: wrk is missing (apt-get install wrk)", file=sys.stderr)
        return 1
    if not DATA.is_file():
        print(f"bench: {DATA} is missing; run `make build` first", file=sys.stderr)
        return 1
    RESULTS.mkdir(parents=True, exist_ok=True)
    queries = query_mix()
    store_dir = Path(tempfile.mkdtemp(prefix="bench-oxigraph-"))
    subprocess.run([str(BIN / "oxigraph"), "load", "--location", str(store_dir), "--file", str(DATA)],
                   check=True, capture_output=True)
    probe = next(iter(queries.values()))
    all_servers = servers(store_dir)
    baseline = baseline_checkout(BASELINE) if BASELINE else None
    if baseline is not None:
        all_servers[2:2] = baseline_servers(baseline)
    try:
        for server in all_servers:
            server.port = free_port()
            server.cmd = [c.replace("{port}", str(server.port)) for c in server.cmd]
            server.start(probe)
            for name, q in queries.items():  # every query must work on every server
                status, _body = fetch(server.url, q)
                if status != 200:
                    raise SystemExit(f"{server.name}: query {name} answered {status}")
            for connections in (1, 8):
                server.runs[connections] = wrk(server, queries, connections)
            server.rss_mb, server.pss_mb, server.processes = memory_mb(server.proc.pid)
            server.stop()
            print(f"  measured {server.name}", file=sys.stderr)
    finally:
        for server in all_servers:
            server.stop()
        shutil.rmtree(store_dir, ignore_errors=True)
        if baseline is not None:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(baseline)],
                           capture_output=True)

    report(all_servers, queries)
    return 0


def report(all_servers: list[Server], queries: dict[str, str]) -> None:
    by_name = {s.name: s for s in all_servers}
    lines = [
        f"Dataset: {DATA.relative_to(ROOT) if DATA.is_relative_to(ROOT) else DATA}; "
        f"queries: {', '.join(queries)}; {SECONDS} s per run; CPUs: {os.cpu_count()}",
        "",
        f"{'server':<28} {'conn':>4} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} "
        f"{'RSS MB':>7} {'PSS MB':>7} {'procs':>5} {'start s':>7} {'cpu s':>6}",
    ]
    for s in all_servers:
        for c, run in s.runs.items():
            lines.append(
                f"{s.name:<28} {c:>4} {run['rps']:>9.0f} {run['p50_ms']:>8.2f} {run['p99_ms']:>8.2f} "
                f"{run['non2xx']:>8} {s.rss_mb:>7.1f} {s.pss_mb:>7.1f} {s.processes:>5} {s.startup_s:>7.2f} "
                f"{s.startup_cpu_s:>6.2f}"
            )
    lines += ["", "Ratios (ldpub / other; throughput higher is better, latency lower is better):"]
    others = ["oxigraph", "rdflib-endpoint"]
    for mine in ("ldpub", "ldpub-nocache"):
        if f"{mine}@{BASELINE}" in by_name:
            others.insert(0, f"{mine}@{BASELINE}")
        for other in [o for o in others if "@" not in o or o.startswith(mine + "@")]:
            for c in (1, 8):
                a, b = by_name[mine].runs[c], by_name[other].runs[c]
                lines.append(
                    f"  {mine:<14} vs {other:<28} c={c}: throughput {ratio(a['rps'], b['rps'])}, "
                    f"p50 {ratio(a['p50_ms'], b['p50_ms'])}, p99 {ratio(a['p99_ms'], b['p99_ms'])}"
                )
    me = by_name["ldpub"]
    lines += [
        "",
        "Targets (ldpub, default settings):",
        f"  throughput >= 10x rdflib-endpoint (c=8): {ratio(me.runs[8]['rps'], by_name['rdflib-endpoint'].runs[8]['rps'])}",
        f"  throughput >= 0.5x oxigraph (c=8):       {ratio(me.runs[8]['rps'], by_name['oxigraph'].runs[8]['rps'])}",
        f"  p99 <= 25 ms (c=8):                      {me.runs[8]['p99_ms']:.2f} ms",
        f"  RSS <= 150 MB (all {me.processes} processes):      {me.rss_mb:.1f} MB (PSS {me.pss_mb:.1f} MB)",
        f"  start -> first answer <= 1.5 s:          {me.startup_s:.2f} s wall "
        f"({me.startup_cpu_s:.2f} s CPU; load average at the end {os.getloadavg()[0]:.1f})",
        "",
        "RSS sums every process's resident pages, so the shared library pages of each worker are",
        "counted once per worker; PSS shares them out and is the machine's real memory cost.",
    ]
    text = "\n".join(lines)
    print(text)
    (RESULTS / "table.txt").write_text(text + "\n")
    (RESULTS / "results.json").write_text(json.dumps(
        {s.name: {"runs": s.runs, "rss_mb": s.rss_mb, "pss_mb": s.pss_mb, "processes": s.processes,
                  "startup_s": s.startup_s, "startup_cpu_s": s.startup_cpu_s} for s in all_servers}, indent=2))


if __name__ == "__main__":
    sys.exit(main())
