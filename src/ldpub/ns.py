"""Every namespace ldpub uses, in one place.

The well-known vocabularies are constants here; the publication's own (kzm:, id:, claim: …)
come from its IRI scheme, and the published JSON-LD context (ontology/context.jsonld) is the
one source of the prefixes written into Turtle, TriG and JSON-LD answers. A test checks that
every constant below agrees with that context.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import pyoxigraph as ox

from ldpub.settings import Settings

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "https://schema.org/"
FOAF = "http://xmlns.com/foaf/0.1/"
DCTERMS = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
VOID = "http://rdfs.org/ns/void#"
SPDX = "http://spdx.org/rdf/terms#"
PROV = "http://www.w3.org/ns/prov#"
OA = "http://www.w3.org/ns/oa#"
ORG = "http://www.w3.org/ns/org#"
SEM = "http://semanticweb.cs.vu.nl/2009/11/sem/"
TIME = "http://www.w3.org/2006/time#"
SH = "http://www.w3.org/ns/shacl#"
SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
IANA = "http://www.iana.org/assignments/media-types/"
# Wikidata's RDF model.
WD = "http://www.wikidata.org/entity/"
WDT = "http://www.wikidata.org/prop/direct/"
WIKIDATA_P = "http://www.wikidata.org/prop/"
WIKIDATA_PS = "http://www.wikidata.org/prop/statement/"
WIKIDATA_PQ = "http://www.wikidata.org/prop/qualifier/"
SCHEMA_HTTP = "http://schema.org/"  # Wikidata writes schema: as http

# Prefix -> namespace of the well-known vocabularies, for answers written without a context.
WELL_KNOWN: dict[str, str] = {
    "rdf": RDF, "rdfs": RDFS, "owl": OWL, "xsd": XSD, "skos": SKOS, "schema": SCHEMA,
    "foaf": FOAF, "dcterms": DCTERMS, "prov": PROV, "oa": OA, "sh": SH, "void": VOID,
    "dcat": DCAT, "org": ORG, "time": TIME, "sem": SEM, "wd": WD,
}

# Prefixes people write that the publication does not predeclare: named in the one-line error
# of a query that uses one undeclared.
COMMON_PREFIXES: dict[str, str] = {
    **WELL_KNOWN, "wdt": WDT, "p": WIKIDATA_P, "ps": WIKIDATA_PS, "pq": WIKIDATA_PQ,
    "dc": "http://purl.org/dc/elements/1.1/", "sd": SD, "spdx": SPDX,
    "wikibase": "http://wikiba.se/ontology#", "bd": "http://www.bigdata.com/rdf#",
}

RDF_TYPE = ox.NamedNode(RDF + "type")
XSD_BOOLEAN = ox.NamedNode(XSD + "boolean")
XSD_INTEGER = ox.NamedNode(XSD + "integer")

CONTEXT_FILE = "context.jsonld"


@lru_cache(maxsize=8)
def context_document(settings: Settings) -> dict[str, Any] | None:
    """The published JSON-LD context document ({"@context": {...}}), or None when missing or unusable."""
    try:
        ctx = json.loads((settings.ontology_path / CONTEXT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return ctx if isinstance(ctx, dict) and isinstance(ctx.get("@context"), dict) else None


def namespaces(settings: Settings) -> dict[str, str]:
    """The namespace entries of the context (prefix -> IRI ending in / or #), sorted by prefix."""
    ctx = (context_document(settings) or {}).get("@context", {})
    return {k: v for k, v in sorted(ctx.items())
            if isinstance(v, str) and not k.startswith("@") and v.endswith(("/", "#"))}


@lru_cache(maxsize=8)
def prefixes(settings: Settings) -> dict[str, str]:
    """Prefixes for Turtle/TriG/RDF-XML answers: the well-known vocabularies, ours (from the
    IRI scheme, for data published without a context) and the context's, which win. Shared:
    callers copy before changing it."""
    iris = settings.iris
    return {**WELL_KNOWN, "kzm": iris.vocab, "id": iris.ids, **namespaces(settings)}
