"""Issue 3, point 3: read-only and sealed. No SERVICE / LOAD / remote FROM unless allowlisted,
proven with a local fake SPARQL service that counts every request it gets."""

from __future__ import annotations

import http.server
import json
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator

import httpx
import pytest

from conftest import ENDPOINT_TEST_ENV, FIXTURES, serve_process
from ldpub.query.seal import inspect_query
from ldpub.query.worker import EVALUATION_ERROR, OK, READY, read_frame

ID = "https://w3id.org/kz-masimov/id/"
ANSWER = b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"from afar"}}]}}'


class FakeService:
    def __init__(self) -> None:
        self.hits: list[str] = []
        hits = self.hits

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(ANSWER)))
                self.end_headers()
                self.wfile.write(ANSWER)

            do_GET = do_POST = _answer

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeService]:
    service = FakeService()
    yield service
    service.server.shutdown()


def ask(endpoint, query: str) -> httpx.Response:
    return httpx.post(endpoint.url + "/sparql", data={"query": query}, timeout=10)


@pytest.mark.parametrize(
    ("template", "clause"),
    [
        ("SELECT * WHERE { SERVICE <{url}> { ?x ?p ?o } }", "SERVICE"),
        ("select * where { service silent <{url}> { ?x ?p ?o } }", "SERVICE"),
        ("PREFIX r: <{base}> SELECT * WHERE { SERVICE r:sparql { ?x ?p ?o } }", "SERVICE"),
        ("SELECT * WHERE { BIND(<{url}> AS ?e) SERVICE ?e { ?x ?p ?o } }", "SERVICE ?e"),
        ("SELECT * FROM <{url}> WHERE { ?x ?p ?o }", "FROM <"),
        ("SELECT * FROM NAMED <{url}> WHERE { GRAPH ?g { ?x ?p ?o } }", "FROM NAMED"),
        ("BASE <{base}> SELECT * FROM <sparql> WHERE { ?x ?p ?o }", "FROM <"),
        ("LOAD <{url}>", "LOAD"),
        ("LOAD <{url}> INTO GRAPH <urn:g>", "LOAD"),
        # escapes the engine accepts, which once made the lexer lose step and read SERVICE as a comment
        ("PREFIX ex: <http://e/> SELECT * WHERE { BIND(ex:a\\# AS ?z) SERVICE <{url}> { ?x ?p ?o } }", "SERVICE"),
        ("PREFIX ex: <http://e/> SELECT * WHERE { BIND(ex:a\\' AS ?z) SERVICE <{url}> { ?x ?p ?o } } #'",
         "SERVICE"),
        ("SELECT * WHERE { BIND(<http://e/\\u0061#> AS ?z) SERVICE <{url}> { ?x ?p ?o } }", "SERVICE"),
        ("SELECT * WHERE { SERVICE <{url_escaped}> { ?x ?p ?o } }", "SERVICE <{url}>"),
        ("PREFIX r: <{base}> SELECT * WHERE { SERVICE r:sp\\-arql { ?x ?p ?o } }", "SERVICE"),
        ("SELECT * WHERE { ?s ?p ?o } \\ SERVICE <{url}> { }", "backslash"),
    ],
)
def test_outward_clauses_are_refused_without_a_request(endpoint, fake, template, clause):
    base = fake.url.rsplit("/", 1)[0] + "/"
    escaped = fake.url.replace("s", "\\u0073")  # UCHAR inside the IRI itself
    query = template.replace("{url_escaped}", escaped).replace("{url}", fake.url).replace("{base}", base)
    r = ask(endpoint, query)
    assert r.status_code == 400, r.text
    assert clause.replace("{url}", fake.url) in r.text
    assert fake.hits == []


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?service WHERE { ?service ?p ?o } LIMIT 1",
        "PREFIX ex: <urn:ex:> SELECT * WHERE { ?s ex:SERVICE ?o . ?s ex:LOAD ?x } LIMIT 1",
        "SELECT * WHERE { ?s ?p 'SERVICE <http://127.0.0.1:9/> LOAD INSERT' } LIMIT 1",
        'SELECT * WHERE { ?s ?p """FROM <http://127.0.0.1:9/>\nDELETE""" } LIMIT 1',
        "SELECT * WHERE { ?s <http://example.org/SERVICE> ?o } # SERVICE <http://127.0.0.1:9/>\nLIMIT 1",
        f"SELECT * FROM <{ID}claim/c01> FROM NAMED <{ID}claim/c02> WHERE {{ ?s ?p ?o }}",
    ],
)
def test_lookalikes_are_not_refused(endpoint, fake, query):
    r = ask(endpoint, query)
    assert r.status_code == 200, r.text
    assert fake.hits == []


