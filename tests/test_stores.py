"""Issue 12: the store backends. The built dataset loaded (`ldpub load`) into an on-disk folder, a
real `oxigraph serve` and a real Virtuoso, each started by the tests on loopback; `ldpub serve
--store` in front of each answers every example query as written down, and /sparql's protocol,
seal and limits hold in front of a remote store."""

from __future__ import annotations

import asyncio
import dataclasses
import difflib
import importlib.abc
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from conftest import ROOT, RealStore, ServedProcess, free_port, serve_process, stop, wait_for_sparql
from ldpub.build.validate import iri_shortener
from ldpub.ns import namespaces as prefixes
from ldpub.query.executor import QueryJob
from ldpub.query.remote import RemoteExecutor
from ldpub.store import META_FILE, SUBJECTS_FILE, SubjectIndex, open_disk_store, read_metadata
from ldpub.void import Statistics

QUERIES = ROOT / "data" / "queries"
ALL = sorted(QUERIES.glob("*.rq"))
# Small limits, so the limit tests run fast; one client may use the whole pool.
REMOTE_ENV = {"LDPUB_QUERY_TIMEOUT": "2", "LDPUB_RESULT_LIMIT": "100", "LDPUB_CLIENT_CONCURRENT": "4",
              "LDPUB_CLIENT_QUEUED": "16", "LDPUB_SERVICE_ALLOWLIST": ""}
# Every triple against every triple, three times over: minutes of work on any engine.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
BASE = "https://w3id.org/kz-masimov/"


def ldpub(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ldpub.cli", *args],
                          env={**os.environ, "LDPUB_ROOT": str(ROOT), **(env or {})},
                          capture_output=True, text=True, timeout=300)


def load(*args: str, env: dict[str, str] | None = None, source: Path) -> str:
    done = ldpub("load", "--from", str(source), *args, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="session")
def dump(build_result) -> Path:
    return build_result.out_dir / "dataset.nq"


@pytest.fixture(scope="session")
def disk_store(tmp_path_factory, dump) -> Path:
    folder = tmp_path_factory.mktemp("stores") / "store"
    load(str(folder), source=dump)
    return folder


def load_remote(store: RealStore, dump: Path) -> None:
    load("--into", store.update_url, "--query-url", store.query_url, env=store.env, source=dump)


@pytest.fixture(scope="session")
def served(request, disk_store, oxigraph_server, virtuoso_server, dump, build_result) -> Iterator[dict[str, ServedProcess]]:
    """`ldpub serve --store` in front of each backend (plus the files in memory, today's default)."""
    load_remote(oxigraph_server, dump)
    load_remote(virtuoso_server, dump)
    dist = {"LDPUB_DIST_DIR": str(build_result.out_dir)}
    with serve_process([build_result.out_dir / "dataset.trig"], {**REMOTE_ENV, **dist}) as memory, \
            serve_process(["--store", str(disk_store)], {**REMOTE_ENV, **dist}) as disk, \
            serve_process(["--store", oxigraph_server.query_url], {**REMOTE_ENV, **dist}) as oxigraph, \
            serve_process(["--store", virtuoso_server.query_url], {**REMOTE_ENV, **dist, **virtuoso_server.env}) as virt:
        yield {"memory": memory, "disk": disk, "oxigraph": oxigraph, "virtuoso": virt}


BACKENDS = ["memory", "disk", "oxigraph", "virtuoso"]
REMOTES = ["oxigraph", "virtuoso"]


def _expected(path: Path) -> tuple[list[str], list[list[str]]]:
    header, *rows = path.read_text(encoding="utf-8").rstrip("\n").split("\n")
    return header.split("\t"), sorted(row.split("\t") for row in rows)


def dump_quads(dump: Path) -> set[ox.Quad]:
    """The dump's quads as any pyoxigraph store holds them (xsd:nonNegativeInteger comes back as
    xsd:integer, in memory and on disk alike)."""
    store = ox.Store()
    store.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS)
    return set(store)


