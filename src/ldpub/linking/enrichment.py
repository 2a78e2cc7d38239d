"""Wikidata enrichment, kept apart from the article.

`enrich_dataset()` fetches, for the linked items, labels, descriptions and a few facts (P31, P17, P27,
P131, P39 with its start/end qualifiers) into ONE named graph, ENRICHMENT_GRAPH, in Wikidata's own
vocabulary and about Wikidata's IRIs only; its provenance (default graph) says it is from Wikidata,
retrieved on a date, derived from the endpoint. Nothing in it is a claim of the article.

`article_vs_wikidata()` puts, for one of our entities, what the article says beside what Wikidata says
(for the entity pages).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Iterable

from rdflib import RDF, RDFS, XSD, Dataset, Graph, Literal, Namespace, URIRef

from ldpub.linking.client import LANGS, PREFIXES, SparqlClient, chunks, qid_of
from ldpub.linking.links import Link
from ldpub.ns import WD

ENRICHMENT_GRAPH = URIRef("https://w3id.org/kz-masimov/graph/wikidata-enrichment")
WIKIDATA = URIRef(WD + "Q2013")  # Wikidata, the project
CC0 = URIRef("http://creativecommons.org/publicdomain/zero/1.0/")
PROV = Namespace("http://www.w3.org/ns/prov#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
SDO_WD = Namespace("http://schema.org/")  # Wikidata's schema: is http
WDT = Namespace("http://www.wikidata.org/prop/direct/")
P = Namespace("http://www.wikidata.org/prop/")
PS = Namespace("http://www.wikidata.org/prop/statement/")
PQ = Namespace("http://www.wikidata.org/prop/qualifier/")
FACTS = ("P31", "P17", "P27", "P131", "P39")
LANG_FILTER = "FILTER(LANG(?o) IN (" + ", ".join(f'"{lang}"' for lang in LANGS) + "))"


def _term(row: dict[str, str], var: str):
    kind = row.get(f"{var}@type")
    if kind == "uri":
        return URIRef(row[var])
    if kind == "literal":
        if f"{var}@lang" in row:
            return Literal(row[var], lang=row[f"{var}@lang"])
        return Literal(row[var], datatype=URIRef(row[f"{var}@datatype"]) if f"{var}@datatype" in row else None)
    return None  # blank nodes are never copied


def fetch_triples(client: SparqlClient, qids: Iterable[str]) -> set[tuple]:
    """Labels, descriptions and the FACTS of the items, and English/Russian/Kazakh labels of what they point to."""
    triples: set[tuple] = set()
    qids = sorted(set(qids), key=lambda q: int(q[1:]))
    for chunk in chunks(qids, 25):
        items = " ".join(f"wd:{q}" for q in chunk)
        queries = [
            f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {items} }} VALUES ?p {{ rdfs:label skos:altLabel schema:description }} "
            f"?s ?p ?o . {LANG_FILTER} }}",
            f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {items} }} VALUES ?p {{ {' '.join('wdt:' + f for f in FACTS)} p:P39 }} "
            "?s ?p ?o }",
            f"SELECT ?s ?p ?o WHERE {{ VALUES ?item {{ {items} }} ?item p:P39 ?s . "
            "VALUES ?p { ps:P39 pq:P580 pq:P582 } ?s ?p ?o }",
        ]
        for q in queries:
            for row in client.select(PREFIXES + q):
                t = (_term(row, "s"), _term(row, "p"), _term(row, "o"))
                if None not in t:
                    triples.add(t)
    targets = sorted({str(o) for _, p, o in triples if str(p).startswith(str(WDT)) or p == PS.P39})
    for chunk in chunks(targets, 40):
        values = " ".join(f"<{t}>" for t in chunk)
        for row in client.select(PREFIXES + f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} "
                                 f"VALUES ?p {{ rdfs:label }} ?s ?p ?o . {LANG_FILTER} }}"):
            t = (_term(row, "s"), _term(row, "p"), _term(row, "o"))
            if None not in t:
                triples.add(t)
    return triples


def enrich_dataset(client: SparqlClient, links: list[Link], *, retrieved: dt.datetime | None = None) -> Dataset:
    retrieved = (retrieved or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0)
    ds = Dataset()
    for prefix, ns in [("wd", WD), ("wdt", WDT), ("p", P), ("ps", PS), ("pq", PQ), ("prov", PROV),
                       ("dcterms", DCTERMS), ("skos", SKOS), ("wdschema", SDO_WD)]:
        ds.bind(prefix, ns)
    g = ds.graph(ENRICHMENT_GRAPH)
    qids = sorted({l.qid for l in links}, key=lambda q: int(q[1:]))
    for t in fetch_triples(client, qids):
        g.add(t)
    d = ds.default_graph
    day = retrieved.date().isoformat()
    d.add((ENRICHMENT_GRAPH, RDF.type, PROV.Entity))
    d.add((ENRICHMENT_GRAPH, RDFS.label, Literal("Wikidata enrichment of the linked items", lang="en")))
    d.add((ENRICHMENT_GRAPH, RDFS.comment, Literal(
        f"From Wikidata, retrieved on {day}: labels, descriptions, {', '.join(FACTS)} (P39 with start and end) "
        "of the items our entities are linked to. Wikidata's statements, not the article's claims.", lang="en")))
    d.add((ENRICHMENT_GRAPH, PROV.wasDerivedFrom, URIRef(client.endpoint)))
    d.add((ENRICHMENT_GRAPH, PROV.wasAttributedTo, WIKIDATA))
    d.add((ENRICHMENT_GRAPH, PROV.generatedAtTime, Literal(retrieved.isoformat(), datatype=XSD.dateTime)))
    d.add((ENRICHMENT_GRAPH, DCTERMS.license, CC0))
    for q in qids:
        d.add((ENRICHMENT_GRAPH, DCTERMS.source, URIRef(WD + q)))
    d.add((WIKIDATA, RDFS.label, Literal("Wikidata", lang="en")))
    return ds


def enrich_to_file(client: SparqlClient, links: list[Link], target: Path) -> int:
    ds = enrich_dataset(client, links)
    target.parent.mkdir(parents=True, exist_ok=True)
    ds.serialize(destination=str(target), format="trig")
    return len(ds.graph(ENRICHMENT_GRAPH))


# ------------------------------------------------------------------ side by side


def _label(graphs: list[Graph], node) -> str:
    for g in graphs:
        for p in (RDFS.label, URIRef("https://schema.org/name"), URIRef("https://w3id.org/kz-masimov/def#name")):
            for o in g.objects(node, p):
                if getattr(o, "language", None) in (None, "en"):
                    return str(o)
    return qid_of(str(node)) if str(node).startswith(WD) else str(node)


def article_vs_wikidata(entity: str, article: Dataset, enrichment: Dataset | Graph | None,
                        links: list[Link]) -> dict:
    """What the article says about `entity` beside what Wikidata says about its linked item.

    Returns {"entity", "label", "links": [{"qid", "iri", "match", "confidence"}], "retrieved",
    "rows": [{"aspect", "article": [str], "wikidata": [str]}],
    "article_statements": [{"predicate", "value", "graph"}]}; a "graph" of None is the default graph.
    """
    e = URIRef(entity)
    union = Graph()
    for s, p, o, _g in article.quads((None, None, None, None)):
        union.add((s, p, o))
    wd_graph = Graph()
    retrieved = None
    if enrichment is not None:
        if isinstance(enrichment, Dataset):
            wd_graph = enrichment.graph(ENRICHMENT_GRAPH)
            retrieved = enrichment.default_graph.value(ENRICHMENT_GRAPH, PROV.generatedAtTime)
        else:
            wd_graph = enrichment
    mine = [l for l in links if l.entity == entity]
    items = [URIRef(WD + l.qid) for l in mine]

    def wd_values(pid: str) -> list[str]:
        return sorted(f"{_label([wd_graph], o)} ({qid_of(str(o))})" for i in items for o in wd_graph.objects(i, WDT[pid]))

    def wd_text(p) -> list[str]:
        return sorted(f"{o}@{o.language}" if o.language else str(o) for i in items for o in wd_graph.objects(i, p))

    positions = []
    for i in items:
        for st in wd_graph.objects(i, P.P39):
            pos = wd_graph.value(st, PS.P39)
            start = str(wd_graph.value(st, PQ.P580) or "?")[:10]
            end = str(wd_graph.value(st, PQ.P582) or "")[:10] or "now"
            positions.append(f"{_label([wd_graph], pos)} ({qid_of(str(pos))}), {start} – {end}")
    base = entity.split("/id/")[0] + "/id/"
    held = sorted({
        f"{_label([union], post)} (claim {g})"
        for _h, post, g in article.query(
            "SELECT DISTINCT ?h ?post ?g WHERE { GRAPH ?g { ?h ?p1 ?e . ?h ?p2 ?post } "
            "FILTER(STRSTARTS(STR(?post), ?base) && ?post != ?e) }",
            initBindings={"e": e, "base": Literal(base + "post/")},
        )
    })
    names = sorted({f"{o}@{o.language}" if getattr(o, "language", None) else str(o)
                    for p in (URIRef("https://w3id.org/kz-masimov/def#name"), URIRef("https://w3id.org/kz-masimov/def#altName"),
                              RDFS.label, URIRef("https://schema.org/name"))
                    for o in union.objects(e, p)})
    def said(*words: str) -> list[str]:  # article statements whose predicate name has one of the words
        return sorted({
            f"{_label([union], o)} (claim {g})" if g != article.default_graph.identifier else _label([union], o)
            for _s, p, o, g in article.quads((e, None, None, None))
            if any(w in str(p).rsplit("#", 1)[-1].rsplit("/", 1)[-1].casefold() for w in words)
        })

    statements = sorted(
        ({"predicate": str(p), "value": str(o), "graph": None if g is None or g == article.default_graph.identifier else str(g)}
         for s, p, o, g in article.quads((e, None, None, None))),
        key=lambda r: (r["graph"] or "", r["predicate"], r["value"]),
    )
    return {
        "entity": entity,
        "label": _label([union], e),
        "links": [{"qid": l.qid, "iri": WD + l.qid, "match": l.match, "confidence": l.confidence} for l in mine],
        "retrieved": str(retrieved) if retrieved else None,
        "rows": [
            {"aspect": "name", "article": names, "wikidata": wd_text(RDFS.label)},
            {"aspect": "description", "article": sorted(str(o) for o in union.objects(e, RDFS.comment)),
             "wikidata": wd_text(SDO_WD.description)},
            {"aspect": "instance of", "article": sorted(_label([union], o) for o in union.objects(e, RDF.type)),
             "wikidata": wd_values("P31")},
            {"aspect": "position held", "article": held, "wikidata": sorted(positions)},
            {"aspect": "country", "article": said("country"), "wikidata": wd_values("P17") + wd_values("P27")},
            {"aspect": "located in", "article": said("locatedin", "within", "partof"), "wikidata": wd_values("P131")},
        ],
        "article_statements": statements,
    }
