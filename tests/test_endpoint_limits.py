"""Issue 3, point 4: limits that hold. Time limit with real cancellation (the worker process is
killed), max query length, result cap, bounded concurrency, and the runaway-query test."""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from conftest import ENDPOINT_TEST_ENV, FIXTURES, serve_process

ID = "https://w3id.org/kz-masimov/id/"
# A 6-way cartesian product over the default graph: ~51^6 rows to count; never finishes.
RUNAWAY = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o . ?q ?r ?s }"
)
ENTITIES = ["masimov", "nazarbayev", "tokayev", "knb", "cns", "akorda", "almaty", "astana", "article", "dataset"]


# One pooled client: creating an httpx client per request costs more CPU than the lookup itself.
CLIENT = httpx.Client(timeout=10)


def lookup(url: str, i: int) -> tuple[int, float]:
    """A label lookup; the trailing comment makes each query text unique (no cache hit)."""
    q = f"SELECT ?l WHERE {{ <{ID}{ENTITIES[i % len(ENTITIES)]}> <http://www.w3.org/2000/01/rdf-schema#label> ?l }} # {i} {time.time()}"
    start = time.monotonic()
    r = CLIENT.get(url + "/sparql", params={"query": q})
    if r.status_code == 200:
        assert r.json()["results"]["bindings"], r.text
    return r.status_code, time.monotonic() - start


def descendants(pid: int) -> list[int]:
    """Child processes of pid (the query workers), from /proc."""
    kids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(entry.name))
    return kids


def cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total


def test_runaway_query_is_cancelled_while_lookups_succeed(endpoint):
    outcome: dict[str, object] = {}

    def runaway() -> None:
        start = time.monotonic()
        outcome["response"] = httpx.get(endpoint.url + "/sparql", params={"query": RUNAWAY}, timeout=30)
        outcome["seconds"] = time.monotonic() - start

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.5)  # the runaway is now burning a worker: the child with the most CPU time
    runaway_pid = max(descendants(endpoint.proc.pid), key=lambda pid: cpu_ticks([pid]))
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda i: lookup(endpoint.url, i), range(50)))
    assert 2 <= len(descendants(endpoint.proc.pid)) <= int(ENDPOINT_TEST_ENV["LDPUB_MAX_CONCURRENT"])
    assert thread.is_alive(), "the lookups should all have run while the runaway was still running"
    assert all(status == 200 for status, _ in answers)
    assert max(seconds for _, seconds in answers) < 1.0
    thread.join()

    response = outcome["response"]
    assert response.status_code == 504
    assert "time limit" in response.text.lower()
    assert response.headers["x-sparql-timeout"] == ENDPOINT_TEST_ENV["LDPUB_QUERY_TIMEOUT"]
    assert float(ENDPOINT_TEST_ENV["LDPUB_QUERY_TIMEOUT"]) <= outcome["seconds"] < 4.0

    # The work really stopped: the runaway's worker was killed, and no one burns CPU any more.
    time.sleep(0.5)
    after = descendants(endpoint.proc.pid)
    assert runaway_pid not in after and not Path(f"/proc/{runaway_pid}").exists()
    busy_before = cpu_ticks(after)
    time.sleep(0.5)
    assert cpu_ticks(after) - busy_before < 10  # ticks are 1/100 s: a busy core would add ~50
    assert lookup(endpoint.url, 999)[0] == 200


def test_result_cap_flags_truncation(endpoint):
    limit = int(ENDPOINT_TEST_ENV["LDPUB_RESULT_LIMIT"])
    r = httpx.get(endpoint.url + "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert r.headers["x-sparql-truncated"] == "true"
    assert r.headers["x-sparql-result-limit"] == str(limit)
    assert len(r.json()["results"]["bindings"]) == limit
    r = httpx.get(endpoint.url + "/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "nt"})
    assert r.headers["x-sparql-truncated"] == "true"
    assert len(r.text.strip().splitlines()) == limit
    small = httpx.get(endpoint.url + "/sparql", params={"query": f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {limit}"})
    assert "x-sparql-truncated" not in small.headers
    assert len(small.json()["results"]["bindings"]) == limit
    cors = httpx.get(endpoint.url + "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"},
                     headers={"Origin": "https://example.org"})
    assert "x-sparql-truncated" in cors.headers["access-control-expose-headers"].lower()


def test_max_query_length_is_413(endpoint):
    size = int(ENDPOINT_TEST_ENV["LDPUB_MAX_QUERY_LENGTH"])
    long_query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * size
    assert httpx.post(endpoint.url + "/sparql", data={"query": long_query}).status_code == 413
    assert httpx.get(endpoint.url + "/sparql", params={"query": long_query}).status_code == 413
    r = httpx.post(endpoint.url + "/sparql", content=long_query * 10,
                   headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 413


def test_concurrency_bound_answers_503_with_retry_after(tmp_path):
    env = {**ENDPOINT_TEST_ENV, "LDPUB_MAX_CONCURRENT": "1", "LDPUB_MAX_QUEUED": "0",
           "LDPUB_QUERY_TIMEOUT": "1.5"}
    with serve_process([FIXTURES / "endpoint.trig"], env, log_dir=tmp_path) as served:
        with ThreadPoolExecutor(1) as pool:
            slow = pool.submit(httpx.get, served.url + "/sparql", params={"query": RUNAWAY}, timeout=30)
            time.sleep(0.3)
            r = httpx.get(served.url + "/sparql", params={"query": "ASK { ?s ?p ?o } # busy"})
            assert r.status_code == 503
            assert r.headers["retry-after"].isdigit()
            assert slow.result().status_code == 504
        # After the kill the pool is whole again.
        deadline = time.monotonic() + 5
        while (status := lookup(served.url, 1)[0]) != 200 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert status == 200


def test_a_killed_worker_is_replaced_at_once_and_the_pool_keeps_its_size(tmp_path):
    """Two runaways time out and their workers are killed: both slots come back by themselves,
    without waiting for a later request to need them, so the next queries find them loaded."""
    env = {**ENDPOINT_TEST_ENV, "LDPUB_MAX_CONCURRENT": "2", "LDPUB_QUERY_TIMEOUT": "2", "LDPUB_RESULT_CACHE": "0"}
    with serve_process([FIXTURES / "endpoint.trig"], env, log_dir=tmp_path) as served:
        with ThreadPoolExecutor(2) as pool:
            runaways = [pool.submit(httpx.get, served.url + "/sparql", params={"query": RUNAWAY + f" #{i}"},
                                    timeout=30) for i in range(2)]
            deadline = time.monotonic() + 1.5
            while len(killed := set(descendants(served.proc.pid))) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)  # the second runaway's worker is being started
            assert len(killed) == 2
            assert [r.result().status_code for r in runaways] == [504, 504]
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            workers = set(descendants(served.proc.pid))
            if len(workers) == 2 and not workers & killed:
                break
            time.sleep(0.1)
        assert len(workers) == 2 and not workers & killed, (workers, killed)


def test_workers_exit_with_the_server(tmp_path):
    with serve_process([FIXTURES / "endpoint.trig"], ENDPOINT_TEST_ENV, log_dir=tmp_path) as served:
        workers = descendants(served.proc.pid)
        assert workers
        served.proc.terminate()
        served.proc.wait(timeout=10)
    time.sleep(0.2)
    assert not [pid for pid in workers if os.path.exists(f"/proc/{pid}")]
