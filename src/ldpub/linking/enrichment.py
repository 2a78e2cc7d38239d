"""Wikidata enrichment, kept apart from the article.

`enrich_quads()` fetches, for the linked items, labels, descriptions and a few facts (P31, P17, P27,
P131, P39 with its start/end qualifiers) into ONE named graph (`IriScheme.enrichment_graph`),
in Wikidata's own vocabulary and about Wikidata's IRIs only; its provenance (default graph) says it
is from Wikidata, retrieved on a date, derived from the endpoint. Nothing in it is a claim of the
article. `enrich_to_file()` writes it as TriG through the one serialiser (ldpub.rdf).

The entity pages put it beside what the article says (ldpub.site.wikidata).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from ldpub import ns
from ldpub.iris import IriScheme
from ldpub.linking.client import LANGS, PREFIXES, SparqlClient, chunks
from ldpub.linking.links import Link, read_links
from ldpub.rdf import rdf_bytes
from ldpub.settings import Settings, default_settings

WIKIDATA = ox.NamedNode(ns.WD + "Q2013")  # Wikidata, the project
CC0 = ox.NamedNode("http://creativecommons.org/publicdomain/zero/1.0/")
FACTS = ("P31", "P17", "P27", "P131", "P39")
LANG_FILTER = "FILTER(LANG(?o) IN (" + ", ".join(f'"{lang}"' for lang in LANGS) + "))"
# The prefixes the TriG file is written with (Wikidata's schema: is http, hence wdschema:).
PREFIXES_TRIG = {
    "wd": ns.WD, "wdt": ns.WDT, "p": ns.WIKIDATA_P, "ps": ns.WIKIDATA_PS, "pq": ns.WIKIDATA_PQ,
    "prov": ns.PROV, "dcterms": ns.DCTERMS, "skos": ns.SKOS, "wdschema": ns.SCHEMA_HTTP,
    "rdfs": ns.RDFS, "xsd": ns.XSD,
}

Term = ox.NamedNode | ox.Literal


def _term(row: dict[str, str], var: str) -> Term | None:
    """The RDF term of a result binding; None for a blank node (never copied) or a term that is no
    valid RDF (an IRI pyoxigraph refuses)."""
    kind = row.get(f"{var}@type")
    try:
        if kind == "uri":
            return ox.NamedNode(row[var])
        if kind == "literal":
            if f"{var}@lang" in row:
                return ox.Literal(row[var], language=row[f"{var}@lang"])
            if f"{var}@datatype" in row:
                return ox.Literal(row[var], datatype=ox.NamedNode(row[f"{var}@datatype"]))
            return ox.Literal(row[var])
    except ValueError:
        return None
    return None


def _triples(rows: Iterable[dict[str, str]]) -> Iterable[tuple[ox.NamedNode, ox.NamedNode, Term]]:
    for row in rows:
        s, p, o = _term(row, "s"), _term(row, "p"), _term(row, "o")
        if isinstance(s, ox.NamedNode) and isinstance(p, ox.NamedNode) and o is not None:
            yield s, p, o


def fetch_triples(client: SparqlClient, qids: Iterable[str]) -> set[tuple[ox.NamedNode, ox.NamedNode, Term]]:
    """Labels, descriptions and the FACTS of the items, and English/Russian/Kazakh labels of what they point to."""
    triples: set[tuple[ox.NamedNode, ox.NamedNode, Term]] = set()
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
            triples.update(_triples(client.select(PREFIXES + q)))
    targets = sorted({o.value for _, p, o in triples
                      if isinstance(o, ox.NamedNode) and (p.value.startswith(ns.WDT) or p.value == ns.WIKIDATA_PS + "P39")})
    for chunk in chunks(targets, 40):
        values = " ".join(str(ox.NamedNode(t)) for t in chunk)  # <iri>, valid: pyoxigraph checked it
        triples.update(_triples(client.select(PREFIXES + f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} "
                                              f"VALUES ?p {{ rdfs:label }} ?s ?p ?o . {LANG_FILTER} }}")))
    return triples


def enrich_quads(client: SparqlClient, links: list[Link], iris: IriScheme, *,
                 retrieved: dt.datetime | None = None) -> list[ox.Quad]:
    """The enrichment graph of the linked items, and its provenance in the default graph."""
    retrieved = (retrieved or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    graph = ox.NamedNode(iris.enrichment_graph)
    qids = sorted({link.qid for link in links}, key=lambda q: int(q[1:]))
    quads = [ox.Quad(s, p, o, graph) for s, p, o in fetch_triples(client, qids)]

    def about(predicate: str, obj: Term) -> None:
        quads.append(ox.Quad(graph, ox.NamedNode(predicate), obj))

    day = retrieved.date().isoformat()
    about(ns.RDF + "type", ox.NamedNode(ns.PROV + "Entity"))
    about(ns.RDFS + "label", ox.Literal("Wikidata enrichment of the linked items", language="en"))
    about(ns.RDFS + "comment", ox.Literal(
        f"From Wikidata, retrieved on {day}: labels, descriptions, {', '.join(FACTS)} (P39 with start and end) "
        "of the items our entities are linked to. Wikidata's statements, not the article's claims.", language="en"))
    about(ns.PROV + "wasDerivedFrom", ox.NamedNode(client.endpoint))
    about(ns.PROV + "wasAttributedTo", WIKIDATA)
    about(ns.PROV + "generatedAtTime", ox.Literal(retrieved.isoformat(), datatype=ox.NamedNode(ns.XSD + "dateTime")))
    about(ns.DCTERMS + "license", CC0)
    for q in qids:
        about(ns.DCTERMS + "source", ox.NamedNode(ns.WD + q))
    quads.append(ox.Quad(WIKIDATA, ox.NamedNode(ns.RDFS + "label"), ox.Literal("Wikidata", language="en")))
    return quads


def enrich_to_file(client: SparqlClient, links: list[Link], target: Path, iris: IriScheme | None = None) -> int:
    """Write the enrichment of `links` to `target` (TriG); the number of triples in its graph.
    The IRI scheme defaults to the project's (ldpub.toml)."""
    iris = iris or default_settings().iris
    quads = enrich_quads(client, links, iris)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(rdf_bytes(quads, ox.RdfFormat.TRIG, PREFIXES_TRIG))
    return sum(1 for q in quads if q.graph_name == ox.NamedNode(iris.enrichment_graph))


def default_target(settings: Settings) -> Path:
    """Where `ldpub link --enrich` writes, and where the entity pages look for it."""
    return settings.enrichment_path


def enrich(settings: Settings, client: SparqlClient, links_path: Path, target: Path | None = None) -> int:
    """`ldpub link --enrich`: fetch the facts of every linked item into the enrichment file."""
    target = target or default_target(settings)
    links = read_links(links_path, settings.iris)
    n = enrich_to_file(client, links, target, settings.iris)
    print(f"wrote {n} triples about {len(links)} linked items to {target}")
    return 0
