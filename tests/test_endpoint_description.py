"""Issue 3, point 5: Service Description on GET /sparql and VoID on /.well-known/void."""

from __future__ import annotations

import httpx
import pyoxigraph as ox
import pytest

from conftest import ENDPOINT_TEST_ENV, FIXTURES, serve_process, site_client
from ldpub.formats import FORMATS
from ldpub.settings import load_settings
from ldpub.store import load_store
from ldpub.void import void_quads
from ldpub.web import sparql

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
ID = "https://w3id.org/kz-masimov/id/"


def sd_store(response: httpx.Response) -> ox.Store:
    assert response.status_code == 200, response.text
    store = ox.Store()
    media = response.headers["content-type"].split(";")[0]
    store.load(response.content, format=ox.RdfFormat.from_media_type(media))
    return store


def one(store: ox.Store, query: str):
    rows = list(store.query(query))
    assert len(rows) == 1, rows
    return rows[0]


def test_sd_in_turtle_and_jsonld(endpoint):
    for accept in ("text/turtle", "application/ld+json"):
        r = httpx.get(endpoint.url + "/sparql", headers={"Accept": accept})
        assert r.headers["content-type"].startswith(accept)
        assert "Accept" in r.headers["vary"]
        store = sd_store(r)
        row = one(store, f"PREFIX sd: <{SD}> SELECT ?e WHERE {{ ?s a sd:Service ; sd:endpoint ?e ; sd:supportedLanguage sd:SPARQL11Query }}")
        assert row["e"].value == endpoint.url + "/sparql"
        formats = {r["f"].value for r in store.query(f"SELECT ?f WHERE {{ ?s <{SD}resultFormat> ?f }}")}
        assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in formats
        # every result and RDF format of the registry (ldpub.formats), and nothing else
        assert formats == {f.w3c_iri for f in FORMATS if f.kind in ("results", "rdf")}
        assert {"http://www.w3.org/ns/formats/JSON-LD", "http://www.w3.org/ns/formats/N3",
                "http://www.w3.org/ns/formats/SPARQL_Results_TSV"} <= formats
        assert bool(store.query(f"ASK {{ ?s <{SD}feature> ?f }}"))


def test_sd_default_dataset_with_void_counts(endpoint):
    store = sd_store(httpx.get(endpoint.url + "/sparql?format=ttl"))
    row = one(store, f"""PREFIX sd: <{SD}> PREFIX void: <{VOID}>
        SELECT ?n ?t WHERE {{ ?s sd:defaultDataset ?d . ?d sd:defaultGraph ?g . ?g void:triples ?n .
                              ?d void:triples ?t }}""")
    assert int(row["n"].value) == 51  # the fixture's default graph
    assert int(row["t"].value) == 54  # distinct triples over all graphs
    names = {r["n"].value for r in store.query(f"SELECT ?n WHERE {{ ?d <{SD}namedGraph> ?g . ?g <{SD}name> ?n }}")}
    assert names == {f"{ID}claim/c01", f"{ID}claim/c02", f"{ID}claim/c03"}


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"X-Forwarded-Proto": "https", "X-Forwarded-Host": "data.example.org"}, "https://data.example.org/sparql"),
        ({"X-Forwarded-Proto": "https", "X-Forwarded-Host": "data.example.org",
          "X-Forwarded-Prefix": "/kz/"}, "https://data.example.org/kz/sparql"),
        ({"Host": "alias.example:8080"}, "http://alias.example:8080/sparql"),
    ],
)
def test_sd_endpoint_is_the_url_the_client_used(endpoint, headers, expected):
    store = sd_store(httpx.get(endpoint.url + "/sparql", headers={"Accept": "text/turtle", **headers}))
    assert one(store, f"SELECT ?e WHERE {{ ?s <{SD}endpoint> ?e }}")["e"].value == expected


def test_forwarded_headers_count_only_from_a_trusted_proxy(tmp_path):
    # This test's client (127.0.0.1) is not the configured proxy: its X-Forwarded-* must not
    # choose the URLs the server writes; the Host it connected to still counts.
    env = {**ENDPOINT_TEST_ENV, "LDPUB_FORWARDED_ALLOW_IPS": "192.0.2.1"}
    with serve_process([FIXTURES / "endpoint.trig"], env, log_dir=tmp_path) as served:
        headers = {"Accept": "text/turtle", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}
        store = sd_store(httpx.get(served.url + "/sparql", headers=headers))
        assert one(store, f"SELECT ?e WHERE {{ ?s <{SD}endpoint> ?e }}")["e"].value == served.url + "/sparql"


