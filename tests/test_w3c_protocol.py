"""Issue 9, item 6: the W3C SPARQL 1.1 Protocol tests, query side, against a real `ldpub serve`.

The suite is vendored in tests/fixtures/w3c-protocol/ (source and licence in its README). Each
W3C test is one ht:Request (or several, run in order) and the ht:Response expected for it:
`mf:expectedStatus` (status classes), `mf:expectedFormat` ("boolean", "tabular" or "RDF") and
`mf:expectedBoolean`. The requests are read from the vendored manifest itself and sent byte for
byte as it writes them (method, path, headers, body in its character encoding; no Accept header,
as the manifest sends none), so nothing is retyped here. One test function per W3C test, named
after it, checks what the manifest expects; where the manifest leaves freedom (which boolean,
tabular or RDF format; a 2xx or a 3xx; which 4xx) it accepts what the SPARQL 1.1 Protocol allows,
and asks no more than the one answer SPARQL gives the query (e.g. `SELECT (1 AS ?value) {}` has
one solution, ?value 1).

The manifest has 34 tests: 20 query tests and 14 update tests. 7 of the update tests
(`bad_update_*`, `bad_multiple_updates`) expect a 4xx for a malformed update request; they are
W3C tests this endpoint must pass too, and with the 20 query tests make the 27 checked here. The
other 7 expect an update to succeed: out of scope, since the endpoint is read-only and refuses every
update (a deliberate choice, README "Read-only and sealed"); `test_update_is_refused_out_of_scope`
checks that refusal, not the W3C outcome.

Data: each `dataN.nt` of a test's `ut:graphData` goes into the named graph its `rdfs:label` names
(http://kasei.us/2009/09/sparql/data/dataN.rdf), the default graph empty: how Oxigraph's test runner
reads `ut:graphData`. All tests share one server holding the three graphs; none depends on a graph
being absent (`data0.rdf`, named by several tests, is never held: an empty graph).

Side check: `LDPUB_W3C_TARGETS=ldpub,oxigraph` runs the same tests against `oxigraph
serve-read-only` (the pip package's CLI, query URL /query) as well; the default is ldpub only.
"""

from __future__ import annotations

import contextlib
import csv
import http.client
import io
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pyoxigraph as ox
import pytest

from conftest import FIXTURES, free_port, serve_process

SUITE = FIXTURES / "w3c-protocol"
MANIFEST_IRI = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest"
TEST = MANIFEST_IRI + "#"  # the W3C test IRIs: TEST + id
KASEI = "http://kasei.us/2009/09/sparql/data/"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
HT = "http://www.w3.org/2011/http#"
CNT = "http://www.w3.org/2011/content#"
UT = "http://www.w3.org/2009/sparql/tests/test-update#"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"

# What the SPARQL 1.1 Protocol (2.1.1, 2.2) lets a successful answer be, by mf:expectedFormat.
BOOLEAN_TYPES = {"application/sparql-results+json", "application/sparql-results+xml"}
TABULAR_TYPES = BOOLEAN_TYPES | {"text/csv", "text/tab-separated-values"}
# "an RDF graph serialized, for example, in the RDF/XML syntax, or an equivalent RDF graph
# serialization": any RDF syntax, checked by parsing it (pyoxigraph reads these).
RDF_TYPES = {"application/rdf+xml", "text/turtle", "application/n-triples", "application/ld+json",
             "text/n3", "application/trig", "application/n-quads"}


# ---- the manifest ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Exchange:
    """One ht:Request and its ht:Response, as the manifest writes them."""

    method: str
    path: str  # ht:absolutePath: "/sparql/..." (the manifest says to replace that prefix)
    headers: tuple[tuple[str, str], ...]
    body: bytes | None  # cnt:chars in its cnt:characterEncoding
    status_classes: frozenset[int]  # mf:expectedStatus hts:StatusCode2xx -> 2
    format: str | None  # mf:expectedFormat
    boolean: bool | None  # mf:expectedBoolean


