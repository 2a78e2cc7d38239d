"""Issue 10, finding 7: one client cannot take the query pool from the others. Queries of a
client that hangs up are stopped; a client runs at most client_concurrent queries and queues
client_queued more; freed workers go to the waiting clients in turn.

Clients are told apart by address: the attacker and the innocent client use different loopback
source addresses (127.0.0.2, 127.0.0.3), as two machines would."""

from __future__ import annotations

import socket
import threading
import time
import urllib.parse

import httpx
import pytest

from conftest import FIXTURES, serve_process
from test_endpoint_limits import RUNAWAY

ASK = "ASK { ?s ?p ?o }"


def client(address: str) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=60)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    env = {"LDPUB_QUERY_TIMEOUT": "8", "LDPUB_MAX_CONCURRENT": "4", "LDPUB_RESULT_CACHE": "0",
           "LDPUB_SERVICE_ALLOWLIST": ""}  # the defaults otherwise: client_concurrent 2, client_queued 4
    with serve_process([FIXTURES / "endpoint.trig"], env=env, log_dir=tmp_path_factory.mktemp("log")) as served:
        yield served


def quiet_latency(url: str, address: str) -> float:
    with client(address) as c:
        times = []
        for i in range(5):
            start = time.monotonic()
            assert c.get(url + "/sparql", params={"query": f"{ASK} # {i}"}).status_code == 200
            times.append(time.monotonic() - start)
    return sorted(times)[2]


def test_slow_queries_of_one_client_leave_room_for_another(server):
    quiet = quiet_latency(server.url, "127.0.0.3")
    results: list[int] = []

    def slow(i: int) -> None:
        with client("127.0.0.2") as c:
            results.append(c.get(server.url + "/sparql", params={"query": f"{RUNAWAY} # {i}"}).status_code)

    threads = [threading.Thread(target=slow, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    time.sleep(1.0)  # the attacker's queries run (2) and wait (4); the rest are refused
    with client("127.0.0.3") as c:
        start = time.monotonic()
        r = c.get(server.url + "/sparql", params={"query": ASK})
        took = time.monotonic() - start
    assert r.status_code == 200
    # "its normal time plus one query slot": a worker may have to be started for it
    assert took < quiet + 2.0, f"innocent ASK took {took:.2f} s (quiet: {quiet * 1000:.0f} ms)"
    for t in threads:
        t.join(timeout=60)
    assert results.count(503) >= 2, results  # past client_concurrent + client_queued: refused at once


def test_fire_and_forget_posts_free_their_slots(server):
    """Twenty POSTs of a slow query whose sockets close at once: each evaluation is stopped when
    its client is gone, so another client's ASK answers at once, not after query_timeout."""
    host, port = server.url.removeprefix("http://").split(":")
    body = urllib.parse.urlencode({"query": RUNAWAY}).encode()
    request = (f"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    before = server.log().count(" 499 ")
    for _ in range(20):
        sock = socket.create_connection((host, int(port)), source_address=("127.0.0.2", 0))
        sock.sendall(request)
        sock.close()
    time.sleep(1.0)
    with client("127.0.0.3") as c:
        start = time.monotonic()
        r = c.get(server.url + "/sparql", params={"query": ASK + " # after"})
        took = time.monotonic() - start
    assert r.status_code == 200 and took < 2.0, f"{r.status_code} after {took:.2f} s"
    # the evaluations that had started were stopped (499 in the access log), not run to the limit
    deadline = time.monotonic() + 5
    while server.log().count(" 499 ") == before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.log().count(" 499 ") > before