def ask(server: ServedProcess, query: str, **headers: str) -> httpx.Response:
    return httpx.post(server.url + "/sparql", data={"query": query},
                      headers={"Accept": "application/sparql-results+json", **headers}, timeout=30)


# ---------------------------------------------------------------- loading


def test_load_folder_is_idempotent_and_holds_the_dump(tmp_path, dump):
    folder = tmp_path / "store"
    first = load(str(folder), source=dump)
    quads = dump_quads(dump)
    meta = read_metadata(folder)
    assert meta["quads"] == len(quads) and f"{len(quads)} quads" in first
    store = open_disk_store(folder)
    assert set(store.quads_for_pattern(None, None, None, None)) == quads
    del store
    load(str(folder), source=dump)  # again: the same store, not twice the data
    again = open_disk_store(folder)
    assert set(again.quads_for_pattern(None, None, None, None)) == quads
    assert read_metadata(folder)["void"] == meta["void"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]  # no temporary folder left
    # The 404s' subject index is written with the store: every subject of ours, no hash IRI.
    ours = {q.subject.value for q in quads if isinstance(q.subject, ox.NamedNode)
            and q.subject.value.startswith(BASE) and "#" not in q.subject.value}
    index = SubjectIndex.open(folder / SUBJECTS_FILE)
    assert all(iri in index for iri in ours) and BASE + "id/karim-masimov" in ours
    assert BASE + "id/karim-masimov#nothing" not in index


def test_disk_statistics_ask_the_store_which_graphs_it_holds(disk_store, dump):
    meta = read_metadata(disk_store)
    stats = Statistics.from_json(meta, open_disk_store(disk_store))
    graphs = {q.graph_name.value for q in dump_quads(dump) if isinstance(q.graph_name, ox.NamedNode)}
    assert not isinstance(stats.graph_names, frozenset)  # no copy of the names: the store answers
    assert set(stats.graph_names) == graphs and len(stats.graph_names) == len(graphs) > 1
    assert all(g in stats.graph_names for g in graphs)
    subject = next(q.subject.value for q in dump_quads(dump)
                   if isinstance(q.subject, ox.NamedNode) and q.subject.value not in graphs)
    assert subject not in stats.graph_names
    assert "not an IRI" not in stats.graph_names and None not in stats.graph_names
    # The sizes of the graphs the service description lists (here all: fewer than GRAPHS_LISTED), stored by the load.
    quads = dump_quads(dump)
    assert dict(stats.sizes.items()) == {g: sum(1 for q in quads if (None if isinstance(q.graph_name, ox.DefaultGraph)
                                                                      else q.graph_name.value) == g)
                                         for g in (None, *graphs)}
    assert stats.sizes[None] == stats.sizes.get(None) == meta["default_graph_triples"] > 0


@pytest.mark.parametrize(("args", "says"), [
    (["/etc"], "/etc: neither empty nor a store"),
    (["--into", "http://127.0.0.1:9/update"], "http://127.0.0.1:9/update cannot be reached"),
    (["--into", "ftp://x/"], "not an http(s) URL"),
])
def test_load_failures_are_one_line(dump, args, says):
    done = ldpub("load", "--from", str(dump), *args)
    assert done.returncode == 1
    assert says in done.stderr and len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_load_refused_credentials_is_one_line(virtuoso_server, dump):
    env = {**virtuoso_server.env, "LDPUB_STORE_PASSWORD": "not-the-password"}
    done = ldpub("load", "--from", str(dump), "--into", virtuoso_server.update_url,
                 "--query-url", virtuoso_server.query_url, env=env)
    assert done.returncode == 1 and "refused our credentials (HTTP 401)" in done.stderr
    assert "Traceback" not in done.stderr


def test_load_into_remote_is_idempotent(oxigraph_server, dump):
    for _ in range(2):
        load_remote(oxigraph_server, dump)
    quads = dump_quads(dump)
    body = httpx.post(oxigraph_server.query_url, data={"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"},
                      headers={"Accept": "application/n-triples"}).content
    default = {q for q in quads if isinstance(q.graph_name, ox.DefaultGraph)}
    assert {ox.Quad(t.subject, t.predicate, t.object) for t in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)} == default


