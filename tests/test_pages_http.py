"""The linked-data site over HTTP (in-process): dereferencing every IRI in every format, content
negotiation, caching headers, 404s, proxies, downloads."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import shutil
from html.parser import HTMLParser

import pyoxigraph as ox
import pytest

from conftest import SITE_FIXTURE, site_client
from ldpub.linking import client as wdclient
from ldpub.linking import enrichment
from ldpub.linking import links as linkfile
from ldpub.site.views import PAGES

BASE = "https://w3id.org/kz-masimov/"
RDF_FORMATS = {
    "text/turtle": (ox.RdfFormat.TURTLE, "ttl"),
    "application/ld+json": (ox.RdfFormat.JSON_LD, "jsonld"),
    "application/n-triples": (ox.RdfFormat.N_TRIPLES, "nt"),
    "application/rdf+xml": (ox.RdfFormat.RDF_XML, "rdf"),
    "application/trig": (ox.RdfFormat.TRIG, "trig"),
    "application/n-quads": (ox.RdfFormat.N_QUADS, "nq"),
}
HOSTILE = ("<script>alert(1)</script>", "</script><script>alert(2)</script>", "<img src=x onerror=alert(3)>")


@pytest.fixture(scope="module")
def fixture_client():
    return site_client([SITE_FIXTURE], data_dir=str(SITE_FIXTURE.parent))


@pytest.fixture(scope="module")
def dist_client(build_result):
    return site_client([build_result.out_dir / "dataset.trig"], dist_dir=str(build_result.out_dir))


def subject_documents(client) -> list[str]:
    """Every subject IRI (and graph name) under the base, as the document that answers for it."""
    store = client.app.state.dataset
    iris = {q.subject.value for q in store if isinstance(q.subject, ox.NamedNode)}
    iris |= {g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)}
    return sorted({i.split("#", 1)[0] for i in iris if i.startswith(BASE)})


def path_of(iri: str) -> str:
    return "/" + iri[len(BASE):]


class Checker(HTMLParser):
    """Collects the <title>, and every tag/attribute (to prove no hostile markup got through)."""

    def __init__(self) -> None:
        super().__init__()
        self.title = ""
        self.in_title = False
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.in_title = tag == "title"
        self.in_script = tag == "script"

    def handle_endtag(self, tag):
        self.in_title = self.in_script = False

    def handle_data(self, data):
        if self.in_title:
            self.title += data
        if self.in_script:
            self.scripts.append(data)


def check_html(text: str) -> Checker:
    checker = Checker()
    checker.feed(text)
    assert checker.title.strip(), "an HTML page without a <title>"
    for tag, attrs in checker.tags:
        assert tag != "img", "hostile <img> rendered as markup"
        assert not any(name.startswith("on") for name in attrs), f"event handler attribute on <{tag}>"
        if tag == "script":
            assert attrs.get("type") == "application/ld+json" or attrs.get("src", "").endswith(
                ("/static/query.js", "/static/vendor/codemirror/codemirror.min.js"))
    for hostile in HOSTILE:
        assert hostile not in text
    return checker


def check_rdf(body: bytes, media: str) -> int:
    fmt, _ = RDF_FORMATS[media]
    return len(list(ox.parse(body, format=fmt)))


@pytest.mark.parametrize("which", ["fixture", "dist"])
def test_every_subject_dereferences_in_every_format(which, request):
    client = request.getfixturevalue(f"{which}_client")
    docs = subject_documents(client)
    assert len(docs) > 10
    for iri in docs:
        path = path_of(iri)
        html = client.get(path, headers={"Accept": "text/html"})
        assert html.status_code == 200, path
        assert html.headers["content-type"].startswith("text/html")
        check_html(html.text)
        for media, (_, ext) in RDF_FORMATS.items():
            negotiated = client.get(path, headers={"Accept": media})
            assert negotiated.status_code == 200, (path, media)
            assert negotiated.headers["content-type"].split(";")[0] == media
            assert check_rdf(negotiated.content, media) > 0, (path, media)
            by_suffix = client.get(f"{path}.{ext}")
            assert by_suffix.status_code == 200 and by_suffix.content == negotiated.content, (path, ext)


def test_hash_iris_answer_through_their_document(fixture_client):
    html = fixture_client.get("/id/claim/c01", headers={"Accept": "text/html"}).text
    for anchor in ("evidence", "quote", "position"):
        assert f'id="{anchor}"' in html
    ontology = fixture_client.get("/def", headers={"Accept": "text/html"}).text
    assert 'id="Claim"' in ontology and 'id="chairs"' in ontology
    shapes = fixture_client.get("/shapes", headers={"Accept": "text/html"}).text
    assert 'id="ClaimShape"' in shapes and "exactly 1" in shapes
    turtle = fixture_client.get("/def", headers={"Accept": "text/turtle"}).content
    subjects = {t.subject.value for t in ox.parse(turtle, format=ox.RdfFormat.TURTLE)}
    assert BASE + "def#Claim" in subjects and BASE + "def" in subjects
    shapes_ttl = fixture_client.get("/shapes.ttl").content
    assert BASE + "shapes#ClaimShape" in {t.subject.value for t in ox.parse(shapes_ttl, format=ox.RdfFormat.TURTLE)}


def test_headers_link_vary_content_location(fixture_client):
    r = fixture_client.get("/id/cns", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert "Accept" in r.headers["vary"]
    assert r.headers["content-location"] == "/id/cns.ttl"
    link = r.headers["link"]
    for ext, media in (("ttl", "text/turtle"), ("jsonld", "application/ld+json"), ("nt", "application/n-triples"),
                       ("rdf", "application/rdf+xml"), ("html", "text/html")):
        assert f'</id/cns.{ext}>; rel="alternate"; type="{media}"' in link
    assert 'rel="describedby"' in link


def test_etag_and_last_modified_give_304(fixture_client):
    for path, accept in (("/id/cns", "text/turtle"), ("/id/cns", "text/html"), ("/", "text/html"),
                         ("/article", "text/html"), ("/def.jsonld", "*/*")):
        first = fixture_client.get(path, headers={"Accept": accept})
        etag = first.headers["etag"]
        assert first.headers.get("last-modified")
        again = fixture_client.get(path, headers={"Accept": accept, "If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == etag
        stale = fixture_client.get(path, headers={"Accept": accept, "If-None-Match": '"other"'})
        assert stale.status_code == 200
    # a different format is a different representation: its own ETag
    html = fixture_client.get("/id/cns", headers={"Accept": "text/html"}).headers["etag"]
    assert html != fixture_client.get("/id/cns", headers={"Accept": "text/turtle"}).headers["etag"]


def test_browser_and_rdf_clients_get_what_they_ask_for(fixture_client):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert fixture_client.get("/id/cns", headers={"Accept": browser}).headers["content-type"].startswith("text/html")
    rapper = "text/turtle,application/x-turtle;q=0.9,*/*;q=0.1"
    assert fixture_client.get("/id/cns", headers={"Accept": rapper}).headers["content-type"].startswith("text/turtle")
    assert fixture_client.get("/id/cns", headers={"Accept": "image/png"}).status_code == 406


def test_claim_graph_travels_in_quad_formats_only(fixture_client):
    trig = fixture_client.get("/id/claim/c04.trig").content
    quads = list(ox.parse(trig, format=ox.RdfFormat.TRIG))
    assert any(q.graph_name == ox.NamedNode(BASE + "id/claim/c04") for q in quads)
    ttl = fixture_client.get("/id/claim/c04.ttl")
    assert ttl.text.startswith("# Triples asserted only inside claim graphs")
    triples = list(ox.parse(ttl.content, format=ox.RdfFormat.TURTLE))
    assert not any(t.predicate.value == BASE + "def#prepares" for t in triples)


def test_unknown_iri_is_a_helpful_404_in_the_negotiated_format(fixture_client):
    html = fixture_client.get("/id/karim-masimof", headers={"Accept": "text/html"})
    assert html.status_code == 404 and html.headers["content-type"].startswith("text/html")
    check_html(html.text)
    assert "/id/karim-masimov" in html.text  # a suggestion
    for media in RDF_FORMATS:
        r = fixture_client.get("/id/karim-masimof", headers={"Accept": media})
        assert r.status_code == 404 and r.headers["content-type"].split(";")[0] == media
        assert check_rdf(r.content, media) >= 1
    assert fixture_client.get("/id/nothing.ttl").status_code == 404


def test_proxy_headers_map_the_base_iri(fixture_client):
    """A trusted proxy's prefix maps our IRIs under it; its host never enters a page or a Link:
    links are root-relative (issue 10: host-header poisoning)."""
    headers = {"Accept": "text/html", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "data.example.org",
               "X-Forwarded-Prefix": "/kz"}
    html = fixture_client.get("/id/karim-masimov", headers=headers).text
    assert 'href="/kz/id/cns"' in html
    assert 'href="/kz/static/site.css"' in html
    assert "data.example.org" not in html
    r = fixture_client.get("/id/cns", headers={**headers, "Accept": "text/turtle"})
    assert r.headers["content-location"] == "/kz/id/cns.ttl"
    assert "data.example.org" not in r.headers["link"]
    # the data keeps its canonical IRIs: the proxy's URL is in the headers only, never in the triples
    triples = list(ox.parse(r.content, format=ox.RdfFormat.TURTLE))
    assert ox.NamedNode(BASE + "id/cns") in {t.subject for t in triples}
    assert not any("data.example.org" in str(term) for t in triples for term in t)
    assert "data.example.org" not in r.text


def test_entity_page_content(fixture_client):
    html = fixture_client.get("/id/n-serikbaev").text
    checker = check_html(html)
    assert checker.title.startswith("N. Serikbaev")
    assert 'class="badge st-official-statement"' in html
    assert "<mark>Kyzylorda transport prosecutor N. Serikbaev was arrested for patronage of criminal groups</mark>" in html
    masimov = fixture_client.get("/id/karim-masimov").text
    assert 'href="http://www.wikidata.org/entity/Q312340"' in masimov
    assert "K. Masimov" in masimov
    ld = [s for s in check_html(masimov).scripts if s.strip()]

    assert json.loads(ld[0])["sameAs"] == ["http://www.wikidata.org/entity/Q312340"]


def test_hostile_labels_are_text(fixture_client):
    html = fixture_client.get("/id/xss-probe").text
    check_html(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "\\u003c/script\\u003e" in html  # inside the JSON-LD script
    assert "&lt;img src=x onerror=alert(3)&gt;" in html
    # a javascript: IRI in the data is shown as text, never as a live link
    assert "javascript:alert(4)" in html and 'href="javascript:' not in html.lower()
    landing = fixture_client.get("/").text
    check_html(landing)


def test_article_view(fixture_client):
    assert 'href="/article/id/article"' in fixture_client.get("/article").text  # the index links to it
    html = fixture_client.get("/article/id/article").text
    check_html(html)
    assert re.search(r'<a class="mention" href="/id/karim-masimov"[^>]*>Karim Masimov</a>', html)
    assert 'class="sent st-unnamed-source"' in html and 'class="sent st-forecast"' in html
    assert 'title="unnamed source: Akorda is preparing a decision strengthening the CNS"' in html
    assert 'class="legend"' in html


def test_landing_page(dist_client, build_result):
    html = dist_client.get("/").text
    check_html(html)
    sums = (build_result.out_dir / "SHA256SUMS").read_text()
    trig_sum = next(line.split()[0] for line in sums.splitlines() if line.endswith(" dataset.trig"))
    assert trig_sum in html and 'href="/download/dataset.trig"' in html
    assert 'href="/sparql"' in html and "creativecommons.org/licenses/by/4.0" in html
    assert 'href="/article"' in html
    c = build_result.counts  # issue 9.8: the statistics say what each number counts, as VoID does
    assert f"<th>triples in the default graph</th><td>{c['default_graph_triples']}</td>" in html
    assert f"<th>triples in the named graphs</th><td>{c['quads'] - c['default_graph_triples']}</td>" in html
    assert f"<th>distinct triples, in any graph (void:triples)</th><td>{c['distinct_triples']}</td>" in html
    turtle = dist_client.get("/", headers={"Accept": "text/turtle"})
    assert BASE + "id/dataset" in {t.subject.value for t in ox.parse(turtle.content, format=ox.RdfFormat.TURTLE)}


def test_query_page_lists_examples(fixture_client):
    html = fixture_client.get("/query").text
    check_html(html)
    assert "Which claims does the article make" in html and 'data-query="# Which claims' in html
    picked = fixture_client.get("/query", params={"example": "labels"}).text
    assert re.search(r'<option value="labels" data-query="[^"]*" selected>', picked)
    via_sparql = fixture_client.get("/sparql", headers={"Accept": "text/html"})
    assert via_sparql.status_code == 200 and 'id="query-app"' in via_sparql.text
    assert fixture_client.get("/queries/labels.rq").text.startswith("# What is labelled")


def test_downloads(dist_client, build_result):
    dist = build_result.out_dir
    plain = dist_client.get("/download/dataset.nt", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200
    assert plain.headers["content-type"] == "application/n-triples"
    assert int(plain.headers["content-length"]) == (dist / "dataset.nt").stat().st_size
    assert plain.content == (dist / "dataset.nt").read_bytes()
    assert "content-encoding" not in plain.headers
    zipped = dist_client.get("/download/dataset.nt", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert int(zipped.headers["content-length"]) == (dist / "dataset.nt.gz").stat().st_size
    assert zipped.content == (dist / "dataset.nt").read_bytes()  # httpx decodes it
    assert "Accept-Encoding" in zipped.headers["vary"]
    assert plain.headers["etag"] != zipped.headers["etag"]
    again = dist_client.get("/download/dataset.nt", headers={"Accept-Encoding": "identity",
                                                             "If-None-Match": plain.headers["etag"]})
    assert again.status_code == 304
    expected = hashlib.sha256((dist / "dataset.trig").read_bytes()).hexdigest()
    assert expected[:40] in dist_client.get("/download/dataset.trig", headers={"Accept-Encoding": "identity"}).headers["etag"]
    raw_gz = dist_client.get("/download/dataset.ttl.gz", headers={"Accept-Encoding": "identity"})
    assert raw_gz.headers["content-type"] == "application/gzip"
    assert gzip.decompress(raw_gz.content) == (dist / "dataset.ttl").read_bytes()
    for ctype, name in (("text/turtle", "dataset.ttl"), ("application/trig", "dataset.trig"),
                        ("application/n-quads", "dataset.nq"), ("application/ld+json", "dataset.jsonld")):
        assert dist_client.get("/download/" + name).headers["content-type"].split(";")[0] == ctype
    assert dist_client.get("/dumps/dataset.nq").status_code == 200  # the path the service description names
    for bad in ("../pyproject.toml", "..%2Fpyproject.toml", "nope.ttl", ".hidden"):
        assert dist_client.get("/download/" + bad).status_code == 404


def test_routes_do_not_shadow_the_endpoint(fixture_client):
    r = fixture_client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")


def test_article_beside_wikidata_when_enriched(wikidata_stand_in, tmp_path):
    """With an enrichment graph fetched (here from the local Wikidata stand-in) and a confirmed
    link, the entity page shows the article's facts beside Wikidata's."""


    data = tmp_path / "data"
    data.mkdir()
    links = data / "wikidata-links.ttl"
    shutil.copy(SITE_FIXTURE.parents[2].parent / "data" / "wikidata-links.ttl", links)
    linkfile.add_link(links, linkfile.Link(BASE + "id/karim-masimov", "Q9990001", "exact", "high", "fixture link",
                                         BASE + "id/agent/test", "test", False, "2026-01-01"), BASE)
    with wdclient.SparqlClient(wikidata_stand_in, min_interval=0) as client:
        enrichment.enrich_to_file(client, linkfile.read_links(links), data / "enrichment" / "wikidata.trig")
    client = site_client([SITE_FIXTURE], data_dir=str(data))
    html = client.get("/id/karim-masimov").text
    check_html(html)
    assert "The articles beside Wikidata" in html
    assert "Karim Massimov@en" in html and "Q9990001" in html
    assert "The articles beside Wikidata" not in client.get("/id/cns").text  # no link, no panel


def test_head_and_if_modified_since(fixture_client):
    get = fixture_client.get("/id/cns", headers={"Accept": "text/turtle"})
    head = fixture_client.head("/id/cns", headers={"Accept": "text/turtle"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    since = fixture_client.get("/id/cns", headers={"Accept": "text/turtle",
                                                   "If-Modified-Since": get.headers["last-modified"]})
    assert since.status_code == 304
    old = fixture_client.get("/id/cns", headers={"Accept": "text/turtle",
                                                 "If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})
    assert old.status_code == 200


def test_names_from_claims_are_not_shown_as_plain_names(dist_client):
    """An editors' identification (Kozhamzharov, Massimov) is a claim: the entity page and its
    schema.org JSON-LD never list it as a plain "also called" name (issue 9.1)."""
    for slug, other in (("kairat-kojamuratov", "Kozhamzharov"), ("karim-masimov", "Massimov")):
        html = dist_client.get(f"/id/{slug}").text
        ld = json.loads(next(s for s in check_html(html).scripts if s.strip()))
        assert not any(other in name for name in ld.get("alternateName", [])), ld
        also = re.search(r'<p class="alt">Also called:.*?</p>', html)
        assert also is None or other not in also.group(), also.group()


def test_links_to_a_resource_are_listed_once(dist_client):
    """Issue 9.10: an incoming link stated under a property and its aligned super-property
    (kzm:location and schema:location) is one row, not two."""
    for slug in ("cns", "kyzylorda", "karim-masimov", "kazakhstan"):
        html = dist_client.get(f"/id/{slug}").text
        start = html.find("Links to this resource")
        assert start > 0, slug
        rows = re.findall(r"<tr>(.*?)</tr>", html[start:html.find("</table>", start)], re.S)
        texts = [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]
        assert rows and len(texts) == len(set(texts)), (slug, [t for t in texts if texts.count(t) > 1])


def test_the_article_view_ends_where_the_article_does(dist_client):
    """Issue 9.9: the seed keeps the saved page's comment form byte for byte; the article view
    shows the article only (it ends at kzm:textEnd)."""
    text = re.sub(r"<[^>]+>", "", dist_client.get("/article/id/article").text)
    assert "enforcement bloc of the country" in text
    assert "Add comment" not in text and "Your e-mail will not be published" not in text


def test_every_page_view_of_the_registry_is_routed(dist_client):
    """A view module that names a PAGE is a page: no route is written by hand for it."""
    assert "/article" in {spec.path for spec in PAGES}
    for spec in PAGES:
        r = dist_client.get(spec.path.replace("{path:path}", "id/article"))
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), spec.path
