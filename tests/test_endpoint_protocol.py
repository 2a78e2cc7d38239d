"""Issue 3, points 1, 2 and 7: SPARQL 1.1 Protocol, content negotiation, errors — over real HTTP."""

from __future__ import annotations

import csv
import io
import json
import socket

import httpx
import pyoxigraph as ox
import pytest

from ldpub.query.protocol import query_hash

ID = "https://w3id.org/kz-masimov/id/"
C01, C02, C03 = (f"{ID}claim/c0{i}" for i in (1, 2, 3))
PERSONS = "SELECT ?p WHERE { ?p a <https://schema.org/Person> } ORDER BY ?p"
CONSTRUCT = "CONSTRUCT { ?s <urn:p> ?o } WHERE { ?s a ?o } ORDER BY ?s"


def get(endpoint, query: str | None = None, headers: dict | None = None, **params) -> httpx.Response:
    if query is not None:
        params["query"] = query
    return httpx.get(endpoint.url + "/sparql", params=params, headers=headers or {}, timeout=10)


def select_values(response: httpx.Response, var: str) -> list[str]:
    assert response.status_code == 200, response.text
    return [b[var]["value"] for b in response.json()["results"]["bindings"] if var in b]


# ---- 1. Protocol -------------------------------------------------------------------------

def test_get_form_post_and_direct_post_agree(endpoint):
    by_get = get(endpoint, PERSONS)
    by_form = httpx.post(endpoint.url + "/sparql", data={"query": PERSONS})
    by_direct = httpx.post(
        endpoint.url + "/sparql", content=PERSONS.encode(),
        headers={"Content-Type": "application/sparql-query; charset=utf-8"},
    )
    expected = [ID + "masimov", ID + "nazarbayev", ID + "tokayev"]
    for r in (by_get, by_form, by_direct):
        assert r.headers["content-type"].startswith("application/sparql-results+json")
        assert select_values(r, "p") == expected


def test_all_four_query_forms(endpoint):
    assert select_values(get(endpoint, PERSONS), "p")
    ask = get(endpoint, f"ASK {{ <{ID}masimov> ?p ?o }}")
    assert ask.json()["boolean"] is True
    construct = get(endpoint, CONSTRUCT)
    assert construct.headers["content-type"].startswith("text/turtle")
    assert len(list(ox.parse(construct.content, format=ox.RdfFormat.TURTLE))) > 5
    describe = get(endpoint, f"DESCRIBE <{ID}masimov>")
    graph = list(ox.parse(describe.content, format=ox.RdfFormat.TURTLE))
    assert {t.subject.value for t in graph} == {ID + "masimov"}


def test_default_and_named_graph_uri_repeated(endpoint):
    q = "SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o"
    # Two default graphs: their merge is the default graph.
    r = get(endpoint, q, **{"default-graph-uri": [C01, C03]})
    values = select_values(r, "o")
    assert ID + "knb" in values and "Akorda decision (speculated)" in values
    assert "Karim Masimov" not in values  # the store's default graph is not part of it
    # named-graph-uri: only those graphs are visible to GRAPH.
    r = httpx.post(
        endpoint.url + "/sparql",
        data={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g",
              "named-graph-uri": [C01, C02]},
    )
    assert select_values(r, "g") == [C01, C02]
    # Protocol graphs on a direct POST travel in the URL.
    r = httpx.post(
        endpoint.url + "/sparql", params={"default-graph-uri": C02}, content=q,
        headers={"Content-Type": "application/sparql-query"},
    )
    assert select_values(r, "o") == [ID + "knb", "prime minister"]


