"""Issue 10, findings 3 and "faults": an answer is bounded in bytes as well as rows, a worker's
memory is capped, and a worker that dies mid-query gives that query a 5xx naming the cause while
the others are unaffected."""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from conftest import ENDPOINT_TEST_ENV, FIXTURES, serve_process
from test_endpoint_limits import RUNAWAY, descendants

# 2^k copies of a subject IRI in one string: a one-row answer that grows without bound.
NESTED_CONCAT = "SELECT ?x WHERE {{ ?s ?p ?o BIND(STR(?s) AS ?x0) {binds} }} LIMIT 1"


def concat_query(k: int) -> str:
    binds = " ".join(f"BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(k))
    return NESTED_CONCAT.format(binds=binds).replace("SELECT ?x ", f"SELECT ?x{k} ")


@pytest.fixture(scope="module")
def capped(tmp_path_factory):
    env = {**ENDPOINT_TEST_ENV, "LDPUB_RESULT_MAX_BYTES": "100000", "LDPUB_WORKER_MEMORY_LIMIT": "512",
           "LDPUB_RESULT_CACHE": "0", "LDPUB_QUERY_TIMEOUT": "20"}
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