def test_from_a_held_graph_reads_it(endpoint):
    r = ask(endpoint, f"SELECT ?o FROM <{ID}claim/c01> WHERE {{ ?s ?p ?o }}")
    assert [b["o"]["value"] for b in r.json()["results"]["bindings"]] == [ID + "knb"]


def test_lexer_verdicts():
    v = inspect_query("PREFIX s: <http://x/> SELECT * FROM s:g WHERE { SERVICE SILENT s:e {} }")
    assert v.form == "SELECT" and v.services == ("http://x/e",) and v.from_graphs == ("http://x/g",)
    assert inspect_query("# SELECT\nCONSTRUCT WHERE { ?s ?p ?o }").form == "CONSTRUCT"
    assert inspect_query("WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }").update == "WITH"
    assert inspect_query("SELECT * WHERE { FILTER(?a < ?b && ?c > 2) }").update is None
    assert inspect_query("ASK { ?s ?p \"a\\\" SERVICE <x>\" }").services == ()


def test_allowlisted_service_is_called(fake, tmp_path):
    env = {**ENDPOINT_TEST_ENV, "LDPUB_SERVICE_ALLOWLIST": fake.url}
    with serve_process([FIXTURES / "endpoint.trig"], env, log_dir=tmp_path) as served:
        before = len(fake.hits)
        r = ask(served, f"SELECT ?x WHERE {{ SERVICE <{fake.url}> {{ ?x ?p ?o }} }}")
        assert r.status_code == 200, r.text
        assert [b["x"]["value"] for b in r.json()["results"]["bindings"]] == ["from afar"]
        assert len(fake.hits) == before + 1
        other = fake.url.replace("/sparql", "/other")
        r = ask(served, f"SELECT ?x WHERE {{ SERVICE <{other}> {{ ?x ?p ?o }} }}")
        assert r.status_code == 400
        assert len(fake.hits) == before + 1
        sd = httpx.get(served.url + "/sparql", headers={"Accept": "text/turtle"}).text
        assert "BasicFederatedQuery" in sd



def worker_answer(offline: bool, query: str) -> tuple[int, str, str]:
    """One query sent straight to a worker process, below the lexer: (kind, body, stderr)."""
    cmd = [sys.executable, "-m", "ldpub.query.worker", *(["--offline"] if offline else []), str(FIXTURES / "endpoint.trig")]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert read_frame(proc.stdout)[0] == READY
        request = {"q": query, "dg": None, "ng": None, "mt": "application/sparql-results+json", "limit": 10}
        body = json.dumps(request).encode()
        proc.stdin.write(struct.pack(">I", len(body)) + body)
        proc.stdin.flush()
        answer = read_frame(proc.stdout)
        proc.stdin.close()
        return answer[0], answer[2:].decode("utf-8", "replace"), proc.stderr.read().decode()
    finally:
        proc.kill()
        proc.wait()


def test_offline_worker_cannot_reach_the_network_even_if_the_seal_missed(fake):
    query = f"SELECT ?x WHERE {{ SERVICE <{fake.url}> {{ ?x ?p ?o }} }}"
    before = len(fake.hits)
    kind, body, stderr = worker_answer(offline=True, query=query)
    if "could not drop network access" in stderr:
        pytest.skip(f"this kernel refuses network namespaces: {stderr.strip()}")
    assert kind == EVALUATION_ERROR, body
    assert len(fake.hits) == before
    # the same worker online does reach it: the offline result is the namespace, not a broken query
    kind, body, _ = worker_answer(offline=False, query=query)
    assert kind == OK and "from afar" in body
    assert len(fake.hits) == before + 1