def test_unknown_protocol_graphs_are_empty_and_never_fetched(endpoint):
    """Issue 9.6: a default-graph-uri or named-graph-uri the endpoint does not hold is an empty
    graph (as the W3C protocol tests, Oxigraph and Fuseki have it), named in a header, and never
    fetched: a listener at that address sees no connection."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(1)
    remote = f"http://127.0.0.1:{listener.getsockname()[1]}/remote"
    try:
        r = get(endpoint, PERSONS, **{"default-graph-uri": remote})
        assert r.status_code == 200 and r.json()["results"]["bindings"] == []
        assert r.headers["x-sparql-unknown-graphs"] == f"<{remote}>"
        r = get(endpoint, "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", **{"named-graph-uri": remote})
        assert r.status_code == 200 and r.json()["results"]["bindings"] == []
        with pytest.raises(TimeoutError):
            listener.accept()
    finally:
        listener.close()
    bad = get(endpoint, PERSONS, **{"default-graph-uri": "not an iri"})
    assert bad.status_code == 400 and "not an IRI" in bad.text


def test_relative_iris_resolve_against_the_endpoints_iri(endpoint):
    """Issue 9.6 (W3C protocol test query_content_type_construct): a query without BASE has the
    endpoint's published IRI (<base>sparql) as its base, whatever Host the client used; the seal
    resolves FROM and SERVICE targets against it as the engine does."""
    r = get(endpoint, "CONSTRUCT { <s> <p> 1 } WHERE {}", headers={"Host": "elsewhere.example"})
    assert r.status_code == 200, r.text
    (triple,) = ox.parse(r.content, format=ox.RdfFormat.TURTLE)
    assert triple.subject == ox.NamedNode("https://w3id.org/kz-masimov/s")
    assert select_values(get(endpoint, "SELECT ?x WHERE { BIND(<id/masimov> AS ?x) }"), "x") == [ID + "masimov"]
    # BASE in the query still wins
    assert select_values(get(endpoint, "BASE <http://other.example/a/> SELECT ?x WHERE { BIND(<d> AS ?x) }"), "x") == [
        "http://other.example/a/d"]
    # FROM a held graph, written relative: allowed, and it is that graph
    r = get(endpoint, "SELECT ?o FROM <id/claim/c02> WHERE { ?s ?p ?o } ORDER BY ?o")
    assert select_values(r, "o") == [ID + "knb", "prime minister"]
    # SERVICE written relative is the endpoint's own IRI: not allowlisted, refused by its full IRI
    r = get(endpoint, "SELECT * WHERE { SERVICE <sparql> { ?s ?p ?o } }")
    assert r.status_code == 400 and "SERVICE <https://w3id.org/kz-masimov/sparql> is refused" in r.text


def test_two_query_parameters_is_400(endpoint):
    r = httpx.get(endpoint.url + "/sparql", params=[("query", "ASK {}"), ("query", "ASK {}")])
    assert r.status_code == 400
    assert "More than one query" in r.text


def test_wrong_media_type_is_415(endpoint):
    r = httpx.post(endpoint.url + "/sparql", content=b"ASK {}", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    assert "application/sparql-query" in r.text


@pytest.mark.parametrize(
    "kwargs",
    [
        {"data": {"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}},
        {"content": b"INSERT DATA { <urn:a> <urn:b> <urn:c> }",
         "headers": {"Content-Type": "application/sparql-update"}},
        {"data": {"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}},
        {"data": {"query": "DELETE WHERE { ?s ?p ?o }"}},
        {"data": {"query": "CLEAR ALL"}},
    ],
)
def test_updates_are_refused(endpoint, kwargs):
    r = httpx.post(endpoint.url + "/sparql", **kwargs)
    assert r.status_code == 400
    assert "read-only" in r.text
    assert get(endpoint, f"ASK {{ <{ID}masimov> ?p ?o }}").json()["boolean"] is True


def test_other_methods_are_405(endpoint):
    r = httpx.put(endpoint.url + "/sparql", content=b"x")
    assert r.status_code == 405
    assert "GET" in r.headers["allow"] and "POST" in r.headers["allow"]


def test_406_lists_offered_types(endpoint):
    r = get(endpoint, PERSONS, headers={"Accept": "image/png"})
    assert r.status_code == 406
    for media in ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                  "text/tab-separated-values"):
        assert media in r.text
    assert r.headers["vary"].startswith("Accept")
    r = get(endpoint, CONSTRUCT, format="csv")
    assert r.status_code == 406 and "text/turtle" in r.text


def test_head_and_options(endpoint):
    head = httpx.head(endpoint.url + "/sparql", params={"query": PERSONS})
    full = get(endpoint, PERSONS)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == full.headers["content-type"]
    assert head.headers["content-length"] == full.headers["content-length"]
    opt = httpx.options(endpoint.url + "/sparql")
    assert opt.status_code == 204
    assert "POST" in opt.headers["allow"]


def test_cors_for_reads(endpoint):
    r = get(endpoint, PERSONS, headers={"Origin": "https://example.org"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in r.headers
    pre = httpx.options(
        endpoint.url + "/sparql",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"},
    )
    assert pre.status_code == 200
    assert pre.headers["access-control-allow-origin"] == "*"
    assert "POST" in pre.headers["access-control-allow-methods"]


# ---- 2. Content negotiation ----------------------------------------------------------------

@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv;q=0.5, text/tab-separated-values;q=0.9", "text/tab-separated-values"),
        ("text/*", "text/csv"),
        ("text/*;q=0.2, application/sparql-results+xml;q=0.1", "text/csv"),
        ("application/sparql-results+xml;q=0.4, */*;q=0.5", "application/sparql-results+json"),
        ("text/html, application/xhtml+xml, application/xml;q=0.9, */*;q=0.8", "application/sparql-results+xml"),
        ("application/json", "application/sparql-results+json"),
        ("application/sparql-results+json;q=0, */*", "application/sparql-results+xml"),
    ],
)
def test_select_negotiation(endpoint, accept, expected):
    r = get(endpoint, PERSONS, headers={"Accept": accept} if accept else {})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == expected
    assert "Accept" in r.headers["vary"]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("application/n-triples;q=0.9, application/rdf+xml", "application/rdf+xml"),
        ("application/*;q=0.5, text/turtle;q=0.1", "application/ld+json"),
        ("application/trig", "application/trig"),
        ("application/n-quads, text/turtle;q=0.5", "application/n-quads"),
    ],
)
def test_graph_negotiation(endpoint, accept, expected):
    r = get(endpoint, CONSTRUCT, headers={"Accept": accept} if accept else {})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == expected
    assert "Accept" in r.headers["vary"]
    fmt = ox.RdfFormat.from_media_type(expected)
    assert len(list(ox.parse(r.content, format=fmt))) > 5


@pytest.mark.parametrize(
    ("fmt", "query", "media"),
    [
        ("json", PERSONS, "application/sparql-results+json"),
        ("xml", PERSONS, "application/sparql-results+xml"),
        ("csv", PERSONS, "text/csv"),
        ("tsv", PERSONS, "text/tab-separated-values"),
        ("ttl", CONSTRUCT, "text/turtle"),
        ("jsonld", CONSTRUCT, "application/ld+json"),
        ("nt", CONSTRUCT, "application/n-triples"),
        ("rdfxml", CONSTRUCT, "application/rdf+xml"),
        ("trig", CONSTRUCT, "application/trig"),
        ("nq", CONSTRUCT, "application/n-quads"),
    ],
)
def test_format_override_beats_accept(endpoint, fmt, query, media):
    r = get(endpoint, query, headers={"Accept": "application/sparql-results+xml, text/turtle"}, format=fmt)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == media


def test_result_formats_parse(endpoint):
    expected = [ID + "masimov", ID + "nazarbayev", ID + "tokayev"]
    csv_rows = list(csv.reader(io.StringIO(get(endpoint, PERSONS, format="csv").text)))
    assert csv_rows == [["p"], *([iri] for iri in expected)]
    for media in ("application/sparql-results+json", "application/sparql-results+xml",
                  "text/tab-separated-values"):
        r = get(endpoint, PERSONS, headers={"Accept": media})
        parsed = ox.parse_query_results(r.content, format=ox.QueryResultsFormat.from_media_type(media))
        assert [row["p"].value for row in parsed] == expected
    ask = get(endpoint, "ASK { ?s ?p ?o }", headers={"Accept": "application/sparql-results+xml"})
    assert bool(ox.parse_query_results(ask.content, format=ox.QueryResultsFormat.XML))


def test_language_tags_and_datatypes_survive(endpoint):
    q = f"SELECT ?l ?n WHERE {{ <{ID}masimov> <http://www.w3.org/2000/01/rdf-schema#label> ?l . <{ID}article> <https://schema.org/wordCount> ?n }}"
    rows = get(endpoint, q).json()["results"]["bindings"]
    assert {r["l"].get("xml:lang") for r in rows} == {"en", "kk"}
    assert rows[0]["n"]["datatype"] == "http://www.w3.org/2001/XMLSchema#integer"


# ---- 7. Errors -------------------------------------------------------------------------------

def test_syntax_error_is_400_with_line_and_column(endpoint):
    r = get(endpoint, "SELECT *\nWHERE { ?s ?p }")
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("text/plain")
    assert "line 2, column" in r.text
    j = get(endpoint, "SELECT *\nWHERE { ?s ?p }", headers={"Accept": "application/json"})
    assert j.status_code == 400
    body = j.json()
    assert body["line"] == 2 and body["column"] > 0 and "syntax" in body["message"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"content": b"SELECT * WHERE { ?s ?p \xff\xfe }", "headers": {"Content-Type": "application/sparql-query"}},
        {"content": b"query=SELECT%20%FF", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
        {"data": {"query": "   "}},
        {"data": {"query": ""}},
        {"content": b"", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
    ],
)
def test_bad_or_empty_query_is_400(endpoint, kwargs):
    r = httpx.post(endpoint.url + "/sparql", **kwargs)
    assert r.status_code == 400, r.text


def test_invalid_utf8_in_get_is_400(endpoint):
    r = httpx.get(endpoint.url + "/sparql?query=ASK%20%7B%7D%FF")
    assert r.status_code == 400
    assert "UTF-8" in r.text


@pytest.mark.parametrize(
    "query",
    [
        "SELECT (1/0 AS ?x) WHERE {}",
        "SELECT * WHERE { ?s ?p ?o FILTER(REGEX(?o, '(')) }",
        "SELECT * WHERE { BIND(<relative> AS ?x) }",
        "SELECT ?x WHERE { ?x <urn:p> ?y } GROUP BY ?y",
        "DESCRIBE ?x",
        "\u0000",
        "SELECT * WHERE { ?s ?p '\udcff' }",
    ],
)
def test_no_error_path_gives_500(endpoint, query):
    r = httpx.post(endpoint.url + "/sparql", data={"query": query.encode("utf-8", "surrogatepass")})
    assert r.status_code < 500, r.text
    assert "Traceback" not in r.text


def test_access_log_has_one_line_per_request(endpoint):
    marker = "SELECT ?log_marker WHERE { ?log_marker ?p ?o } LIMIT 1"
    assert get(endpoint, marker).status_code == 200

    lines = [ln for ln in endpoint.log().splitlines() if query_hash(marker) in ln]
    assert len(lines) == 1
    assert "GET /sparql 200 " in lines[0] and "ms " in lines[0]


def test_json_error_is_valid_json(endpoint):
    r = get(endpoint, PERSONS, headers={"Accept": "image/png, application/json;q=0.1"})
    # application/json is acceptable for SELECT, so this is not an error at all
    assert r.status_code == 200
    r = get(endpoint, "SELECT WHERE", format="json")
    assert r.status_code == 400 and json.loads(r.text)["status"] == 400


def test_the_publications_prefixes_are_predeclared(endpoint):
    """Issue 9.7: a newcomer's first queries work without PREFIX lines for the publication's
    prefixes (also inside a FILTER, where a missing rdf: used to read 'expected LANGMATCHES')."""
    r = get(endpoint, "SELECT ?p WHERE { ?p a schema:Person } ORDER BY ?p")
    assert r.status_code == 200, r.text
    assert r.json() == get(endpoint, PERSONS).json()
    r = get(endpoint, "SELECT ?s WHERE { ?s ?p ?o FILTER(?p = rdf:type && ?o = schema:Person) }")
    assert r.status_code == 200 and r.json()["results"]["bindings"], r.text
    # a query's own PREFIX still wins over the predeclared one
    r = get(endpoint, "PREFIX schema: <http://example.org/> ASK { ?p a schema:Person }")
    assert r.status_code == 200 and r.json()["boolean"] is False


@pytest.mark.parametrize(("query", "says"), [
    ("SELECT * WHERE { ?s foo:bar ?o }", "prefix `foo:` is not declared; add `PREFIX foo: <…>`"),
    ("SELECT * WHERE { ?s wdt:P31 ?o }",
     "prefix `wdt:` is not declared; add `PREFIX wdt: <http://www.wikidata.org/prop/direct/>`"),
    ("SELECT * WHERE { ?s ?p id:claim/c16 }", "id:claim/c16 is not a prefixed name"),
])
def test_an_undeclared_prefix_gets_one_clear_line(endpoint, query, says):
    r = get(endpoint, query)
    assert r.status_code == 400
    assert says in r.text and len(r.text.strip().splitlines()) == 1, r.text