@dataclass(frozen=True)
class W3CTest:
    id: str
    name: str
    exchanges: tuple[Exchange, ...]
    graph_data: tuple[tuple[str, str], ...]  # (file in SUITE, graph IRI)

    @property
    def iri(self) -> str:
        return TEST + self.id


class Graph:
    def __init__(self, path: Path) -> None:
        self.triples = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=MANIFEST_IRI))

    def objects(self, subject: ox.NamedNode | ox.BlankNode, predicate: str) -> list:
        return [t.object for t in self.triples if t.subject == subject and t.predicate == ox.NamedNode(predicate)]

    def one(self, subject: ox.NamedNode | ox.BlankNode, predicate: str):
        values = self.objects(subject, predicate)
        assert len(values) <= 1, (subject, predicate, values)
        return values[0] if values else None

    def items(self, node) -> list:
        """The members of an RDF list."""
        out = []
        while node != ox.NamedNode(RDF + "nil"):
            out.append(self.one(node, RDF + "first"))
            node = self.one(node, RDF + "rest")
        return out


def encode(chars: str, encoding: str) -> bytes:
    if encoding.upper() == "UTF-16":  # RFC 2781 "UTF-16": a byte order mark, then big-endian
        return b"\xfe\xff" + chars.encode("utf-16-be")
    return chars.encode(encoding)


def read_manifest(path: Path = SUITE / "manifest.ttl") -> dict[str, W3CTest]:
    g = Graph(path)
    tests: dict[str, W3CTest] = {}
    for entry in g.items(g.one(ox.NamedNode(MANIFEST_IRI), MF + "entries")):
        exchanges = []
        for conn in g.objects(entry, MF + "action"):
            for req in g.items(g.one(conn, HT + "requests")):
                body = g.one(req, HT + "body")
                resp = g.one(req, HT + "resp")
                expected_boolean = g.one(resp, MF + "expectedBoolean")
                expected_format = g.one(resp, MF + "expectedFormat")
                exchanges.append(Exchange(
                    method=g.one(req, HT + "methodName").value,
                    path=g.one(req, HT + "absolutePath").value,
                    headers=tuple((g.one(h, HT + "fieldName").value, g.one(h, HT + "fieldValue").value)
                                  for h in (g.items(g.one(req, HT + "headers")) if g.one(req, HT + "headers") else [])),
                    body=None if body is None else encode(g.one(body, CNT + "chars").value,
                                                          g.one(body, CNT + "characterEncoding").value),
                    status_classes=frozenset(int(re.fullmatch(r".*StatusCode(\d)xx", s.value).group(1))
                                             for s in g.objects(resp, MF + "expectedStatus")),
                    format=expected_format.value if expected_format else None,
                    boolean=None if expected_boolean is None else expected_boolean.value == "true",
                ))
        graph_data = tuple(sorted((g.one(d, UT + "graph").value.rsplit("/", 1)[1], g.one(d, RDFS + "label").value)
                                  for d in g.objects(entry, UT + "graphData")))
        test_id = entry.value.removeprefix(TEST)
        tests[test_id] = W3CTest(test_id, g.one(entry, MF + "name").value, tuple(exchanges), graph_data)
    return tests


MANIFEST = read_manifest()
UPDATE_TESTS = [t for t in MANIFEST if re.search(r"(^|_)updates?(_|$)", t)]
QUERY_TESTS = [t for t in MANIFEST if t not in UPDATE_TESTS]
# Update tests whose every request expects a 4xx (a malformed update): a read-only endpoint passes them.
BAD_UPDATE_TESTS = [t for t in UPDATE_TESTS if all(e.status_classes == {4} for e in MANIFEST[t].exchanges)]
OUT_OF_SCOPE = [t for t in UPDATE_TESTS if t not in BAD_UPDATE_TESTS]  # they expect an update to succeed


# ---- the servers under test --------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    name: str
    host: str
    port: int
    query_path: str  # where the manifest's "/sparql/" goes, for a query
    update_path: str  # and for an update (the manifest allows two endpoints)


