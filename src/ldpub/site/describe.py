"""What the site says about one document, in two shapes: `describe` is its RDF (every format of
/id/…, /def, /shapes), `property_rows` the property table the pages show."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from ldpub.ns import RDFS
from ldpub.site.model import DEFAULT_GRAPH, LABEL_PREDICATES, PropertyRow, Site, quad_key


def describe(site: Site, doc: str) -> list[ox.Quad]:
    """The RDF of a document IRI: concise bounded description of the IRI and its hash IRIs, with
    the labels of the IRIs it links to, and the claims that mention it (their default-graph
    description: label, status). Quads in named graphs keep their graph: for a claim, its whole
    assertion graph; for an entity, the claim-graph triples whose subject it is."""
    subjects = [doc, *site.hash_iris(doc)]
    out: dict[ox.Quad, None] = {}

    def add_cbd(node: ox.NamedNode | ox.BlankNode, graph: ox.NamedNode | ox.DefaultGraph | None) -> None:
        todo, seen = [node], set()
        while todo:
            n = todo.pop()
            if n in seen:
                continue
            seen.add(n)
            for q in site.quads(n, None, None, graph):
                out[q] = None
                if isinstance(q.object, ox.BlankNode):
                    todo.append(q.object)

    for s in subjects:
        add_cbd(ox.NamedNode(s), ox.DefaultGraph())
        for q in site.quads(ox.NamedNode(s), None, None, None):
            if isinstance(q.graph_name, ox.NamedNode):
                out[q] = None
    if doc in site.graph_names:
        for q in site.quads(None, None, None, ox.NamedNode(doc)):
            out[q] = None
    claims = [c for c in site.claims_about(doc) if c != doc]
    for c in claims:
        cn = ox.NamedNode(c)
        mentions = ox.Quad(cn, ox.NamedNode(site.iris.term("mentions")), ox.NamedNode(doc))
        if site.has(*mentions):
            out[mentions] = None
        for pred in (site.iris.term("status"), RDFS + "label"):
            for q in site.default(cn, ox.NamedNode(pred)):
                out[q] = None
    # labels of everything linked from the description (types, objects, status, claims)
    linked = {q.object.value for q in list(out) if isinstance(q.object, ox.NamedNode)}
    linked |= {q.predicate.value for q in list(out)}
    for iri in sorted(linked - set(subjects)):
        for pred in LABEL_PREDICATES:  # the first one it has
            hits = site.default(ox.NamedNode(iri), ox.NamedNode(pred))
            if hits:
                out[hits[0]] = None
                break
    return list(out)


def property_rows(site: Site, iri: str, graph: ox.DefaultGraph | ox.NamedNode | None = DEFAULT_GRAPH,
                  skip: Iterable[str] = ()) -> list[PropertyRow]:
    """The IRI's properties in a graph, one row per predicate sorted by label, each value with
    the claims that also assert it; super-property copies left out (see Site.without_entailed)."""
    rows: dict[str, PropertyRow] = {}
    skip = set(skip)
    for q in sorted(site.without_entailed(site.quads(ox.NamedNode(iri), None, None, graph)),
                    key=quad_key):
        p = q.predicate.value
        if p in skip:
            continue
        row = rows.setdefault(p, PropertyRow(p, site.label(p), []))
        row.values.append(site.term(q.object, site.supporting_claims(q)))
    return sorted(rows.values(), key=lambda r: (r.label.casefold(), r.predicate))
