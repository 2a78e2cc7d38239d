"""Issue 10, findings 3 and "faults": an answer is bounded in bytes as well as rows, a worker's
memory is capped, and a worker that dies mid-query gives that query a 5xx naming the cause while
the others are unaffected."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from conftest import ENDPOINT_TEST_ENV, FIXTURES, ROOT, serve_process
from test_endpoint_limits import RUNAWAY, descendants

# 2^k copies of a subject IRI in one string: a one-row answer that grows without bound.
NESTED_CONCAT = "SELECT ?x WHERE {{ ?s ?p ?o BIND(STR(?s) AS ?x0) {binds} }} LIMIT 1"


def concat_query(k: int) -> str:
    binds = " ".join(f"BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(k))
    return NESTED_CONCAT.format(binds=binds).replace("SELECT ?x ", f"SELECT ?x{k} ")


@pytest.fixture(scope="module")
def capped(tmp_path_factory):
    env = {**ENDPOINT_TEST_ENV, "LDPUB_RESULT_MAX_BYTES": "100000", "LDPUB_WORKER_MEMORY_LIMIT": "512",
           "LDPUB_RESULT_CACHE": "0", "LDPUB_QUERY_TIMEOUT": "20", "LDPUB_MAX_QUERY_LENGTH": "65536"}
    with serve_process([FIXTURES / "endpoint.trig"], env=env, log_dir=tmp_path_factory.mktemp("log")) as served:
        yield served


def test_a_huge_row_is_cut_by_bytes_and_flagged(capped):
    """2^14 copies of an IRI (~600 KB) in one row: over result_max_bytes, so the answer is cut
    (no rows) and says so, as a row cut does."""
    r = httpx.get(capped.url + "/sparql", params={"query": concat_query(14)}, timeout=30)
    assert r.status_code == 200, r.text
    assert r.headers["x-sparql-truncated"] == "true"
    assert len(r.content) < 100000
    small = httpx.get(capped.url + "/sparql", params={"query": concat_query(4)}, timeout=30)
    assert small.status_code == 200 and "x-sparql-truncated" not in small.headers
    assert small.json()["results"]["bindings"]


def test_a_query_past_the_memory_limit_kills_only_its_worker(capped):
    """2^26 copies (~2.5 GB) cannot fit in 512 MB: that query gets a 503 naming the cause, the
    worker is replaced, and another client's query still answers."""
    with ThreadPoolExecutor(2) as pool:
        big = pool.submit(httpx.get, capped.url + "/sparql", params={"query": concat_query(26)}, timeout=30)
        time.sleep(0.2)
        small = httpx.get(capped.url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
        answer = big.result()
    assert small.status_code == 200 and small.json()["boolean"] is True
    assert answer.status_code in (503, 400), answer.text
    assert "memory" in answer.text
    after = httpx.get(capped.url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
    assert after.status_code == 200


def test_a_worker_killed_from_outside_is_named_and_replaced(capped):
    with ThreadPoolExecutor(1) as pool:
        runaway = pool.submit(httpx.get, capped.url + "/sparql", params={"query": RUNAWAY}, timeout=60)
        deadline = time.monotonic() + 10
        busy = []
        while not busy and time.monotonic() < deadline:  # the worker evaluating burns CPU
            time.sleep(0.3)
            busy = [pid for pid in descendants(capped.proc.pid) if _running(pid)]
        assert busy, "no worker was evaluating"
        for pid in busy:
            os.kill(pid, signal.SIGKILL)
        answer = runaway.result()
    assert answer.status_code == 503
    assert "SIGKILL" in answer.text and "replaced" in answer.text
    assert httpx.get(capped.url + "/sparql", params={"query": "ASK {}"}, timeout=30).status_code == 200


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "R"
    except OSError:
        return False


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS")) / 1024


def test_clients_that_never_read_hold_little_and_are_dropped(tmp_path):
    """Ten clients ask for a ~20 MB answer and never read it: the server keeps each answer about
    once (no second copy in the socket buffers), drops each client after send_timeout, and the
    same attack again needs no more memory."""
    env = {**ENDPOINT_TEST_ENV, "LDPUB_RESULT_MAX_BYTES": str(64 << 20), "LDPUB_WORKER_MEMORY_LIMIT": "2048",
           "LDPUB_RESULT_CACHE": "0", "LDPUB_QUERY_TIMEOUT": "60", "LDPUB_SEND_TIMEOUT": "2",
           "LDPUB_MAX_CONCURRENT": "1"}  # one worker pipe: its reader buffer is warmed by the first request
    query = urllib.parse.quote(concat_query(19))
    with serve_process([FIXTURES / "endpoint.trig"], env=env, log_dir=tmp_path) as served:
        host, port = served.url.removeprefix("http://").split(":")
        size_mb = len(httpx.get(served.url + "/sparql?query=" + query, timeout=30).content) / (1 << 20)
        assert size_mb > 15
        before = rss_mb(served.proc.pid)
        first = attack(served, host, int(port), query, 10) - before
        # Each pending answer is held once (plus the worker pipe's read buffer while it arrives),
        # never again in the socket buffers: well under two copies per connection.
        assert first < 15 * size_mb, f"the main process grew by {first:.0f} MB for 10 unread answers"
        # Dropped clients leave nothing behind: the same attack again needs no more memory than
        # the first (a leak would add ten answers; the allocator's own slack varies by one or two).
        second = attack(served, host, int(port), query, 20) - before
        assert second < first + 3 * size_mb, f"grew by {first:.0f} MB, then by {second:.0f} MB: memory is held"
        assert httpx.get(served.url + "/sparql", params={"query": "ASK {}"}, timeout=10).status_code == 200


def attack(served, host: str, port: int, query: str, drops: int) -> float:
    """Ten clients that send the query and never read; returns the peak RSS (MB) of the main
    process until the server has dropped them all (its log says so: `drops` in all)."""
    sockets, peak = [], 0.0
    for _ in range(10):
        sock = socket.create_connection((host, port))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(f"GET /sparql?query={query} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        sockets.append(sock)
    deadline = time.monotonic() + 60
    while served.log().count("dropped a client") < drops and time.monotonic() < deadline:
        peak = max(peak, rss_mb(served.proc.pid))
        time.sleep(0.1)
    assert served.log().count("dropped a client") == drops, served.log()[-2000:]
    for sock in sockets:
        sock.close()
    return peak


def test_deep_nesting_is_refused_before_the_engine(capped):
    """Issue 10.8: twenty thousand nested parentheses used to overflow the engine's stack and kill
    the worker (503 and a reload). Past max_nesting (100) the query is refused with a 400 naming
    the depth; the worker never sees it."""
    deep = "SELECT * WHERE { FILTER(" + "(" * 20000 + "1" + ")" * 20000 + ") }"
    deaths = capped.log().count("died during a query")
    r = httpx.post(capped.url + "/sparql", content=deep.encode(),
                   headers={"Content-Type": "application/sparql-query"}, timeout=30)
    assert r.status_code == 400 and "max_nesting" in r.text, r.text
    fine = "ASK { FILTER(" + "(" * 90 + "true" + ")" * 90 + ") }"
    r = httpx.post(capped.url + "/sparql", content=fine.encode(),
                   headers={"Content-Type": "application/sparql-query"}, timeout=30)
    assert r.status_code == 200 and r.json()["boolean"] is True
    assert capped.log().count("died during a query") == deaths


def test_a_client_dropped_for_not_reading_loses_its_connection(tmp_path):
    """Found by the soak (bench/soak.py): after send_timeout the log said a client that never
    reads was dropped, but its connection was only closed politely, and a polite close waits for
    the unsent bytes, which a client that neither reads nor hangs up never takes: the connection
    stayed open for good, holding a connection slot and megabytes of buffers. With max_connections
    4, three such clients then shut every other client out (503). Now the connection is cut."""
    env = {**ENDPOINT_TEST_ENV, "LDPUB_RESULT_CACHE": "0", "LDPUB_QUERY_TIMEOUT": "30", "LDPUB_SEND_TIMEOUT": "1",
           "LDPUB_MAX_CONNECTIONS": "4"}  # uvicorn counts the asking connection itself: 3 others at most
    query = urllib.parse.quote(concat_query(18))  # ~11 MB: far more than the socket buffers take
    with serve_process([FIXTURES / "endpoint.trig"], env=env, log_dir=tmp_path) as served:
        three_clients_never_read(served, f"/sparql?query={query}", "/sparql?query=ASK%7B%7D")


def three_clients_never_read(served, target: str, after: str) -> None:
    """Three clients ask for `target` and never read: the server must drop all three (its log says
    so) and then answer `after` (200), so none of them still holds its connection."""
    host, port = served.url.removeprefix("http://").split(":")
    sockets = []
    try:
        for _ in range(3):
            sock = socket.create_connection((host, int(port)))
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            sockets.append(sock)
        deadline = time.monotonic() + 60
        while served.log().count("dropped a client") < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert served.log().count("dropped a client") == 3, served.log()[-2000:]
        time.sleep(0.5)
        r = httpx.get(served.url + after, timeout=10)
        assert r.status_code == 200, f"{r.status_code}: the dropped clients still hold their connections"
    finally:
        for sock in sockets:
            sock.close()


def test_a_download_nobody_reads_is_cut_after_send_timeout(tmp_path):
    """Pages, dumps and static files get the endpoint's send_timeout too: three clients ask for
    a 40 MB dump and never read it; each is dropped and its connection cut, where before they
    held their connections (and max_connections slots) for as long as they liked."""
    dist = tmp_path / "dist"
    shutil.copytree(ROOT / "dist", dist)
    line = b"<https://example.org/s> <https://example.org/p> \"" + b"x" * 200 + b"\" .\n"
    (dist / "big.nt").write_bytes(line * (40 * (1 << 20) // len(line)))
    env = {**ENDPOINT_TEST_ENV, "LDPUB_DIST_DIR": str(dist), "LDPUB_SEND_TIMEOUT": "1", "LDPUB_MAX_CONNECTIONS": "4"}
    with serve_process([dist / "dataset.trig"], env=env, log_dir=tmp_path) as served:
        three_clients_never_read(served, "/download/big.nt", "/download/SHA256SUMS")