def dataset_file(directory: Path) -> Path:
    """The suite's graphs as one N-Quads file: each data file in the graph its ut:graphData names."""
    quads: list[ox.Quad] = []
    for file, graph in sorted({d for t in MANIFEST.values() for d in t.graph_data}):
        quads += [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph))
                  for t in ox.parse(path=str(SUITE / file), format=ox.RdfFormat.N_TRIPLES)]
    path = directory / "w3c-protocol.nq"
    ox.serialize(quads, str(path), format=ox.RdfFormat.N_QUADS)
    return path


@contextlib.contextmanager
def oxigraph_process(data: Path, store: Path) -> Iterator[str]:
    """`oxigraph serve-read-only` on a free loopback port over data; yields its base URL."""
    exe = Path(sys.executable).parent / "oxigraph"
    if not exe.exists():
        pytest.skip("the oxigraph CLI is not installed in the venv (pip install oxigraph)")
    subprocess.run([exe, "load", "--location", store, "--file", data], check=True, capture_output=True)
    port = free_port()
    proc = subprocess.Popen([exe, "serve-read-only", "--location", store, "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                conn.request("GET", "/query?query=ASK%7B%7D")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("oxigraph serve-read-only did not answer")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


TARGETS = [t.strip() for t in os.environ.get("LDPUB_W3C_TARGETS", "ldpub").split(",") if t.strip()]


@pytest.fixture(scope="module", params=TARGETS)
def target(request, tmp_path_factory) -> Iterator[Target]:
    data = dataset_file(tmp_path_factory.mktemp("w3c-protocol"))
    if request.param == "ldpub":
        with serve_process([data], log_dir=tmp_path_factory.mktemp("log")) as served:
            url = urlsplit(served.url)
            yield Target("ldpub", url.hostname or "", url.port or 80, "/sparql", "/sparql")
    elif request.param == "oxigraph":
        with oxigraph_process(data, tmp_path_factory.mktemp("oxigraph-store")) as served_url:
            url = urlsplit(served_url)
            yield Target("oxigraph", url.hostname or "", url.port or 80, "/query", "/update")
    else:
        raise ValueError(f"LDPUB_W3C_TARGETS: unknown server {request.param!r} (ldpub, oxigraph)")


# ---- sending a request and reading the answer --------------------------------------------------

@dataclass(frozen=True)
class Answer:
    status: int
    media_type: str  # Content-Type without parameters, lower case
    headers: dict[str, str]
    body: bytes
    redirects: tuple[int, ...]  # statuses of the redirects followed to get here


def send(target: Target, exchange: Exchange, update: bool = False) -> Answer:
    """The manifest's request, as written (http.client adds only Host, Accept-Encoding: identity and
    Content-Length); a 3xx, which the manifest allows, is followed as a client would."""
    assert exchange.path.startswith("/sparql/"), exchange.path
    endpoint = target.update_path if update else target.query_path
    method, path, body = exchange.method, endpoint + exchange.path[len("/sparql/"):], exchange.body
    headers = dict(exchange.headers)
    redirects: list[int] = []
    while True:
        conn = http.client.HTTPConnection(target.host, target.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            answer = Answer(response.status, response.getheader("content-type", "").split(";")[0].strip().lower(),
                            {k.lower(): v for k, v in response.getheaders()}, response.read(), tuple(redirects))
        finally:
            conn.close()
        location = answer.headers.get("location")
        if answer.status // 100 != 3 or not location or len(redirects) >= 5:
            return answer
        redirects.append(answer.status)
        moved = urlsplit(location)
        path = moved.path + (f"?{moved.query}" if moved.query else "")
        if answer.status == 303 or (answer.status in (301, 302) and method != "HEAD"):
            method, body = "GET", None
            headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}


def check(answer: Answer, exchange: Exchange):
    """What mf:expectedStatus, mf:expectedFormat and mf:expectedBoolean say; returns the parsed
    result (a QueryBoolean/QuerySolutions, CSV rows, or a list of triples) when there is one."""
    context = f"{answer.status} {answer.media_type}: {answer.body[:300]!r}"
    first = answer.redirects[0] if answer.redirects else answer.status
    assert first // 100 in exchange.status_classes, context
    if exchange.format is None:
        return None
    # A result is what a 2xx carries (a 3xx the manifest allows was followed above).
    assert answer.status // 100 == 2, context
    if exchange.format == "boolean":
        assert answer.media_type in BOOLEAN_TYPES, context
        result = ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.from_media_type(answer.media_type))
        assert isinstance(result, ox.QueryBoolean), context
        if exchange.boolean is not None:
            assert bool(result) is exchange.boolean, context
        return result
    if exchange.format == "tabular":
        assert answer.media_type in TABULAR_TYPES, context
        if answer.media_type == "text/csv":  # lossy, so pyoxigraph does not read it back
            return list(csv.reader(io.StringIO(answer.body.decode("utf-8"), newline="")))
        result = ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.from_media_type(answer.media_type))
        assert isinstance(result, ox.QuerySolutions), context
        return result
    if exchange.format == "RDF":
        assert answer.media_type in RDF_TYPES, context
        rdf_format = ox.RdfFormat.from_media_type(answer.media_type)
        assert rdf_format is not None, context
        quads = list(ox.parse(answer.body, format=rdf_format, base_iri="http://base.invalid/"))
        assert all(q.graph_name == ox.DefaultGraph() for q in quads), "a graph, not a dataset: " + context
        return [q.triple for q in quads]
    raise AssertionError(f"unknown mf:expectedFormat {exchange.format!r}")