# ---------------------------------------------------------------- the same answers everywhere


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("path", ALL, ids=[p.stem for p in ALL])
def test_example_query_answers_the_same_on_every_backend(served, ldpub_settings, backend, path):
    response = ask(served[backend], path.read_text(encoding="utf-8"))
    assert response.status_code == 200, response.text
    answer = response.json()
    if "boolean" in answer:
        assert {"boolean": answer["boolean"]} == json.loads(path.with_suffix(".expected.json").read_text())
        return
    header, expected = _expected(path.with_suffix(".expected.tsv"))
    short = iri_shortener(prefixes(ldpub_settings))
    variables = answer["head"]["vars"]
    assert variables == header
    rows = sorted([(short(b[v]["value"]) if b[v]["type"] == "uri" else b[v]["value"]) if v in b else ""
                   for v in variables] for b in answer["results"]["bindings"])
    assert rows == expected


# ---------------------------------------------------------------- /sparql's rules in front of a remote store


@pytest.mark.parametrize(("query", "sees_named_graphs"), [
    ("SELECT * WHERE { ?s ?p ?o }", False),
    ("ASK { <https://w3id.org/kz-masimov/id/x> ?p ?o }", False),
    ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", True),
    ("select * where { graph ?g { ?s ?p ?o } }", True),
    ("SELECT * WHERE { \\u0047RAPH ?g { ?s ?p ?o } }", True),  # an escaped keyword
    ("SELECT * WHERE { ?s ?p 'graph' }", True),  # the word anywhere: more bytes, never another answer
])
def test_union_default_graph_store_is_sent_our_named_graphs_only_when_the_query_can_see_them(
        ldpub_settings, query, sees_named_graphs):
    """Virtuoso (store_default_graph): our default graph by name always; the list of our named
    graphs (2.5 MB at 41k graphs) only with a query that says GRAPH."""
    settings = dataclasses.replace(ldpub_settings, store_default_graph=True)
    graphs = frozenset({"https://w3id.org/kz-masimov/id/claim/c02", "https://w3id.org/kz-masimov/id/claim/c01"})
    executor = RemoteExecutor(settings, "http://127.0.0.1:9/sparql", Statistics(graphs, {}, [], 0))
    sent = executor.params(QueryJob(query, "application/sparql-results+json"))
    assert [v for k, v in sent if k == "default-graph-uri"] == [settings.iris.store_default_graph]
    assert [v for k, v in sent if k == "named-graph-uri"] == (sorted(graphs) if sees_named_graphs else [])