def test_browser_gets_html(endpoint):
    r = httpx.get(endpoint.url + "/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "Accept" in r.headers["vary"]


def test_well_known_void(endpoint):
    r = httpx.get(endpoint.url + "/.well-known/void")
    assert r.headers["content-type"].startswith("text/turtle")
    store = sd_store(r)
    row = one(store, f"""PREFIX void: <{VOID}> SELECT * WHERE {{
        ?d a void:Dataset ; void:sparqlEndpoint ?e ; void:triples ?t ; void:distinctSubjects ?s ;
           void:entities ?n ; void:classes ?c ; void:properties ?p }}""")
    assert row["d"].value == ID + "dataset"
    assert row["e"].value == endpoint.url + "/sparql"
    assert int(row["t"].value) == 54 and int(row["c"].value) == 9 and int(row["p"].value) == 11
    examples = [r["x"].value for r in store.query(f"SELECT ?x WHERE {{ ?d <{VOID}exampleResource> ?x }}")]
    # the fixture's id:article has no kzm:textFile (no article by its RDF shape): the examples are
    # the most described subjects
    assert sorted(examples) == [ID + "claim/c01", ID + "claim/c02", ID + "masimov"]
    persons = one(store, f"""PREFIX void: <{VOID}> SELECT ?n WHERE {{
        ?d void:classPartition ?cp . ?cp void:class <https://schema.org/Person> ; void:entities ?n }}""")
    assert int(persons["n"].value) == 3
    jsonld = httpx.get(endpoint.url + "/.well-known/void", headers={"Accept": "application/ld+json"})
    assert len(sd_store(jsonld)) == len(store)


def test_void_data_dump_lists_dist_dumps(tmp_path):
    """void:dataDump comes from the dumps present in dist/ (plain function, no HTTP)."""

    settings = load_settings()
    store = load_store([FIXTURES / "endpoint.trig"])
    quads = void_quads(store, settings, distributions=["https://example.org/dumps/dataset.trig"])
    dumps = [q.object.value for q in quads if q.predicate.value == VOID + "dataDump"]
    assert dumps == ["https://example.org/dumps/dataset.trig"]
    assert all(not isinstance(q.subject, ox.BlankNode) for q in quads)


def test_service_description_lists_the_predeclared_prefixes(endpoint):
    r = httpx.get(endpoint.url + "/sparql", headers={"Accept": "text/turtle"})
    store = sd_store(r)
    found = {(row["p"].value, row["n"].value) for row in store.query(
        "PREFIX sh: <http://www.w3.org/ns/shacl#> SELECT ?p ?n WHERE { ?s sh:declare ?d . ?d sh:prefix ?p ; sh:namespace ?n }")}
    assert ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#") in found
    assert ("kzm", "https://w3id.org/kz-masimov/def#") in found and ("claim", "https://w3id.org/kz-masimov/id/claim/") in found


def test_void_and_service_description_are_written_once_per_url_and_format(monkeypatch):
    """Issue 10.11: VoID and the service description as JSON-LD took 25-35 ms every time; they are
    written once per public URL and format (a bounded memo: the URL comes from the client)."""
    calls = []
    real = sparql.rdf_answer
    monkeypatch.setattr(sparql, "rdf_answer", lambda *args: calls.append(args[1]) or real(*args))
    client = site_client([FIXTURES / "site" / "dataset.trig"])
    for _ in range(3):
        for path in ("/.well-known/void", "/sparql"):
            r = client.get(path, headers={"Accept": "application/ld+json"})
            assert r.status_code == 200 and r.json()
    assert calls == ["application/ld+json", "application/ld+json"]
    for i in range(sparql.DOCUMENTS_KEPT + 10):  # many hosts: the memo stays bounded
        client.get("/.well-known/void", headers={"Accept": "application/ld+json", "Host": f"h{i}.example"})
    assert len(client.app.state.endpoint.documents) <= sparql.DOCUMENTS_KEPT
