"""Faults and operations, 3: SIGTERM drains `ldpub serve` (ldpub.web.drain).

A real server (tests/conftest.py: serve_process) on tests/fixtures/endpoint.trig, the result
cache off so every query is evaluated. The slow query is a COUNT over a 4-way product of the
fixture's 51 default-graph triples, twice (13.5 M rows): 3-5 s here, long enough to send SIGTERM and another
query while it runs."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from conftest import ENDPOINT_TEST_ENV, FIXTURES, ServedProcess, serve_process

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . VALUES ?x { 1 2 } }"
SLOW_COUNT = str(2 * 51**4)  # the default graph has 51 triples
QUICK = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@dataclass
class Call:
    """One query sent from a thread: its answer (or the error) and when it ended."""

    query: str
    url: str
    response: httpx.Response | None = None
    error: Exception | None = None
    ended: float = 0.0
    thread: threading.Thread = field(init=False)

    def __post_init__(self) -> None:
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        try:
            self.response = httpx.get(self.url + "/sparql", params={"query": self.query}, timeout=60)
        except httpx.HTTPError as exc:
            self.error = exc
        self.ended = time.monotonic()

    def result(self) -> httpx.Response:
        self.thread.join(60)
        assert self.error is None, repr(self.error)
        assert self.response is not None
        return self.response


@contextlib.contextmanager
def server(tmp_path: Path, **settings: str) -> Iterator[ServedProcess]:
    env = {**ENDPOINT_TEST_ENV, "LDPUB_QUERY_TIMEOUT": "30", "LDPUB_RESULT_CACHE": "0",
           **{f"LDPUB_{k.upper()}": v for k, v in settings.items()}}
    with serve_process([FIXTURES / "endpoint.trig"], env, log_dir=tmp_path) as served:
        yield served


def count_of(response: httpx.Response) -> str:
    return response.json()["results"]["bindings"][0]["n"]["value"]


def assert_gone(served: ServedProcess, within: float) -> float:
    """The server exits 0 within `within` seconds and leaves no process of its group (the query
    workers) behind; returns how long it took."""
    start = time.monotonic()
    assert served.proc.wait(timeout=within) == 0, served.log()
    took = time.monotonic() - start
    deadline = time.monotonic() + 2
    while True:
        try:
            os.killpg(served.proc.pid, 0)
        except ProcessLookupError:
            return took
        assert time.monotonic() < deadline, "processes of the server's group are still running"
        time.sleep(0.05)


@pytest.mark.parametrize("target", ["server", "process group"])
def test_sigterm_lets_queries_in_flight_finish_and_refuses_new_ones(tmp_path, target):
    """SIGTERM while a slow query runs and a second one waits for the only worker: both get their
    200 answer; a query sent after SIGTERM gets 503 with Retry-After, at once, so it was not
    evaluated (evaluating it would take seconds); then the server exits 0 with no worker left.

    503 rather than a refused connection: during the drain the listener stays open, so a client
    (or a load balancer's health check) is told in words that the server is going away and when
    to retry. uvicorn alone closes the listener at the signal (connection refused), cancels a
    request still running after its 2 s graceful timeout (the client gets a 500 or nothing), and
    dies by the re-raised SIGTERM (status -15). Once the drain is over the listener closes:
    a connection after that is refused, as for any stopped server.

    "process group" is what systemd (KillMode=control-group) and Ctrl-C in a terminal do: the
    workers get the signal too, and ignore it; the server ends them."""
    with server(tmp_path, max_concurrent="1", drain_timeout="30") as served:
        slow = Call(SLOW, served.url)
        time.sleep(0.3)
        queued = Call(QUICK, served.url)  # waits for the one worker
        time.sleep(0.3)
        assert slow.thread.is_alive() and queued.thread.is_alive()
        signalled = time.monotonic()
        (os.killpg if target == "process group" else os.kill)(served.proc.pid, signal.SIGTERM)
        time.sleep(0.2)

        started = time.monotonic()
        late = httpx.get(served.url + "/sparql", params={"query": SLOW.replace("1 2", "1 2 3")}, timeout=10)
        refused_in = time.monotonic() - started
        assert slow.thread.is_alive(), "the slow query ended before the late one was sent"
        assert late.status_code == 503
        assert late.headers["Retry-After"] == "5"
        assert "shutting down and takes no new queries" in late.text
        assert refused_in < 0.5

        answer = slow.result()
        assert answer.status_code == 200 and count_of(answer) == SLOW_COUNT
        assert slow.ended > signalled + 0.2  # it really was in flight at SIGTERM
        assert queued.result().status_code == 200 and count_of(queued.result()) == "51"
        exited_in = assert_gone(served, within=15)
        print(f"\nslow query answered {slow.ended - signalled:.2f} s after SIGTERM; "
              f"late query refused in {refused_in * 1000:.0f} ms; exit {exited_in:.2f} s after the answer")
        assert "new queries get 503" in served.log()


def test_drain_timeout_bounds_the_wait(tmp_path):
    """Past drain_timeout the query still running is stopped (its worker killed) and answers 503
    saying so, instead of a dropped connection; the server exits 0 right after."""
    with server(tmp_path, drain_timeout="0.5") as served:
        slow = Call(SLOW, served.url)
        time.sleep(0.5)
        signalled = time.monotonic()
        os.kill(served.proc.pid, signal.SIGTERM)
        answer = slow.result()
        assert answer.status_code == 503, answer.text
        assert answer.text.strip() == "The server is shutting down: this query was stopped before it finished"
        assert answer.headers["Retry-After"] == "5"
        assert slow.ended - signalled < 2.0
        assert_gone(served, within=5)
        assert "drain_timeout (0.5 s) passed: stopping the 1 request(s) still in flight" in served.log()


def test_sigterm_when_idle_exits_at_once(tmp_path):
    with server(tmp_path) as served:
        signalled = time.monotonic()
        os.kill(served.proc.pid, signal.SIGTERM)
        assert_gone(served, within=5)
        assert time.monotonic() - signalled < 2.0


def test_a_second_signal_ends_the_drain(tmp_path):
    """SIGTERM then Ctrl-C: the operator insists, so the query still running is stopped at once
    (503 saying so) and the server exits 0, its workers killed."""
    with server(tmp_path, drain_timeout="30") as served:
        slow = Call(SLOW, served.url)
        time.sleep(0.5)
        os.kill(served.proc.pid, signal.SIGTERM)
        time.sleep(0.3)
        again = time.monotonic()
        os.kill(served.proc.pid, signal.SIGINT)
        answer = slow.result()
        assert answer.status_code == 503 and "this query was stopped" in answer.text
        assert slow.ended - again < 1.5
        assert_gone(served, within=5)
        assert "a second signal: stopping the 1 request(s) still in flight" in served.log()
