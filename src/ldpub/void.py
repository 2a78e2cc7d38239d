"""VoID description of a store: counts and class/property partitions.

A plain function over a pyoxigraph Store so the build can write dist/void.ttl with it and the
server can answer /.well-known/void. Partition nodes get hash IRIs under the dataset IRI (the
modelling rule is: no blank nodes).
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar

import pyoxigraph as ox

from ldpub.ns import DCTERMS as DCT
from ldpub.ns import OA, RDF_TYPE, RDFS, VOID, XSD_INTEGER
from ldpub.settings import Settings
from ldpub.store import StoreGraphs

T = TypeVar("T", ox.Triple, ox.Quad)
# Named graphs the service description lists with their sizes, the first by name: a bounded answer
# (208,333 graphs at 5M triples took the server to 1 GB); the rest are counted, and SPARQL lists them.
GRAPHS_LISTED = 1000

RDFS_LABEL = RDFS + "label"
# Each object once, whichever triples and graphs hold it: Oxigraph keeps only the set of objects.
_OBJECTS = "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
Subject = ox.NamedNode | ox.BlankNode | ox.Triple
Object = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


def _v(local: str) -> ox.NamedNode:
    return ox.NamedNode(VOID + local)


def integer(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=XSD_INTEGER)


def select(store: ox.Store, query: str) -> ox.QuerySolutions:
    """The solutions of a SELECT query (the only form this module asks)."""
    result = store.query(query)
    assert isinstance(result, ox.QuerySolutions)
    return result


def _scalar(store: ox.Store, query: str) -> int:
    for row in select(store, query):
        return int(row[0].value)
    return 0


@dataclass(frozen=True)
class Census:
    """The dataset's VoID counts (`census`): each distinct triple counts once, whichever graphs hold it."""

    sizes: dict[str | None, int]  # triples per graph; None is the default graph
    counts: dict[str, int]  # triples, distinctSubjects, distinctObjects, entities (subject IRIs in the uriSpace)
    ranked: list[str]  # the subject IRIs with the most triples, most first (ties by IRI)
    classes: dict[Object, int]  # distinct subjects per object of rdf:type
    properties: dict[ox.NamedNode, int]  # distinct triples per property


def _subjects(store: ox.Store, sizes: dict[str | None, int]) -> Iterator[Subject]:
    """Every subject of the store once, counting the quads per graph into `sizes` on the way. No set
    of them: a subject is taken at its first quad (the first its own look-up gives), which opens a
    run of its quads in a whole-store scan (Oxigraph's order: on disk the indexes' — the default graph,
    then each named graph, by subject; in memory, both newest first), so one look-up per run tells."""
    graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph | None = None
    key: str | None = None
    subject: Subject | None = None
    n = 0
    for quad in store.quads_for_pattern(None, None, None, None):
        if quad.graph_name != graph:
            sizes[key] = sizes.get(key, 0) + n  # a graph's quads may come in several runs (in memory)
            graph, subject, n = quad.graph_name, None, 0
            key = None if isinstance(graph, ox.DefaultGraph) else graph.value
        n += 1
        if quad.subject != subject:
            subject = quad.subject
            if next(store.quads_for_pattern(subject, None, None, None)) == quad:
                yield subject
    sizes[key] = sizes.get(key, 0) + n


def census(store: ox.Store, uri_space: str = "", examples: int = 0) -> Census:
    """The counts of VoID over the union of all graphs, and the `examples` most described subject
    IRIs, from one pass over the store and one subject at a time: no set of triples or subjects
    (SPARQL's DISTINCT over the union held every distinct triple: 1.6 GB peak at 5M triples). What
    grows with the data: the graph sizes, and Oxigraph's set of objects while it counts them."""
    objects = _scalar(store, _OBJECTS)  # first: its set is freed before the pass's counts grow
    sizes: dict[str | None, int] = {None: 0}
    triples = subjects = entities = 0
    classes: dict[Object, int] = {}
    properties: dict[ox.NamedNode, int] = {}
    ranked: list[tuple[int, str]] = []
    for subject in _subjects(store, sizes):
        # Its triples, each once: the same triple may sit in the default graph and in several named graphs.
        pairs = {(q.predicate, q.object) for q in store.quads_for_pattern(subject, None, None, None)}
        triples += len(pairs)
        subjects += 1
        for p, o in pairs:
            properties[p] = properties.get(p, 0) + 1
            if p == RDF_TYPE:
                classes[o] = classes.get(o, 0) + 1
        if isinstance(subject, ox.NamedNode):
            entities += subject.value.startswith(uri_space)
            ranked.append((-len(pairs), subject.value))
            if len(ranked) > 4 * examples + 64:  # keep it bounded: the best `examples` are among the first
                ranked = heapq.nsmallest(examples, ranked)
    counts = {"triples": triples, "distinctSubjects": subjects, "distinctObjects": objects,
              "entities": entities}
    return Census(sizes, counts, [iri for _, iri in heapq.nsmallest(examples, ranked)], classes, properties)