class ImportsSeen(importlib.abc.MetaPathFinder):
    """Every module name looked up on sys.path (a module already imported is not)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def find_spec(self, name: str, path: object, target: object = None) -> None:
        self.names.append(name)


def test_a_remote_query_searches_for_no_module(oxigraph_server, ldpub_settings):
    """Nothing on a remote query's path imports per request: httpx's async client (before aiohttp)
    asked for sniffio four times a request, and without it each ask searched sys.path (85 µs)."""
    executor = RemoteExecutor(ldpub_settings, oxigraph_server.query_url, Statistics(frozenset(), {}, [], 0))
    job = QueryJob("ASK { ?s ?p ?o }", "application/sparql-results+json")
    seen = ImportsSeen()

    async def asked_twice() -> None:
        await executor.start()
        try:
            await executor.execute(job)  # the first may import what it needs once
            sys.meta_path.insert(0, seen)
            try:
                await executor.execute(job)
            finally:
                sys.meta_path.remove(seen)
        finally:
            await executor.close()

    asyncio.run(asked_twice())
    assert seen.names == []


@pytest.fixture
def private_oxigraph(tmp_path, dump) -> Iterator[RealStore]:
    """An `oxigraph serve` of this test's own, loaded: Oxigraph keeps evaluating a runaway query
    whose client left, so it must not be the session's (it would burn a core for the whole run)."""
    exe = Path(sys.executable).parent / "oxigraph"
    port = free_port()
    proc = subprocess.Popen([exe, "serve", "--location", tmp_path / "ox", "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    remote = RealStore("private", f"http://127.0.0.1:{port}/query", f"http://127.0.0.1:{port}/update", {}, proc)
    try:
        wait_for_sparql(remote.query_url, proc, 20, "oxigraph serve")
        load_remote(remote, dump)
        yield remote
    finally:
        proc.kill()
        proc.wait()


def test_runaway_query_is_cut_at_query_timeout(private_oxigraph, served, tmp_path):
    with serve_process(["--store", private_oxigraph.query_url], REMOTE_ENV, log_dir=tmp_path) as oxigraph:
        for server in (oxigraph, served["virtuoso"]):
            started = time.monotonic()
            response = ask(server, RUNAWAY)
            took = time.monotonic() - started
            assert response.status_code == 504 and response.headers["X-SPARQL-Timeout"] == "2"
            assert took < 4, took
            assert ask(server, "ASK { ?s ?p ?o }").json() == {"head": {}, "boolean": True}  # still answering


def test_runaway_query_is_cancelled_on_virtuoso(served, virtuoso_server):
    """The limit is passed on (`timeout`, ms): Virtuoso stops at it, answers "incomplete" (200 and
    X-SQL-State S1TAT, which must not pass as an answer: 504), and keeps no CPU busy after."""
    assert ask(served["virtuoso"], RUNAWAY).status_code == 504
    time.sleep(0.5)
    before = cpu_seconds(virtuoso_server.proc.pid)
    time.sleep(2)
    assert cpu_seconds(virtuoso_server.proc.pid) - before < 0.5, "Virtuoso kept evaluating the cancelled query"


def test_runaway_query_request_to_oxigraph_is_closed(private_oxigraph, tmp_path):
    """Oxigraph reads no per-request limit and keeps evaluating when its client leaves (see
    docs/stores.md): what ldpub can do is close the request, and it does: no connection to the
    store is left open after the 504 (the pool's one connection carried the runaway)."""
    port = int(private_oxigraph.query_url.split(":")[2].split("/")[0])
    with serve_process(["--store", private_oxigraph.query_url], {**REMOTE_ENV, "LDPUB_MAX_CONCURRENT": "1"},
                       log_dir=tmp_path) as server:
        assert established_to(port) >= 1  # the readiness query's keep-alive connection
        assert ask(server, RUNAWAY).status_code == 504
        time.sleep(0.2)
        assert established_to(port) == 0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def established_to(port: int) -> int:
    """Open (ESTABLISHED) IPv4 connections whose far end is loopback:port, from this machine's table."""
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        remote, state = fields[2], fields[3]
        if state == "01" and remote == f"0100007F:{port:04X}":
            count += 1
    return count


@pytest.mark.parametrize("backend", REMOTES)
def test_service_is_refused_before_the_remote(served, backend):
    response = ask(served[backend], "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    assert response.status_code == 400 and "SERVICE" in response.text


@pytest.mark.parametrize("backend", REMOTES)
def test_result_cap_holds(served, backend):
    response = ask(served[backend], "SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
    assert response.status_code == 200
    assert response.headers["X-SPARQL-Truncated"] == "true"
    assert len(response.json()["results"]["bindings"]) == 100
    graph = httpx.post(served[backend].url + "/sparql", data={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
                       headers={"Accept": "application/n-triples"}, timeout=30)
    assert graph.headers["X-SPARQL-Truncated"] == "true" and len(graph.text.strip().splitlines()) == 100


@pytest.mark.parametrize("backend", REMOTES)
def test_syntax_error_is_a_400_with_the_clients_line(served, backend):
    response = ask(served[backend], "SELECT * WHERE {\n ?s ?p ?o")
    assert response.status_code == 400
    if backend == "oxigraph":  # Oxigraph's message has line:column, counted in the client's query
        assert response.json()["line"] == 2


@pytest.mark.parametrize("backend", REMOTES)
def test_updates_are_refused_before_the_remote(served, backend):
    response = ask(served[backend], "INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    assert response.status_code == 400


def test_a_remote_gone_is_a_502_in_one_line(private_oxigraph, tmp_path):
    """A remote store that goes away while serving: 502 saying so, no traceback anywhere."""
    with serve_process(["--store", private_oxigraph.query_url], REMOTE_ENV, log_dir=tmp_path) as server:
        assert ask(server, "ASK { ?s ?p ?o }").status_code == 200
        stop(private_oxigraph.proc)
        gone = ask(server, "SELECT * WHERE { ?s ?p ?o } LIMIT 1")
        assert gone.status_code == 502, gone.text
        assert "cannot be reached" in gone.json()["message"]
    assert "Traceback" not in server.log()


def test_serve_refuses_a_store_that_is_not_one(tmp_path):
    done = ldpub("serve", "--port", str(free_port()), "--store", str(tmp_path))
    assert done.returncode == 1 and "not a store written by `ldpub load`" in done.stderr
    assert "Traceback" not in done.stderr


# Every page of the article: landing, the articles' index, each article's text, an entity, a claim,
# the ontology, a 404 (HTML, and the RDF of an entity and of a claim).
PAGES = ["/", "/article", "/article/id/article", "/id/karim-masimov", "/id/claim/c01", "/def", "/id/karim-masimv",
         "/id/karim-masimov.ttl", "/id/claim/c01.trig", "/statuses.css"]


@pytest.mark.parametrize("backend", ["disk", "oxigraph", "virtuoso"])
def test_every_page_is_the_same_on_every_backend(served, backend):
    """Issue 12.3: the pages are read through site/source.py, so a remote store serves them too, and
    each page is byte for byte what the in-memory store gives (the server's own URL aside)."""
    def body(name: str, page: str) -> tuple[int, str]:
        server = served[name]
        r = httpx.get(server.url + page, headers={"Accept": "text/html"}, timeout=60)
        return r.status_code, r.text.replace(server.url, "http://server")

    for page in PAGES:
        expected = body("memory", page)
        assert expected[0] == (404 if page == "/id/karim-masimv" else 200), page
        got = body(backend, page)
        diff = difflib.unified_diff(expected[1].splitlines(), got[1].splitlines(), "memory", backend, lineterm="", n=0)
        assert got == expected, page + "\n" + "\n".join(list(diff)[:20])
    assert "Karim Masimov" in body(backend, "/id/karim-masimov")[1]
    assert "karim-masimov" in body(backend, "/id/karim-masimv")[1]  # the 404 suggests the near spelling


def test_void_comes_from_the_load_not_from_start(served):
    def void(backend: str) -> set[str]:
        url = served[backend].url
        body = httpx.get(url + "/.well-known/void", headers={"Accept": "application/n-triples"}).text
        return set(body.replace(url, "http://server").splitlines())

    memory = void("memory")  # computed at start from the files
    assert any("void#triples" in line for line in memory)
    for backend in ("disk", "oxigraph", "virtuoso"):
        assert void(backend) == memory, backend


# ---------------------------------------------------------------- replicas


def test_two_replicas_over_one_store_answer_the_same(disk_store, build_result, tmp_path):
    env = {"LDPUB_DIST_DIR": str(build_result.out_dir)}
    with serve_process(["--store", str(disk_store)], env, log_dir=tmp_path) as one, \
            serve_process(["--store", str(disk_store)], env, log_dir=tmp_path) as two:
        for path in ALL:
            query = path.read_text(encoding="utf-8")
            a, b = ask(one, query), ask(two, query)
            assert a.status_code == b.status_code == 200
            assert a.json() == b.json(), path.name
        for page in ("/id/karim-masimov", "/id/karim-masimov.ttl", "/shapes", "/.well-known/void"):
            bodies = [httpx.get(s.url + page).text.replace(s.url, "http://server") for s in (one, two)]
            assert bodies[0] == bodies[1], page
    assert (disk_store / META_FILE).is_file()


def test_serve_refuses_a_remote_that_was_never_loaded(tmp_path):
    exe = Path(sys.executable).parent / "oxigraph"
    port = free_port()
    proc = subprocess.Popen([exe, "serve", "--location", tmp_path / "ox", "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_sparql(f"http://127.0.0.1:{port}/query", proc, 20, "oxigraph serve")
        done = ldpub("serve", "--port", str(free_port()), "--store", f"http://127.0.0.1:{port}/query")
        assert done.returncode == 1 and "holds no data loaded by `ldpub load --into`" in done.stderr
        assert "Traceback" not in done.stderr
    finally:
        stop(proc)


@pytest.mark.parametrize(("env", "says"), [
    ({"LDPUB_STORE": "ftp://example.org/sparql"}, "store must be an http(s) SPARQL endpoint URL or a folder"),
    ({"LDPUB_STORE_AUTH": "kerberos"}, "store_auth must be 'basic' or 'digest'"),
    ({"LDPUB_STORE_DEFAULT_GRAPH": "maybe"}, "store_default_graph must be true or false"),
])
def test_store_settings_are_checked(env, says):
    done = ldpub("settings", "store", env=env)
    assert done.returncode == 2 and says in done.stderr, done.stderr


def test_store_setting_is_used_and_store_flag_wins(disk_store, tmp_path):
    """`store` in the environment picks the backend; `--store` on the command line overrides it."""
    done = ldpub("serve", "--port", str(free_port()), "--store", str(tmp_path), env={"LDPUB_STORE": str(disk_store)})
    assert done.returncode == 1 and f"{tmp_path}: not a store written by `ldpub load`" in done.stderr
    with serve_process([], {"LDPUB_STORE": str(disk_store)}, log_dir=tmp_path) as server:
        assert ask(server, "ASK { GRAPH ?g { ?s ?p ?o } }").json()["boolean"] is True


@pytest.mark.parametrize("backend", BACKENDS)
def test_construct_and_describe_answer_on_every_backend(served, backend):
    """CONSTRUCT gives the same triples everywhere (read back from N-Triples and rewritten as Turtle
    by ldpub); DESCRIBE, whose extent each engine chooses, answers with the entity's triples."""
    query = ("CONSTRUCT { ?p schema:name ?n } WHERE { ?p a schema:Person ; schema:name ?n }")

    def graph(server: ServedProcess, q: str) -> set[ox.Triple]:
        response = httpx.post(server.url + "/sparql", data={"query": q}, headers={"Accept": "text/turtle"}, timeout=30)
        assert response.status_code == 200, response.text
        return set(ox.parse(response.content, format=ox.RdfFormat.TURTLE))

    expected = graph(served["memory"], query)
    assert len(expected) >= 3
    assert graph(served[backend], query) == expected
    described = graph(served[backend], "DESCRIBE <https://w3id.org/kz-masimov/id/karim-masimov>")
    assert any(t.subject.value == "https://w3id.org/kz-masimov/id/karim-masimov" for t in described)


def test_one_client_cannot_take_every_remote_slot(private_oxigraph, tmp_path):
    """Client A fills its share with runaway queries (and queues more); client B still gets its
    answer at once: A holds client_concurrent of the max_concurrent connections to the store."""
    env = {**REMOTE_ENV, "LDPUB_MAX_CONCURRENT": "3", "LDPUB_CLIENT_CONCURRENT": "2", "LDPUB_CLIENT_QUEUED": "4"}
    with serve_process(["--store", private_oxigraph.query_url], env, log_dir=tmp_path) as server, \
            ThreadPoolExecutor(6) as pool:
        flood = [pool.submit(ask, server, RUNAWAY + f" # {i}", **{"X-Forwarded-For": "192.0.2.1"})
                 for i in range(5)]
        time.sleep(0.5)
        started = time.monotonic()
        other = ask(server, "ASK { ?s ?p ?o }", **{"X-Forwarded-For": "192.0.2.2"})
        took = time.monotonic() - started
        statuses = sorted(f.result().status_code for f in flood)
    assert other.status_code == 200 and took < 1.0, took
    assert set(statuses) <= {503, 504} and 504 in statuses
