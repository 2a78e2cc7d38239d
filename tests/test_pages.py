"""The page logic (ldpub.site) as plain functions over a Store: no HTTP."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from ldpub.ns import RDF, RDFS
from ldpub.rdf import default_triples
from ldpub.site.describe import describe
from ldpub.site.model import Site, read_text_file
from ldpub.site.statuses import status_stylesheet
from ldpub.site.views.article import article_view
from ldpub.site.views.articles import articles_view
from ldpub.site.views.entity import entity_view, schema_org
from ldpub.site.views.landing import landing_view
from ldpub.site.views.ontology import ontology_view
from ldpub.web.render import json_script

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "tests" / "fixtures" / "site"
BASE = "https://w3id.org/kz-masimov/"
ID = BASE + "id/"


@pytest.fixture(scope="module")
def site() -> Site:
    store = ox.Store()
    store.bulk_load(path=str(SITE / "dataset.trig"), format=ox.RdfFormat.TRIG)
    shapes = ox.Store()
    shapes.bulk_load(path=str(SITE / "shapes.ttl"), format=ox.RdfFormat.TURTLE)
    return Site(store, BASE, ROOT, [shapes])


def test_labels_fall_back_to_local_name(site):
    assert site.label(ID + "karim-masimov") == "Karim Masimov"
    assert site.label(ID + "article-author") == "article-author"
    assert site.label(BASE + "def#chairs") == "chairs"
    assert site.alt_names(ID + "karim-masimov") == ["K. Masimov"]


def the_article(site: Site):
    """The fixture's one article (id/article) with its text."""
    article = site.article(ID + "article")
    assert article is not None and article.text is not None
    return article


def test_sentences_do_not_break_after_initials(site):
    article = the_article(site)
    text = article.text
    sentences = [text[s:e] for _, s, e in article.sentences]
    assert sentences[0] == "On the rise of Karim Masimov"
    assert any(s.startswith("Moreover, press release states that Kyzylorda transport prosecutor N. Serikbaev")
               and s.endswith("patronage of criminal groups.") for s in sentences)
    assert any("RK K. Masimov and his allies" in s for s in sentences)


def test_mentions_link_labels_alt_and_hidden_labels(site):
    text = the_article(site).text
    found = {(text[s:e], iri) for s, e, iri in site.mentions(the_article(site).iri, text)}
    assert ("Karim Masimov", ID + "karim-masimov") in found
    assert ("K. Masimov", ID + "karim-masimov") in found
    assert ("CNS", ID + "cns") in found
    # hiddenLabel, and the longest label wins over a shorter one inside it
    assert ("Committee on national security of Kazakhstan", ID + "cns") in found
    assert not any(iri == ID + "article" for _, iri in found)


def test_describe_claim_keeps_its_graph_and_hash_iris(site):
    quads = describe(site, ID + "claim/c04")
    graphs = {q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)}
    assert graphs == {ID + "claim/c04"}
    subjects = {q.subject.value for q in quads}
    assert {ID + "claim/c04#evidence", ID + "claim/c04#quote", ID + "claim/c04#position"} <= subjects
    triples = default_triples(quads)  # what a triple format (Turtle, N-Triples) carries
    assert all(t.predicate.value != BASE + "def#prepares" for t in triples)  # only in the claim graph
    assert len(triples) < len(quads)


def test_describe_entity_has_labels_and_claims(site):
    quads = describe(site, ID + "akorda-decision")
    assert any(isinstance(q.graph_name, ox.NamedNode) and q.predicate.value == RDF + "type" for q in quads)
    # the claims that mention it, with their status and label, in the default graph
    assert ox.Quad(ox.NamedNode(ID + "claim/c04"), ox.NamedNode(BASE + "def#mentions"),
                   ox.NamedNode(ID + "akorda-decision")) in quads
    assert any(q.subject.value == ID + "claim/c05" and q.predicate.value == BASE + "def#status" for q in quads)


def test_entity_view_shows_supporting_sentences(site):
    view = entity_view(site, ID + "n-serikbaev")
    assert [c.ref.iri for c in view["claims"]] == [ID + "claim/c02"]
    claim = view["claims"][0]
    assert claim.ref.slug == "official-statement" and claim.ref.status_label == "official statement"
    assert claim.sentence.quote == "Kyzylorda transport prosecutor N. Serikbaev was arrested for patronage of criminal groups"
    assert claim.sentence.before == "Moreover, press release states that "
    assert claim.sentence.after == "."


def test_entity_view_of_something_only_claimed(site):
    view = entity_view(site, ID + "akorda-decision")
    assert view["only_in_claims"]
    assert view["label"] == "decision strengthening the CNS"
    assert {c.ref.slug for c in view["claims"]} == {"unnamed-source", "forecast"}


def test_factual_triple_carries_its_claim_badge(site):
    rows = {r.predicate: r for r in entity_view(site, ID + "cns")["rows"]}
    value = rows[BASE + "def#announced"].values[0]
    assert [c.iri for c in value.claims] == [ID + "claim/c01"]


def test_schema_org_json_cannot_close_its_script(site):
    data = schema_org(site, ID + "xss-probe")
    text = str(json_script(data))
    assert "</script" not in text and "<" not in text
    assert json.loads(text)["name"].startswith("<script>alert(1)</script>")