def _partition_iri(dataset: str, kind: str, iri: str) -> ox.NamedNode:
    return ox.NamedNode(f"{dataset}#{kind}-{hashlib.sha1(iri.encode()).hexdigest()[:10]}")


def articles(store: ox.Store, settings: Settings) -> list[str]:
    """Every article (a subject with kzm:textFile in the default graph), ordered by IRI."""
    text_file = ox.NamedNode(settings.iris.term("textFile"))
    return sorted({q.subject.value for q in store.quads_for_pattern(None, text_file, None, ox.DefaultGraph())
                   if isinstance(q.subject, ox.NamedNode)})


def example_resources(store: ox.Store, settings: Settings, count: int = 3,
                      ranked: Sequence[str] | None = None) -> list[str]:
    """The articles (up to `count`), then the most described subjects (ties broken by IRI; `ranked`
    when a census already gave them)."""
    picked = articles(store, settings)[:count]
    if ranked is None:
        ranked = census(store, settings.iris.ids, count + 1).ranked
    for iri in ranked[:count + 1]:
        if iri not in picked and len(picked) < count:
            picked.append(iri)
    return picked


def void_quads(
    store: ox.Store,
    settings: Settings,
    *,
    sparql_endpoint: str | None = None,
    distributions: Iterable[str] = (),
    examples: Sequence[str] | None = None,
    graph: ox.NamedNode | ox.DefaultGraph | None = None,
    counted: Census | None = None,
) -> list[ox.Quad]:
    """The VoID description of the store's whole dataset, as quads in `graph` (default graph).

    distributions: dump URLs (void:dataDump); examples: void:exampleResource IRIs (picked from
    the data when None); counted: the store's census when the caller took it already."""
    graph = graph or ox.DefaultGraph()
    ds = ox.NamedNode(settings.iris.dataset)
    out: list[ox.Quad] = []

    def add(s: ox.NamedNode, p: ox.NamedNode, o: ox.NamedNode | ox.Literal) -> None:
        out.append(ox.Quad(s, p, o, graph))

    add(ds, RDF_TYPE, _v("Dataset"))
    # The data's own title (data/dataset.ttl) wins: the settings' title only stands in for none.
    if settings.title and next(store.quads_for_pattern(ds, ox.NamedNode(DCT + "title"), None), None) is None:
        add(ds, ox.NamedNode(DCT + "title"), ox.Literal(settings.title))
    if settings.license:
        add(ds, ox.NamedNode(DCT + "license"), ox.NamedNode(settings.license))
    add(ds, _v("uriSpace"), ox.Literal(settings.iris.ids))
    out += access_quads(settings, sparql_endpoint, distributions, graph)
    counted = counted or census(store, settings.iris.ids, 4)
    for iri in examples if examples is not None else example_resources(store, settings, 3, counted.ranked):
        add(ds, _v("exampleResource"), ox.NamedNode(iri))
    classes, properties = counted.classes, counted.properties
    counts = counted.counts | {"classes": len(classes), "properties": len(properties)}
    for name in ("triples", "distinctSubjects", "distinctObjects", "entities", "classes", "properties"):
        add(ds, _v(name), integer(counts[name]))
    out += subset_quads(counted.sizes, ds, graph)
    out += article_subset_quads(store, settings, counted.sizes, ds, graph)
    for cls, n in sorted(((c, n) for c, n in classes.items() if isinstance(c, ox.NamedNode)), key=lambda c: c[0].value):
        part = _partition_iri(ds.value, "class", cls.value)
        add(ds, _v("classPartition"), part)
        add(part, _v("class"), cls)
        add(part, _v("entities"), integer(n))
    for prop, n in sorted(properties.items(), key=lambda p: p[0].value):
        part = _partition_iri(ds.value, "property", prop.value)
        add(ds, _v("propertyPartition"), part)
        add(part, _v("property"), prop)
        add(part, _v("triples"), integer(n))
    return out


