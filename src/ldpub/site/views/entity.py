"""The entity page (/id/…, and any other IRI under the base): its properties with the claims that
support them, what the articles' claims say about it (grouped by article), what points to it, its hash IRIs
(…/c01#quote), and a schema.org summary for search engines."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from ldpub.ns import PROV, RDF, RDFS, SCHEMA
from ldpub.site.describe import property_rows
from ldpub.site.model import TYPE, ClaimRef, Sentence, Site, Statement, Term, quad_key, term_value, wikidata_links
from ldpub.site.text import local_name


@dataclass
class ClaimView:
    """One claim as the page shows it: who says it, what it asserts, and where the article does."""

    ref: ClaimRef
    attributed_to: list[Term]
    sources: list[Term]
    statements: list[Statement]
    sentence: Sentence | None
    start: int | None = None
    end: int | None = None
    article: Term | None = None  # the article it quotes (its evidence's oa:hasSource)


def entity_view(site: Site, doc: str) -> dict:
    """Everything the entity page shows, for a document IRI (and its hash IRIs)."""
    node = ox.NamedNode(doc)
    # shown in the page's header, so left out of its property table
    header = {RDF + "type", *site.label_predicates["label"], *site.label_predicates["alt"],
              *site.label_predicates["hidden"], RDFS + "comment"}
    types = [site.term(o) for o in site.objects(doc, RDF + "type")]
    only_in_claims = not site.default(node, TYPE) and bool(list(site.quads(node, TYPE, None, None)))
    if not types:
        types = list({term_value(q.object): site.term(q.object) for q in site.quads(node, TYPE, None, None)}.values())
    claims = [claim_view(site, c) for c in site.claims_about(doc) if c != doc]
    fragments = [{"iri": iri, "anchor": iri.split("#", 1)[1], "label": site.label(iri),
                  "rows": property_rows(site, iri)} for iri in site.hash_iris(doc)]
    return {
        "iri": doc,
        "label": site.label(doc),
        "alt_names": site.alt_names(doc),
        "comment": site.comment(doc) or site.comment(doc, None),  # None: in any graph
        "types": types,
        "rows": property_rows(site, doc, skip=header),
        "incoming": incoming_rows(site, doc),
        "claims": claims,
        "claims_by_article": by_article(site, claims),
        "own_claim": claim_view(site, doc) if site.is_claim(doc) else None,
        "fragments": fragments,
        "wikidata": wikidata_links(site, doc),
        "only_in_claims": only_in_claims,
        "schema_org": schema_org(site, doc),
    }


def claim_view(site: Site, claim: str) -> ClaimView:
    statements = [Statement(site.term(q.subject), site.term(q.predicate), site.term(q.object))
                  for q in sorted(site.without_entailed(site.quads(None, None, None, ox.NamedNode(claim))),
                                  key=quad_key)]
    sel = site.selector(claim)
    return ClaimView(
        ref=site.claim_ref(claim),
        attributed_to=[site.term(o) for o in site.objects(claim, PROV + "wasAttributedTo")],
        sources=[site.term(o) for o in site.objects(claim, site.iris.term("source"))],
        statements=statements,
        sentence=site.sentence_for(sel) if sel else None,
        start=sel.start if sel else None,
        end=sel.end if sel else None,
        article=site.term_for_iri(sel.source) if sel and sel.source else None,
    )


def by_article(site: Site, claims: list[ClaimView]) -> list[tuple[Term | None, list[ClaimView]]]:
    """Claims grouped by the article they quote, in the site's order of the articles; claims that
    quote none (or an article without a text file) come last."""
    groups: dict[str | None, tuple[Term | None, list[ClaimView]]] = {}
    for c in claims:
        groups.setdefault(c.article.value if c.article else None, (c.article, []))[1].append(c)
    order = site.article_order
    return [groups[k] for k in sorted(groups, key=lambda k: (order.get(k or "", len(order)), k or ""))]


def incoming_rows(site: Site, iri: str, limit: int | None = None) -> list[Statement]:
    """Default-graph triples pointing at the IRI (the first `limit`), except the claim mentions,
    which the page lists as claims."""
    limit = limit or site.page_size * 5
    skip = {site.iris.term("mentionedIn"), site.iris.term("mentions")}
    out: dict[tuple[str, str], Statement] = {}
    # The alignment copies (schema:location beside kzm:location) say the same thing: once, under
    # the most specific property, as the page's own property table does.
    for q in site.without_entailed(site.default(None, None, ox.NamedNode(iri), limit * 4)):
        if q.predicate.value in skip:
            continue
        statement = Statement(site.term(q.subject), site.term(q.predicate), site.term(q.object))
        out.setdefault((term_value(q.subject), statement.predicate.label), statement)
        if len(out) >= limit:
            break
    return sorted(out.values(), key=lambda s: (s.predicate.label, s.subject.label))


def schema_org(site: Site, iri: str) -> dict:
    """A small schema.org JSON-LD object for the page (embedded as application/ld+json)."""
    types = [local_name(t.value) for t in site.objects(iri, RDF + "type")
             if isinstance(t, ox.NamedNode) and t.value.startswith(SCHEMA)]
    data: dict = {"@context": "https://schema.org", "@id": iri,
                  "@type": types or "Thing", "name": site.label(iri)}
    alt = site.alt_names(iri)
    if alt:
        data["alternateName"] = alt
    desc = site.comment(iri)
    if desc:
        data["description"] = desc
    same = wikidata_links(site, iri)
    if same:
        data["sameAs"] = same
    return data