def test_article_view_segments_cover_the_text_and_mark_claims(site):
    view = article_view(site, "id/article")
    article = the_article(site)
    text = article.text
    rebuilt = [seg["text"] for para in view["paragraphs"] for s in para for seg in s["segments"]]
    assert "".join(rebuilt).replace(" ", "") == "".join(text[s:e] for _, s, e in article.sentences).replace(" ", "")
    marked = [s for para in view["paragraphs"] for s in para if s["claims"]]
    assert {s["slug"] for s in marked} == {"official-statement", "author-assessment", "unnamed-source", "forecast"}
    quoted = "".join(seg["text"] for s in marked for seg in s["segments"] if seg["quoted"])
    assert "this isn’t a coincidence, but rather a deliberate policy" in quoted
    assert {st["slug"] for st in view["legend"]} == {"official-statement", "author-assessment", "unnamed-source", "forecast"}


def test_ontology_view_counts_usage_and_words_shapes(site):
    view = ontology_view(site, BASE + "def")
    classes = {c["anchor"]: c for c in view["classes"]}
    assert classes["Claim"]["usage"] == 5
    assert ("subClassOf" in {a for a, _ in classes["Person"]["alignments"]})
    shapes = {s["anchor"]: s for s in view["shapes"]}
    rules = " | ".join(r["text"] for r in shapes["ClaimShape"]["rules"])
    assert "exactly 1" in rules and "one of: official statement, forecast" in rules
    assert shapes["ClaimShape"]["targets"] == ["every claim"]


def test_pages_degrade_without_claims_or_article():
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode(ID + "x"), ox.NamedNode(RDFS + "label"), ox.Literal("X")))
    bare = Site(store, BASE, ROOT)
    assert article_view(bare, "id/article") is None and articles_view(bare) is None
    view = entity_view(bare, ID + "x")
    assert view["label"] == "X" and view["claims"] == [] and view["own_claim"] is None
    assert landing_view(bare, "T")["claims"] == []
    assert ontology_view(bare, BASE + "def")["classes"] == []


@pytest.mark.parametrize("name", ["/etc/passwd", "../../etc/passwd", "seeds/../../../etc/passwd"])
def test_text_file_outside_the_root_is_never_read(name):
    store = ox.Store()
    article = ox.NamedNode(ID + "article")
    store.add(ox.Quad(article, ox.NamedNode(BASE + "def#textFile"), ox.Literal(name)))
    site = Site(store, BASE, ROOT)
    assert list(site.articles) == [article.value]
    assert site.article_text(article.value).text is None and site.article(article.value) is None
    assert read_text_file(ROOT, name) is None


def test_text_file_inside_the_root_is_read():
    assert read_text_file(ROOT, "seeds/000_f6b8256ec50a828e.txt").startswith("On the rise")
    assert read_text_file(ROOT, "seeds/nothing.txt") is None


def test_a_404_suggestion_costs_bounded_work_at_any_size():
    """Issue 10.9: 404 suggestions no longer walk every subject with difflib. With 100,000
    subjects, one lookup compares a bounded neighbourhood and still finds the near spelling."""
    store = ox.Store()
    rdfs_label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    store.extend(ox.Quad(ox.NamedNode(f"{BASE}id/thing-{i:06d}"), rdfs_label, ox.Literal(f"t{i}"))
                 for i in range(100_000))
    site = Site(store, BASE)
    assert site.subject_index is not None  # the one scan, made once per Site
    start = time.perf_counter()
    for i in range(20):
        found = site.near_subjects(f"{BASE}id/thing-{i:06d}x")
        assert f"{BASE}id/thing-{i:06d}" in found
    per_lookup = (time.perf_counter() - start) / 20
    assert per_lookup < 0.05, f"{per_lookup * 1000:.1f} ms per 404 lookup"


def test_404_suggestions_compare_names_not_the_shared_base(site: Site):
    """A typo finds its entity first; a made-up name gets no suggestions, though every IRI of
    the site shares the same long base (it used to make any name look half alike)."""
    assert site.near_subjects(f"{BASE}id/karim-masimv")[0] == f"{BASE}id/karim-masimov"
    assert site.near_subjects(f"{BASE}id/zzzz") == []


def test_status_colours_are_data_and_only_hex_colours_reach_the_stylesheet():
    """Issue 11: a status's colour is kzm:statusColour; a value that is no '#rrggbb' (it would be
    written into CSS) is ignored, so that status falls back like one with no colour."""
    store = ox.Store()
    colour, in_scheme = ox.NamedNode(BASE + "def#statusColour"), ox.NamedNode("http://www.w3.org/2004/02/skos/core#inScheme")
    scheme = ox.NamedNode(ID + "status")
    for name, value in (("good", "#2E7d32"), ("hostile", "red; } body { display: none"), ("none", None)):
        status = ox.NamedNode(ID + "status/" + name)
        store.add(ox.Quad(status, in_scheme, scheme))
        if value:
            store.add(ox.Quad(status, colour, ox.Literal(value)))
    site = Site(store, BASE, ROOT)
    assert {st["slug"]: st["colour"] for st in site.statuses.values()} == {"good": "#2E7d32", "hostile": None,
                                                                          "none": None}
    css = status_stylesheet(site)
    assert ".st-good { --st: #2E7d32; }" in css
    assert "hostile" not in css and "display" not in css and ".st-none" not in css
