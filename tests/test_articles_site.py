"""Issue 11: the site shows each article. The shipped data and a second article
(tests/fixtures/second-article-site, wired in conftest) built together and served by real uvicorn;
every expectation is read from the built dataset, not written here."""

from __future__ import annotations

import html
import re
from collections import defaultdict

import httpx
import pyoxigraph as ox
import pytest

from conftest import SECOND_ARTICLE_IRI

BASE = "https://w3id.org/kz-masimov/"
FIRST = BASE + "id/article"
SECOND = SECOND_ARTICLE_IRI
KZM = BASE + "def#"
OA = "http://www.w3.org/ns/oa#"
VOID = "http://rdfs.org/ns/void#"
DCT = "http://purl.org/dc/terms/"


@pytest.fixture(scope="module")
def dataset(two_articles) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=str(two_articles.build.out_dir / "dataset.trig"), format=ox.RdfFormat.TRIG)
    return store


@pytest.fixture(scope="module")
def claims(dataset) -> dict[str, dict]:
    """claim IRI -> {article, exact, start, end}, from each claim's evidence in the built data."""
    query = f"""SELECT ?c ?a ?exact ?start ?end WHERE {{
        ?c <{KZM}evidence> ?e . ?e <{OA}hasSource> ?a ; <{OA}hasSelector> ?q , ?p .
        ?q <{OA}exact> ?exact . ?p <{OA}start> ?start ; <{OA}end> ?end }}"""
    return {r["c"].value: {"article": r["a"].value, "exact": r["exact"].value,
                           "start": int(r["start"].value), "end": int(r["end"].value)}
            for r in dataset.query(query)}


def path(iri: str) -> str:
    return "/" + iri.removeprefix(BASE)