def run(target: Target, test_id: str) -> list:
    """Every request of the W3C test, in order, each checked against its expected response."""
    test = MANIFEST[test_id]
    return [check(send(target, exchange, test_id in UPDATE_TESTS), exchange) for exchange in test.exchanges]


def run_one(target: Target, test_id: str) -> tuple[Answer, object]:
    """A W3C test of one request: its answer and its checked result."""
    (exchange,) = MANIFEST[test_id].exchanges
    answer = send(target, exchange)
    return answer, check(answer, exchange)


# ---- the manifest as read ----------------------------------------------------------------------

def test_manifest_has_20_query_tests_and_14_update_tests():
    assert len(MANIFEST) == 34
    assert len(QUERY_TESTS) == 20 and len(UPDATE_TESTS) == 14
    assert len(BAD_UPDATE_TESTS) == 7 and len(OUT_OF_SCOPE) == 7
    # The split by name agrees with what the requests do: an update test's first request sends an update.
    update_like = re.compile(r"update=|using-|application/sparql-update|\b(CLEAR|DROP|INSERT|DELETE)\b")
    for test_id, test in MANIFEST.items():
        first = test.exchanges[0]
        text = " ".join([first.path, *(f"{k}: {v}" for k, v in first.headers),
                         (first.body or b"").decode("utf-8", "replace").replace("\x00", "")])
        assert bool(update_like.search(text)) == (test_id in UPDATE_TESTS), test_id
    # One test function here per W3C test checked (27), named after it.
    assert sorted(QUERY_TESTS + BAD_UPDATE_TESTS) == sorted(n.removeprefix("test_") for n in globals()
                                                            if n.removeprefix("test_") in MANIFEST)


def test_graph_data_is_the_three_kasei_graphs():
    files = {d for t in MANIFEST.values() for d in t.graph_data}
    assert files == {(f"data{i}.nt", f"{KASEI}data{i}.rdf") for i in (1, 2, 3)}


# ---- the 20 query tests ------------------------------------------------------------------------

def test_query_post_form(target):
    """<http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#query_post_form>
    "query via URL-encoded POST": ASK {} as a form, default-graph-uri data0.rdf: true."""
    run(target, "query_post_form")


def test_query_dataset_default_graphs_get(target):
    """<http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#query_dataset_default_graphs_get>
    "GET query with protocol-specified default graph": two default-graph-uri, merged: true."""
    run(target, "query_dataset_default_graphs_get")