def subset_quads(sizes: dict[str | None, int], ds: ox.NamedNode,
                 graph: ox.NamedNode | ox.DefaultGraph) -> list[ox.Quad]:
    """The default graph and the named graphs as void:subsets, each saying what its void:triples counts."""
    default, named = sizes[None], sum(sizes.values()) - sizes[None]
    parts = [
        ("default-graph", "the default graph", default,
         "The triples the dataset asserts: the Turtle and N-Triples dumps, and what a query without GRAPH sees."),
        ("named-graphs", "the named graphs", named,
         f"The {len(sizes) - 1} named graphs, one per claim, each holding what its claim asserts; a triple counts once "
         "per graph that holds it. The assertions of claims copied into the default graph count in both subsets; "
         "the dataset's void:triples counts each distinct triple once."),
    ]
    out: list[ox.Quad] = []
    for slug, title, triples, description in parts:
        part = ox.NamedNode(f"{ds.value}#{slug}")
        out += [ox.Quad(ds, _v("subset"), part, graph), ox.Quad(part, RDF_TYPE, _v("Dataset"), graph),
                ox.Quad(part, ox.NamedNode(DCT + "title"), ox.Literal(title), graph),
                ox.Quad(part, ox.NamedNode(DCT + "description"), ox.Literal(description), graph),
                ox.Quad(part, _v("triples"), integer(triples), graph)]
    return out


def article_subset_quads(store: ox.Store, settings: Settings, sizes: Mapping[str | None, int], ds: ox.NamedNode,
                         graph: ox.NamedNode | ox.DefaultGraph) -> list[ox.Quad]:
    """One void:subset per article: the claims whose evidence quotes it (oa:hasSource), with the
    triples of their named graphs (void:triples, from the graphs' `sizes`, once per evidence; over
    all articles these add up to the triples of every claim graph) and the article as its
    void:exampleResource and dcterms:source. Joining the claims' graphs' quads in SPARQL held every
    one of them (+450 MB at 5M triples): the sizes are added up here instead."""
    evidence, source = settings.iris.term("evidence"), OA + "hasSource"
    quoting = f"?c <{evidence}> ?e . ?e <{source}> ?a"
    quoted = {row["a"].value: int(row["n"].value)
              for row in select(store, f"SELECT ?a (COUNT(DISTINCT ?c) AS ?n) WHERE {{ {quoting} }} GROUP BY ?a")}
    held: dict[str, int] = {}  # per article: its claims' graphs' triples, once per evidence (as the join counted)
    for row in select(store, f"SELECT ?a ?c WHERE {{ {quoting} }}"):
        claim = row["c"]
        if isinstance(claim, ox.NamedNode | ox.BlankNode):
            held[row["a"].value] = held.get(row["a"].value, 0) + sizes.get(claim.value, 0)
    out: list[ox.Quad] = []
    for article in articles(store, settings):
        claims, triples = quoted.get(article, 0), held.get(article, 0)
        part = _partition_iri(ds.value, "article", article)
        node = ox.NamedNode(article)
        labels = sorted(q.object.value for q in store.quads_for_pattern(node, ox.NamedNode(RDFS_LABEL), None,
                                                                        ox.DefaultGraph())
                        if isinstance(q.object, ox.Literal))
        title = f"the claims of “{labels[0]}”" if labels else f"the claims of <{article}>"
        out += [ox.Quad(ds, _v("subset"), part, graph), ox.Quad(part, RDF_TYPE, _v("Dataset"), graph),
                ox.Quad(part, ox.NamedNode(DCT + "title"), ox.Literal(title), graph),
                ox.Quad(part, ox.NamedNode(DCT + "source"), node, graph),
                ox.Quad(part, _v("exampleResource"), node, graph),
                ox.Quad(part, ox.NamedNode(DCT + "description"), ox.Literal(
                    f"The {claims} claim{'s' if claims != 1 else ''} quoting the article <{article}>: "
                    "void:triples counts the triples of their named graphs."), graph),
                ox.Quad(part, _v("triples"), integer(triples), graph)]
    return out


