"""Materialisation: the alignment closure and the default-graph rule of docs/modelling.md.

Works on plain sets of pyoxigraph quads, so it is fast, has no inference engine and is easy to test.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad

from ldpub.iris import IriScheme
from ldpub.ns import OWL, RDF_TYPE, RDFS, XSD_BOOLEAN

SUBCLASS = NamedNode(RDFS + "subClassOf")
SUBPROPERTY = NamedNode(RDFS + "subPropertyOf")
EQUIV_CLASS = NamedNode(OWL + "equivalentClass")
EQUIV_PROPERTY = NamedNode(OWL + "equivalentProperty")
TRUE = Literal("true", datatype=XSD_BOOLEAN)
DEFAULT = DefaultGraph()


@dataclass(frozen=True)
class Terms:
    """The ontology terms the build and the checks read, in the publication's own namespace."""

    iris: IriScheme

    def __getattr__(self, name: str) -> NamedNode:
        # Terms.of(iris).Claim is <base>def#Claim: the names are the ontology's, not ours.
        if name.startswith("_"):
            raise AttributeError(name)
        return NamedNode(self.iris.term(name))

Triple3 = tuple[Any, Any, Any]  # (subject, predicate, object) terms
Graphs = dict[Any, set[Triple3]]  # graph name (NamedNode or DEFAULT) -> {(s, p, o)}


def by_graph(quads: Iterable[Quad]) -> Graphs:
    graphs: Graphs = defaultdict(set)
    for q in quads:
        graphs[q.graph_name].add((q.subject, q.predicate, q.object))
    return graphs


def to_quads(graphs: Graphs) -> set[Quad]:
    return {Quad(s, p, o, g) for g, triples in graphs.items() for (s, p, o) in triples}


def _closure(edges: dict[NamedNode, set[NamedNode]]) -> dict[NamedNode, set[NamedNode]]:
    """Reflexive-free transitive closure: node -> every strict ancestor."""
    result: dict[NamedNode, set[NamedNode]] = {}
    for start in edges:
        seen: set[NamedNode] = set()
        stack = list(edges[start])
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(edges.get(node, ()))
        seen.discard(start)
        result[start] = seen
    return result


def alignment_closure(ontology: Iterable[tuple]) -> tuple[dict, dict]:
    """(superclasses, superproperties) from the ontology's subClassOf/subPropertyOf/equivalent* only.

    Domain and range are deliberately ignored: RDFS domain/range over ORG turns posts into
    organisations (docs/modelling.md, modelling-notes).
    """
    classes: dict[NamedNode, set[NamedNode]] = defaultdict(set)
    props: dict[NamedNode, set[NamedNode]] = defaultdict(set)
    for s, p, o in ontology:
        if not (isinstance(s, NamedNode) and isinstance(o, NamedNode)):
            continue  # restrictions and other anonymous class expressions entail nothing here
        if p == SUBCLASS:
            classes[s].add(o)
        elif p == EQUIV_CLASS:
            classes[s].add(o)
            classes[o].add(s)
        elif p == SUBPROPERTY:
            props[s].add(o)
        elif p == EQUIV_PROPERTY:
            props[s].add(o)
            props[o].add(s)
    return _closure(classes), _closure(props)


def entailed(triples: Iterable[tuple], superclasses: dict, superproperties: dict) -> set[tuple]:
    """The super-property and super-class triples entailed by `triples` (which are not repeated)."""
    with_props = set(triples)
    for s, p, o in list(with_props):
        for q in superproperties.get(p, ()):
            with_props.add((s, q, o))
    out = set(with_props)
    for s, p, o in with_props:
        if p == RDF_TYPE:
            for c in superclasses.get(o, ()):
                out.add((s, RDF_TYPE, c))
    return out - set(triples)


def claim_statuses(default: set[tuple], kzm: Terms) -> dict[NamedNode, set[NamedNode]]:
    statuses: dict[NamedNode, set[NamedNode]] = defaultdict(set)
    for s, p, o in default:
        if p == kzm.status:
            statuses[s].add(o)
    return statuses


def factual_graphs(graphs: Graphs, kzm: Terms) -> list[NamedNode]:
    """Named graphs whose claim has only statuses flagged kzm:assertedInDefaultGraph true."""
    default = graphs.get(DEFAULT, set())
    # Which statuses put a claim's assertions in the default graph is data: the ontology flags them.
    factual = {s for s, p, o in default if p == kzm.assertedInDefaultGraph and o == TRUE}
    statuses = claim_statuses(default, kzm)
    return sorted(
        (g for g in graphs if g != DEFAULT and statuses.get(g) and statuses[g] <= factual),
        key=lambda n: n.value,
    )


def mentions(graphs: Graphs, kzm: Terms) -> set[tuple]:
    """claim kzm:mentions entity (and the inverse) for every entity IRI used in a claim graph."""
    prefix = kzm.iris.ids
    out: set[tuple] = set()
    for g, triples in graphs.items():
        if g == DEFAULT:
            continue
        for s, _, o in triples:
            for term in (s, o):
                if isinstance(term, NamedNode) and term.value.startswith(prefix) and term != g:
                    out.add((g, kzm.mentions, term))
                    out.add((term, kzm.mentionedIn, g))
    return out


def materialise(quads: Iterable[Quad], ontology: Iterable[tuple], iris: IriScheme) -> set[Quad]:
    """Apply alignment in every graph, copy factual assertions to the default graph, add mentions."""
    kzm = Terms(iris)
    superclasses, superproperties = alignment_closure(ontology)
    graphs = by_graph(quads)
    graphs.setdefault(DEFAULT, set())
    for g in graphs:
        if g != DEFAULT:
            graphs[g] |= entailed(graphs[g], superclasses, superproperties)
    default = graphs[DEFAULT]
    for g in factual_graphs(graphs, kzm):
        default |= graphs[g]
    default |= mentions(graphs, kzm)
    default |= entailed(default, superclasses, superproperties)
    return to_quads(graphs)