def test_query_dataset_default_graphs_post(target):
    """<http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#query_dataset_default_graphs_post>
    "POST query with protocol-specified default graphs": the same as a direct POST: true."""
    run(target, "query_dataset_default_graphs_post")


def test_query_dataset_named_graphs_post(target):
    """<http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#query_dataset_named_graphs_post>
    "POST query with protocol-specified named graphs": two named-graph-uri, GRAPH ?g1/?g2: true."""
    run(target, "query_dataset_named_graphs_post")


def test_query_dataset_named_graphs_get(target):
    """<http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#query_dataset_named_graphs_get>
    "GET query with protocol-specified named graphs": the same by GET: true."""
    run(target, "query_dataset_named_graphs_get")


def test_query_dataset_full(target):
    """<http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#query_dataset_full>
    "query with protocol-specified dataset (both named and default graphs)": true."""
    run(target, "query_dataset_full")


def test_query_multiple_dataset(target):
    """<http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#query_multiple_dataset>
    "query specifying dataset in both query string and protocol; test for use of protocol-specified
    dataset": FROM data3 in the query, named-graph-uri data1 and data2 in the protocol: true."""
    run(target, "query_multiple_dataset")


def test_query_get(target):
    """<http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#query_get>
    "query via GET": ASK {}, default-graph-uri data0.rdf: true."""
    run(target, "query_get")


def test_query_content_type_select(target):
    """<http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#query_content_type_select>
    "query appropriate content type (expect one of: XML, JSON, CSV, TSV)": SELECT (1 AS ?value) {}.
    The manifest asks for a tabular format; SPARQL asks for its one solution, ?value 1."""
    answer, result = run_one(target, "query_content_type_select")
    if answer.media_type == "text/csv":
        assert result == [["value"], ["1"]]
    else:
        assert isinstance(result, ox.QuerySolutions)
        assert [v.value for v in result.variables] == ["value"]
        assert [s["value"] for s in result] == [ox.Literal("1", datatype=ox.NamedNode(XSD_INTEGER))]


def test_query_content_type_ask(target):
    """<http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#query_content_type_ask>
    "query appropriate content type (expect one of: XML, JSON)": ASK {} by direct POST, a boolean
    result (the manifest gives no value; SPARQL says true)."""
    _, result = run_one(target, "query_content_type_ask")
    assert bool(result) is True


def test_query_content_type_describe(target):
    """<http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#query_content_type_describe>
    "query appropriate content type (expect one of: RDF/XML, Turtle, N-Triples, RDFa)":
    DESCRIBE <http://example.org/>, an RDF graph (its content is the service's to choose)."""
    run(target, "query_content_type_describe")


def test_query_content_type_construct(target):
    """<http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#query_content_type_construct>
    "query appropriate content type (expect one of: RDF/XML, Turtle, N-Triples, RDFa)":
    CONSTRUCT { <s> <p> 1 } WHERE {}, an RDF graph. Its relative IRIs resolve against the base
    the service gives the query; SPARQL asks for that one triple, whatever the base."""
    _, triples = run_one(target, "query_content_type_construct")
    assert len(triples) == 1
    (triple,) = triples
    assert isinstance(triple.subject, ox.NamedNode) and triple.subject.value.endswith("s")
    assert isinstance(triple.predicate, ox.NamedNode) and triple.predicate.value.endswith("p")
    assert triple.object == ox.Literal("1", datatype=ox.NamedNode(XSD_INTEGER))


def test_query_post_direct(target):
    """<http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#query_post_direct>
    "query via POST directly": ASK {} as application/sparql-query: true."""
    run(target, "query_post_direct")


def test_bad_query_method(target):
    """<http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#bad_query_method>
    "invoke query operation with a method other than GET or POST": PUT, a 4xx."""
    run(target, "bad_query_method")


def test_bad_multiple_queries(target):
    """<http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#bad_multiple_queries>
    "invoke query operation with more than one query string": two query parameters, a 4xx."""
    run(target, "bad_multiple_queries")


