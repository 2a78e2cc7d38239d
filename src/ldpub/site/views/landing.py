"""The landing page (/): the dataset's title, description and statistics (from the data), every
article, the entities grouped by type and the claims with their statuses, by article."""

from __future__ import annotations

from collections import Counter, defaultdict

import pyoxigraph as ox

from ldpub.ns import RDF, VOID
from ldpub.site.describe import property_rows
from ldpub.site.model import Site, Term, term_value
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


LANDING_ARTICLES = 10  # the others are on /article


def void_stats(site: Site, dataset: str) -> list[tuple[str, str]]:
    """(label, value) of the VoID statistics stated for the dataset (and its void:subsets, e.g. the
    default graph): from the data's own VoID (void.ttl beside it), else from the statistics computed
    at load; never counted here."""
    stats = []
    for pred, words in VOID_COUNT_WORDS.items():
        for o in site.objects(dataset, VOID + pred):
            stats.append((words, o.value))
    for part in sorted(site.objects(dataset, VOID + "subset"), key=str):
        for o in site.objects(part.value, VOID + "triples"):
            stats.append((f"triples in {site.label(part.value)}", o.value))
    if not stats and site.void:
        node = ox.NamedNode(dataset)
        stats = [(words, term_value(q.object)) for pred, words in VOID_COUNT_WORDS.items()
                 for q in site.void if q.subject == node and q.predicate.value == VOID + pred]
    if not stats:
        stats = [("named graphs", str(len(site.graph_names)))]
    return stats


def entity_page(site: Site, after: str) -> tuple[list[str], str | None]:
    """One page of the subjects the landing lists (no claims, ontology or shapes), sorting after
    `after`, and the cursor of the next page (None on the last). Bounded: a run of claim IRIs
    (all under <id/claim/>) is skipped by one jump in the index, not read through."""
    skipped = (site.iris.claims, site.iris.ontology, site.iris.shapes)
    out: list[str] = []
    cursor, jumps = after, 0
    while len(out) < site.page_size and jumps <= len(skipped) + 1:
        batch = site.subject_page(cursor, site.page_size - len(out))
        if not batch:
            return out, None
        for iri in batch:
            cursor = iri
            prefix = next((p for p in skipped if iri.startswith(p)), None)
            if prefix is not None:
                cursor, jumps = prefix + "\U0010ffff", jumps + 1
                break
            if not site.is_claim(iri):
                out.append(iri)
    return out, cursor if site.subject_page(cursor, 1) else None


def landing_view(site: Site, title: str, after: str = "") -> dict:
    """The landing page; `title` (from the settings) when the dataset has no label of its own.
    Bounded: the first LANDING_ARTICLES articles and up to page_size of their claims, one page of
    subjects (after the cursor `after`), the statistics of the load."""
    dataset = site.iris.dataset
    has_dataset = site.exists(dataset)
    entities: dict[str, list[Term]] = defaultdict(list)
    subjects, next_page = entity_page(site, after)
    for iri in subjects:
        types = [t for t in site.objects(iri, RDF + "type") if isinstance(t, ox.NamedNode)]
        local_types = [t for t in types if site.is_ours(t.value)] or types
        group = site.label(local_types[0].value) if local_types else "Other"
        entities[group].append(site.term_for_iri(iri))
    articles = site.articles[:LANDING_ARTICLES]
    by_article = []
    shown = 0  # claims listed: at most page_size, the rest on each article's page
    for a in articles:
        listed = site.article_claims(a)[:max(0, site.page_size - shown)]
        shown += len(listed)
        by_article.append((site.term_for_iri(a), [site.claim_ref(c) for c in listed]))
    claims = [c for _, cs in by_article for c in cs]
    return {
        "dataset": dataset if has_dataset else None,
        "title": site.title(title),
        "description": site.comment(dataset) if has_dataset else "",
        "rows": property_rows(site, dataset, skip={RDF + "type"}) if has_dataset else [],
        "stats": void_stats(site, dataset),
        "articles": article_entries(site, articles),
        "more_articles": len(site.articles) > len(articles),
        "claims_by_article": [(a, cs) for a, cs in by_article if cs],
        "claim_count": site.usage(site.iris.term("Claim"), True) if site.void is not None else len(claims),
        "entities": sorted(entities.items()),
        "after": after,
        "next": next_page,
        "claims": claims,
        "status_counts": Counter(c.slug for c in claims),
        "statuses": site.statuses,
    }