def get(server, url: str) -> str:
    r = httpx.get(server.url + url, headers={"Accept": "text/html"}, timeout=30)
    assert r.status_code == 200, (url, r.status_code)
    return r.text


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def by_article(claims: dict[str, dict]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for claim, c in claims.items():
        out[c["article"]].add(claim)
    return out


def test_no_claim_of_one_article_is_drawn_on_the_other(two_articles_server, claims):
    assert set(by_article(claims)) == {FIRST, SECOND} and len(by_article(claims)[SECOND]) >= 6  # the build
    index = get(two_articles_server, "/article")
    for article, own in by_article(claims).items():
        view = "/article" + path(article)
        assert f'href="{view}"' in index, view
        page = get(two_articles_server, view)
        drawn = {BASE + h.lstrip("/") for h in re.findall(r'class="badge mini st-[\w-]+" href="([^"]+)"', page)}
        assert drawn and drawn <= own, (article, sorted(drawn - own))
        # each underlined quote lies inside a quote of this article's own claims (no "se|curity")
        quoted = [text_of(q) for q in re.findall(r'<span class="q">(.*?)</span>', page, re.S)]
        assert quoted and all(any(q in claims[c]["exact"] for c in own) for q in quoted), article


def test_both_texts_are_reached_from_the_article_index(two_articles_server, two_articles):
    index = get(two_articles_server, "/article")
    links = re.findall(r'<a class="art-link" href="([^"]+)">([^<]+)</a>', index)
    assert {href for href, _ in links} == {"/article/id/article", "/article" + path(SECOND)}
    for href, label in links:
        body = " ".join(text_of(get(two_articles_server, href)).split())
        assert label in body
    first = " ".join(text_of(get(two_articles_server, "/article/id/article")).split())
    second = " ".join(text_of(get(two_articles_server, "/article" + path(SECOND))).split())
    assert "enforcement bloc of the country" in first and "behind closed doors" not in first
    assert "behind closed doors" in second and "enforcement bloc of the country" not in second
    # a path that names no article with a text is a 404 (never a 500)
    for bad in ("/article/id/nothing", "/article/id/claim/c01", "/article/%ff", "/article/id/article/"):
        r = httpx.get(two_articles_server.url + bad, timeout=30)
        assert r.status_code == 404, bad


def test_claim_c01_shows_its_2017_quote(two_articles_server, claims):
    page = get(two_articles_server, "/id/claim/c01")
    marks = [text_of(m) for m in re.findall(r"<mark>(.*?)</mark>", page, re.S)]
    assert marks[:1] == [claims[BASE + "id/claim/c01"]["exact"]] == ["On the rise of Karim Masimov"]
    assert 'href="/article/id/article"' in page


def test_each_claim_page_shows_the_quote_from_its_own_article(two_articles_server, claims):
    """Every claim of both articles: its page marks its own quote, taken from its own article's
    text, and links to that text."""
    assert len(by_article(claims)[SECOND]) >= 6
    for claim, c in sorted(claims.items()):
        page = get(two_articles_server, path(claim))
        section = page[page.index('class="claim-self"'):]
        marks = [text_of(m) for m in re.findall(r"<mark>(.*?)</mark>", section, re.S)]
        assert marks[:1] == [c["exact"]], claim
        assert f'href="/article{path(c["article"])}"' in section, claim


def test_the_landing_lists_both_articles(two_articles_server, dataset):
    page = get(two_articles_server, "/")
    for article in (FIRST, SECOND):
        label = next(dataset.quads_for_pattern(ox.NamedNode(article), ox.NamedNode(
            "http://www.w3.org/2000/01/rdf-schema#label"), None, ox.DefaultGraph())).object.value
        assert f'<a class="art-link" href="/article{path(article)}">{html.escape(label)}</a>' in page
    assert "one article" not in page
    title = next(dataset.quads_for_pattern(ox.NamedNode(BASE + "id/dataset"), ox.NamedNode(DCT + "title"),
                                           None, ox.DefaultGraph())).object.value
    assert f"<h1>{html.escape(title)}</h1>" in page


def test_an_entity_page_groups_claims_by_article(two_articles_server, claims, dataset):
    page = get(two_articles_server, "/id/karim-masimov")
    sections = re.findall(r'<section class="by-article">(.*?)</section>', page, re.S)
    heads = [re.search(r'<h3 class="article-head">In <a href="([^"]+)"', s).group(1) for s in sections]
    assert heads == [path(FIRST), path(SECOND)]
    mentions = {q.subject.value for q in dataset.quads_for_pattern(
        None, ox.NamedNode(KZM + "mentions"), ox.NamedNode(BASE + "id/karim-masimov"), ox.DefaultGraph())}
    for article, section in zip((FIRST, SECOND), sections, strict=True):
        shown = {BASE + h.lstrip("/") for h in re.findall(r'<h3><a class="badge st-[\w-]+" href="([^"]+)"', section)}
        assert shown and shown <= by_article(claims)[article], article
        assert shown == {c for c in mentions if claims.get(c, {}).get("article") == article}, article


def void_graph(turtle: bytes) -> ox.Store:
    store = ox.Store()
    store.load(turtle, format=ox.RdfFormat.TURTLE)
    return store


def test_void_has_a_subset_per_article_with_counts_that_add_up(two_articles_server, two_articles, dataset, claims):
    served = httpx.get(two_articles_server.url + "/.well-known/void", timeout=30)
    assert served.status_code == 200
    expected = defaultdict(int)  # triples in the claim graphs of each article, counted here
    for claim, c in claims.items():
        expected[c["article"]] += sum(1 for _ in dataset.quads_for_pattern(None, None, None, ox.NamedNode(claim)))
    for void in (void_graph(served.content), void_graph((two_articles.build.out_dir / "void.ttl").read_bytes())):
        rows = void.query(f"""SELECT ?a ?n ?x WHERE {{ <{BASE}id/dataset> <{VOID}subset> ?s .
            ?s <{DCT}source> ?a ; <{VOID}triples> ?n ; <{VOID}exampleResource> ?x }}""")
        subsets = {r["a"].value: (int(r["n"].value), r["x"].value) for r in rows}
        assert subsets == {a: (n, a) for a, n in expected.items()}
        named = next(iter(void.query(f"""SELECT ?n WHERE {{ <{BASE}id/dataset#named-graphs> <{VOID}triples> ?n }}""")))
        assert sum(n for n, _ in subsets.values()) == int(named["n"].value)  # every named graph is a claim's
        examples = {r["x"].value for r in void.query(
            f"SELECT ?x WHERE {{ <{BASE}id/dataset> <{VOID}exampleResource> ?x }}")}
        assert {FIRST, SECOND} <= examples
