"""The landing page (/): the dataset's title, description and statistics (from the data), every
article, the entities grouped by type and the claims with their statuses, by article."""

from __future__ import annotations

from collections import Counter, defaultdict

import pyoxigraph as ox

from ldpub.ns import RDF, VOID
from ldpub.site.describe import property_rows
from ldpub.site.model import Site, Term
from ldpub.site.text import natural_key
from ldpub.site.views.articles import article_entries

# What each VoID count of the dataset counts, in the words of void.ttl and the build log.
VOID_COUNT_WORDS = {
    "triples": "distinct triples, in any graph (void:triples)",
    "entities": "entities: subjects in the URI space (void:entities)",
    "classes": "classes (void:classes)",
    "properties": "properties (void:properties)",
    "distinctSubjects": "distinct subjects (void:distinctSubjects)",
    "distinctObjects": "distinct objects (void:distinctObjects)",
    "documents": "documents (void:documents)",
}


def void_stats(site: Site, dataset: str) -> list[tuple[str, str]]:
    """(label, value) of the VoID statistics stated for the dataset (and its void:subsets, e.g. the
    default graph), else a few counted here."""
    stats = []
    for pred, words in VOID_COUNT_WORDS.items():
        for o in site.objects(dataset, VOID + pred):
            stats.append((words, o.value))
    for part in sorted(site.objects(dataset, VOID + "subset"), key=str):
        for o in site.objects(part.value, VOID + "triples"):
            stats.append((f"triples in {site.label(part.value)}", o.value))
    if not stats:
        stats = [("quads", str(len(site.store))),
                 ("named graphs", str(len(site.graph_names))),
                 ("subjects under the base IRI", str(len(site.subjects())))]
    return stats


def landing_view(site: Site, title: str) -> dict:
    """The landing page; `title` (from the settings) when the dataset has no label of its own."""
    dataset = site.iris.dataset
    has_dataset = site.exists(dataset)
    entities: dict[str, list[Term]] = defaultdict(list)
    for iri in site.subjects():
        if "#" in iri or site.is_claim(iri) or iri.startswith((site.iris.ontology, site.iris.shapes)):
            continue
        types = [t for t in site.objects(iri, RDF + "type") if isinstance(t, ox.NamedNode)]
        local_types = [t for t in types if site.is_ours(t.value)] or types
        group = site.label(local_types[0].value) if local_types else "Other"
        entities[group].append(site.term_for_iri(iri))
    claims = [site.claim_ref(c) for c in sorted(site.claim_status, key=natural_key)]
    by_article: dict[str | None, list] = {}
    for c in claims:
        by_article.setdefault(site.claim_article(c.iri), []).append(c)
    order = {iri: i for i, iri in enumerate(site.articles)}  # the articles' order; no article last
    return {
        "dataset": dataset if has_dataset else None,
        "title": site.title(title),
        "description": site.comment(dataset) if has_dataset else "",
        "rows": property_rows(site, dataset, skip={RDF + "type"}) if has_dataset else [],
        "stats": void_stats(site, dataset),
        "articles": article_entries(site),
        "claims_by_article": [(site.term_for_iri(a) if a else None, cs) for a, cs in
                              sorted(by_article.items(), key=lambda kv: order.get(kv[0] or "", len(order)))],
        "entities": sorted(entities.items()),
        "claims": claims,
        "status_counts": Counter(c.slug for c in claims),
        "statuses": site.statuses,
    }