def test_bad_query_wrong_media_type(target):
    """<http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#bad_query_wrong_media_type>
    "invoke query operation with a POST with media type that's not url-encoded or
    application/sparql-query": text/plain, a 4xx."""
    run(target, "bad_query_wrong_media_type")


def test_bad_query_missing_form_type(target):
    """<http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#bad_query_missing_form_type>
    "invoke query operation with url-encoded body, but without application/x-www-form-urlencoded
    media type": no Content-Type, a 4xx."""
    run(target, "bad_query_missing_form_type")


def test_bad_query_missing_direct_type(target):
    """<http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#bad_query_missing_direct_type>
    "invoke query operation with SPARQL body, but without application/sparql-query media type":
    no Content-Type, a 4xx."""
    run(target, "bad_query_missing_direct_type")


def test_bad_query_non_utf8(target):
    """<http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#bad_query_non_utf8>
    "invoke query operation with direct POST, but with a non-UTF8 encoding (UTF-16)":
    charset=UTF-16 and a UTF-16 body, a 4xx."""
    run(target, "bad_query_non_utf8")


def test_bad_query_syntax(target):
    """<http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#bad_query_syntax>
    "invoke query operation with invalid query syntax (4XX result)": ASK {, a 4xx."""
    run(target, "bad_query_syntax")


# ---- the 7 malformed update requests: a 4xx -----------------------------------------------------

def test_bad_update_get(target):
    """<http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#bad_update_get>
    "invoke update operation with GET": ?update=CLEAR ALL, a 4xx."""
    run(target, "bad_update_get")


def test_bad_multiple_updates(target):
    """<http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#bad_multiple_updates>
    "invoke update operation with more than one update string": two update parameters, a 4xx."""
    run(target, "bad_multiple_updates")


def test_bad_update_wrong_media_type(target):
    """<http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#bad_update_wrong_media_type>
    "invoke update operation with a POST with media type that's not url-encoded or
    application/sparql-update": text/plain, a 4xx."""
    run(target, "bad_update_wrong_media_type")


def test_bad_update_missing_form_type(target):
    """<http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#bad_update_missing_form_type>
    "invoke update operation with url-encoded body, but without application/x-www-form-urlencoded
    media type": no Content-Type, a 4xx."""
    run(target, "bad_update_missing_form_type")


def test_bad_update_non_utf8(target):
    """<http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#bad_update_non_utf8>
    "invoke update operation with direct POST, but with a non-UTF8 encoding": charset=UTF-16, a 4xx."""
    run(target, "bad_update_non_utf8")


def test_bad_update_syntax(target):
    """<http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#bad_update_syntax>
    "invoke update operation with invalid update syntax": update=CLEAR XYZ, a 4xx."""
    run(target, "bad_update_syntax")


def test_bad_update_dataset_conflict(target):
    """<http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#bad_update_dataset_conflict>
    "invoke update with both using-graph-uri/using-named-graph-uri parameter and USING/WITH clause":
    a 4xx."""
    run(target, "bad_update_dataset_conflict")


# ---- the 7 update tests that expect an update to succeed: out of scope, refused -----------------

@pytest.mark.parametrize("test_id", OUT_OF_SCOPE)
def test_update_is_refused_out_of_scope(target, test_id):
    """Not the W3C outcome (a 2xx, then an ASK that sees the update): this endpoint is read-only, so
    the update request of each such test is refused with a 4xx and the data stays as it was."""
    if target.name != "ldpub":
        pytest.skip("ldpub's read-only refusal, not a W3C outcome")
    answer = send(target, MANIFEST[test_id].exchanges[0], update=True)
    assert answer.status // 100 == 4, (answer.status, answer.body[:300])
    for i in (1, 2, 3):  # nothing was cleared, dropped or inserted
        ask = f"ASK {{ GRAPH <{KASEI}data{i}.rdf> {{ <{KASEI}data{i}.rdf> a ?type }} }}"
        check(send(target, Exchange("GET", "/sparql/?" + urlencode({"query": ask}), (), None, frozenset(), None, None)),
              Exchange("GET", "", (), None, frozenset({2}), "boolean", True))
