"""The entity page (/id/…, and any other IRI under the base): its properties with the claims that
support them, what the article's claims say about it, what points to it, its hash IRIs
(…/c01#quote), and a schema.org summary for search engines."""

from __future__ import annotations

import pyoxigraph as ox

from ldpub.ns import RDF, SCHEMA
from ldpub.site.describe import property_rows
from ldpub.site.model import (
    COMMENT_PREDICATES,
    TYPE,
    Site,
    Statement,
    first_comment,
    wikidata_links,
)
from ldpub.site.text import local_name


def entity_view(site: Site, doc: str) -> dict:
    """Everything the entity page shows, for a document IRI (and its hash IRIs)."""
    header = {RDF + "type", *site.label_predicates["label"], *site.label_predicates["alt"],
              *site.label_predicates["hidden"], *COMMENT_PREDICATES[:1]}
    types = [site.term(o) for o in site.objects(doc, RDF + "type")]
    only_in_claims = not site.default(ox.NamedNode(doc), TYPE) and bool(
        list(site.quads(ox.NamedNode(doc), TYPE, None, None)))
    if not types:
        types = list({t.value: site.term(t) for q in site.quads(ox.NamedNode(doc), TYPE, None, None)
                      for t in [q.object]}.values())
    fragments = []
    for q in site.hash_iris(doc):
        fragments.append({"iri": q, "anchor": q.split("#", 1)[1], "label": site.label(q),
                          "rows": property_rows(site, q)})
    claims = [site.claim_view(c) for c in site.claims_about(doc) if c != doc]
    own_claim = site.claim_view(doc) if site.is_claim(doc) else None
    comment = first_comment(site, doc) or first_comment(site, doc, None)
    return {
        "iri": doc,
        "label": site.label(doc),
        "alt_names": site.alt_names(doc),
        "comment": comment,
        "types": types,
        "rows": property_rows(site, doc, skip=header),
        "incoming": incoming_rows(site, doc),
        "claims": claims,
        "own_claim": own_claim,
        "fragments": fragments,
        "wikidata": wikidata_links(site, doc),
        "only_in_claims": only_in_claims,
        "schema_org": schema_org(site, doc),
        "statuses": site.statuses,
    }


def incoming_rows(site: Site, iri: str, limit: int = 500) -> list[Statement]:
    out = []
    for q in site.default(None, None, ox.NamedNode(iri)):
        if q.predicate.value == site.kzm("mentionedIn") or q.predicate.value == site.kzm("mentions"):
            continue
        out.append(Statement(site.term(q.subject), site.term(q.predicate), site.term(q.object)))
        if len(out) >= limit:
            break
    return sorted(out, key=lambda s: (s.predicate.label, s.subject.label))


def schema_org(site: Site, iri: str) -> dict:
    """A small schema.org JSON-LD object for the page (embedded as application/ld+json)."""
    types = [local_name(t.value) for t in site.objects(iri, RDF + "type")
             if isinstance(t, ox.NamedNode) and t.value.startswith(SCHEMA)]
    data: dict = {"@context": "https://schema.org", "@id": iri,
                  "@type": types or "Thing", "name": site.label(iri)}
    alt = site.alt_names(iri)
    if alt:
        data["alternateName"] = alt
    desc = first_comment(site, iri)
    if desc:
        data["description"] = desc
    same = wikidata_links(site, iri)
    if same:
        data["sameAs"] = same
    return data