def access_quads(settings: Settings, sparql_endpoint: str | None, distributions: Iterable[str],
                 graph: ox.NamedNode | ox.DefaultGraph | None = None) -> list[ox.Quad]:
    """void:sparqlEndpoint and void:dataDump: the only VoID triples that depend on the server's
    public URL, so the server computes the rest once and adds these per request."""
    graph = graph or ox.DefaultGraph()
    ds = ox.NamedNode(settings.iris.dataset)
    out = [ox.Quad(ds, _v("sparqlEndpoint"), ox.NamedNode(sparql_endpoint), graph)] if sparql_endpoint else []
    out += [ox.Quad(ds, _v("dataDump"), ox.NamedNode(url), graph) for url in distributions]
    return out


def grouped(triples: Iterable[T]) -> list[T]:
    """Triples ordered by subject, first-seen subject first (stable): Turtle then writes each
    subject once instead of repeating it."""
    first: dict[str, int] = {}
    triples = list(triples)
    for t in triples:
        first.setdefault(str(t.subject), len(first))
    return sorted(triples, key=lambda t: first[str(t.subject)])


@dataclass(frozen=True)
class Statistics:
    """What the server needs about the whole dataset and never recomputes while serving: the named
    graphs (to check `named-graph-uri`), triples per graph (the service description) and the
    VoID counts and partitions. Computed by `ldpub load` and stored with the data, or at start for
    an in-memory store. Stored beside an on-disk store, the per-graph lists are left out (the
    store answers for its graphs: 208,333 of them at 5M triples); sent to a remote store, kept."""

    graph_names: Collection[str]
    sizes: Mapping[str | None, int]  # None: the default graph; beside a disk store, the listed graphs only
    void: list[ox.Quad]
    quads: int

    @cached_property
    def listed(self) -> list[tuple[str, int]]:
        """The first GRAPHS_LISTED named graphs by name, with their triples (once: a pass over them all)."""
        return [(g, self.sizes[g]) for g in heapq.nsmallest(GRAPHS_LISTED, (g for g in self.sizes if g is not None))]

    @classmethod
    def of(cls, store: ox.Store, settings: Settings) -> Statistics:
        counted = census(store, settings.iris.ids, 4)
        return cls(frozenset(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)),
                   counted.sizes, void_quads(store, settings, counted=counted), len(store))

    def to_json(self, graphs: bool = True) -> dict[str, Any]:
        """The statistics as JSON; `graphs`: with the names and sizes of every graph."""
        body = ox.serialize(self.void, format=ox.RdfFormat.N_QUADS)
        doc = {"quads": self.quads, "named_graphs": len(self.graph_names), "default_graph_triples": self.sizes[None],
               "void": (body or b"").decode("utf-8"), "listed": [[g, n] for g, n in self.listed]}
        if graphs:
            doc |= {"graphs": sorted(self.graph_names), "sizes": [[g, n] for g, n in self.sizes.items()]}
        return doc

    @classmethod
    def from_json(cls, doc: dict[str, Any], store: ox.Store | None = None) -> Statistics:
        """The statistics `ldpub load` stored: with the graph lists, or without them beside the
        on-disk `store` they describe, which answers for its graphs."""
        void = list(ox.parse(doc["void"].encode("utf-8"), format=ox.RdfFormat.N_QUADS))
        if store is not None:
            listed: dict[str | None, int] = {None: int(doc["default_graph_triples"]),
                                             **{g: int(n) for g, n in doc["listed"]}}
            return cls(StoreGraphs(store, int(doc["named_graphs"])), listed, void, int(doc["quads"]))
        # One string per graph name, shared by both maps: at 208k graphs (5M triples) the copies cost 25 MB.
        names = {g: g for g in doc["graphs"]}
        sizes = {(g if g is None else names.get(g, g)): int(n) for g, n in doc["sizes"]}
        return cls(frozenset(names), sizes, void, int(doc["quads"]))
