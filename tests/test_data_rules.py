"""Rules of the data that SHACL cannot state: names are the article's, the default graph types only
what a factual claim supports, and what the editors read into the article stays their claim."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from ldpub.build.materialise import DEFAULT, TRUE, by_graph
from ldpub.ns import RDF_TYPE

KZM = "https://w3id.org/kz-masimov/def#"
STATUS = ox.NamedNode(KZM + "status")
ASSERTED_IN_DEFAULT = ox.NamedNode(KZM + "assertedInDefaultGraph")

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_f6b8256ec50a828e.txt"
BASE = "https://w3id.org/kz-masimov/"
N = ox.NamedNode


@pytest.fixture(scope="module")
def default(built_quads) -> set:
    return by_graph(built_quads)[DEFAULT]


@pytest.fixture(scope="module")
def text() -> str:
    return SEED.read_text(encoding="utf-8")


def test_alternative_names_in_the_default_graph_are_written_in_the_article(default, text):
    """kzm:altName in the default graph is a form the article writes, verbatim. Any other name is an
    editors' form (kzm:editorsForm) or an editors' identification claim."""
    forms = {(s.value, o.value) for s, p, o in default if p == N(KZM + "altName")}
    assert forms
    assert sorted(f for f in forms if f[1] not in text) == []


def test_editors_forms_are_hidden_labels_not_alternative_names(default):
    """An editors' form never reaches skos:altLabel / schema:alternateName in the default graph."""
    editors_forms = {(s, o) for s, p, o in default if p == N(KZM + "editorsForm")}
    assert editors_forms
    alt = {(s, o) for s, p, o in default
           if p in (N("http://www.w3.org/2004/02/skos/core#altLabel"), N("https://schema.org/alternateName"))}
    assert editors_forms.isdisjoint(alt)
    hidden = {(s, o) for s, p, o in default if p == N("http://www.w3.org/2004/02/skos/core#hiddenLabel")}
    assert editors_forms <= hidden


def test_identifications_are_editors_claims(built_quads):
    """Every alternative name the article does not write sits in a claim whose status is an editors'
    reading, attributed to the editors and with a reason."""
    text = SEED.read_text(encoding="utf-8")
    graphs = by_graph(built_quads)
    default = graphs[DEFAULT]
    editorial = {s for s, p, o in default if p == N(KZM + "editorsReading") and o == TRUE}
    status = {s: o for s, p, o in default if p == STATUS}
    foreign = {(g, s, o.value) for g, triples in graphs.items() if g != DEFAULT
               for s, p, o in triples if p == N(KZM + "altName") and o.value not in text}
    assert foreign, "the editors' identifications give names the article does not write"
    assert sorted(str(f) for f in foreign if status.get(f[0]) not in editorial) == []




def test_default_graph_types_only_what_a_factual_claim_mentions(built_quads):
    """README's rule: an entity whose existence rests on a non-factual claim (an assessment, a rumour,
    a forecast, a speculation, an editors' reading) is typed only inside that claim's graph. So every
    entity typed in the default graph that claims mention is mentioned by at least one claim whose
    status is asserted in the default graph."""
    graphs = by_graph(built_quads)
    default = graphs[DEFAULT]
    factual_statuses = {s for s, p, o in default if p == ASSERTED_IN_DEFAULT and o == TRUE}
    status = {s: o for s, p, o in default if p == STATUS}
    mentioned_by: dict = {}
    for g, triples in graphs.items():
        if g == DEFAULT:
            continue
        for s, _, o in triples:
            for term in (s, o):
                if isinstance(term, ox.NamedNode) and term.value.startswith(BASE + "id/"):
                    mentioned_by.setdefault(term, set()).add(g)
    typed = {s for s, p, o in default if p == RDF_TYPE and s in mentioned_by}
    assert len(typed) >= 20
    resting_on_non_factual = sorted(e.value for e in typed
                                    if not any(status.get(c) in factual_statuses for c in mentioned_by[e]))
    assert resting_on_non_factual == []
