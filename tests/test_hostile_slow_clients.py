"""Issue 10, finding 6: slow clients. A silent socket, a head sent a byte at a time and a body that
never comes are each answered 408 and closed after read_timeout; past max_connections a request
gets a 503 at once, never silence."""

from __future__ import annotations

import socket
import time
from urllib.parse import quote

import httpx
import pytest

from conftest import FIXTURES, serve_process


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    env = {"LDPUB_READ_TIMEOUT": "2", "LDPUB_MAX_CONNECTIONS": "20", "LDPUB_SERVICE_ALLOWLIST": ""}
    with serve_process([FIXTURES / "endpoint.trig"], env=env, log_dir=tmp_path_factory.mktemp("log")) as served:
        yield served


def connect(server) -> socket.socket:
    host, port = server.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)))
    sock.settimeout(10)
    return sock


def read_all(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def test_a_silent_socket_is_closed_after_read_timeout(server):
    sock = connect(server)
    start = time.monotonic()
    answer = read_all(sock)
    took = time.monotonic() - start
    assert answer.startswith(b"HTTP/1.1 408") and b"read_timeout" in answer
    assert 1.5 < took < 6, took


def test_a_head_sent_a_byte_at_a_time_is_cut_off(server):
    sock = connect(server)
    start = time.monotonic()
    head = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100
    try:
        for byte in head:  # 0.1 s a byte: the head would take 13 s
            sock.send(bytes([byte]))
            time.sleep(0.1)
    except (BrokenPipeError, ConnectionResetError):
        pass
    answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:100]
    assert time.monotonic() - start < 8


def test_a_head_past_its_bound_is_431_before_it_ends(server):
    """The head is refused as soon as it outgrows max_header_bytes plus a GET's longest URL, not
    when it ends: here it never ends, and the answer still comes at once, never a 408."""
    sock = connect(server)
    start = time.monotonic()
    sock.sendall(b"GET /id/karim-masimov HTTP/1.1\r\nHost: x\r\nAccept: ")
    try:
        for _ in range(16):  # 1 MB of one header value, never finished
            sock.sendall(b"x" * 65536)
    except (BrokenPipeError, ConnectionResetError):
        pass
    answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 431") and b"max_header_bytes" in answer, answer[:200]
    assert len(answer) < 400
    assert time.monotonic() - start < 1.5


def test_a_long_get_query_is_not_mistaken_for_a_huge_head(server):
    """A GET whose URL carries a query near max_query_length, percent-encoded, still answers."""
    query = "ASK { ?s ?p ?o FILTER(?o != \"" + "é" * 10000 + "\") }"  # 20 KB, 60 KB encoded
    sock = connect(server)
    sock.sendall(f"GET /sparql?query={quote(query)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]


def test_a_body_that_never_comes_is_408(server):
    sock = connect(server)
    sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                 b"Content-Length: 100000\r\n\r\nASK")
    start = time.monotonic()
    answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 408") and b"read_timeout" in answer, answer[:200]
    assert time.monotonic() - start < 6


def test_past_max_connections_a_request_gets_503_not_silence(server):
    idle = [connect(server) for _ in range(25)]  # silent sockets holding connections
    try:
        time.sleep(0.3)
        r = httpx.get(server.url + "/sparql", params={"query": "ASK {}"}, timeout=5)
        assert r.status_code == 503
    finally:
        for sock in idle:
            sock.close()
    time.sleep(0.5)
    assert httpx.get(server.url + "/sparql", params={"query": "ASK {}"}, timeout=5).status_code == 200
