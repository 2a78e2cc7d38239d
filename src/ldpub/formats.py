"""The one registry of formats: every media type, file suffix, format= name, alias and W3C format
IRI ldpub reads or writes lives in FORMATS, and content negotiation, the pages, the dumps, the
downloads, VoID and the service description all read it.

To publish a new RDF format, add one `Format` line below: pages (/id/x.<suffix>), negotiation,
CONSTRUCT/DESCRIBE answers, the service description and `ldpub serve FILE.<suffix>` follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pyoxigraph as ox

W3C_FORMATS = "http://www.w3.org/ns/formats/"

Kind = Literal["results", "rdf", "html", "file"]


@dataclass(frozen=True)
class Format:
    name: str  # for people: "Turtle"
    media_type: str  # the canonical type we send
    kind: Kind  # SPARQL results, RDF, an HTML page, or another file of dist/
    suffix: str | None = None  # file and page suffix, without the dot
    w3c: str | None = None  # local name of the W3C format IRI (http://www.w3.org/ns/formats/)
    names: tuple[str, ...] = ()  # format=NAME values that ask for it
    aliases: tuple[str, ...] = ()  # other media types clients send for the same bytes
    rdf: ox.RdfFormat | None = None  # pyoxigraph's parser/serialiser, for RDF formats
    dump: bool = False  # written to dist/ by the build
    graph_twin: str | None = None  # results format -> the RDF type a format= name means for graphs
    read_suffixes: tuple[str, ...] = ()  # more file suffixes read as this format

    @property
    def carries_graphs(self) -> bool:
        """True for an RDF format that keeps named graphs (TriG, N-Quads, JSON-LD)."""
        return self.rdf is not None and self.rdf.supports_datasets

    @property
    def w3c_iri(self) -> str | None:
        return W3C_FORMATS + self.w3c if self.w3c else None


# Order matters: within a kind, the first is the default (it wins for */*).
FORMATS: tuple[Format, ...] = (
    Format("SPARQL JSON results", "application/sparql-results+json", "results", "srj",
           "SPARQL_Results_JSON", ("json",), ("application/json",), graph_twin="application/ld+json"),
    Format("SPARQL XML results", "application/sparql-results+xml", "results", "srx",
           "SPARQL_Results_XML", ("xml",), ("application/xml", "text/xml"),
           graph_twin="application/rdf+xml"),
    Format("CSV", "text/csv", "results", "csv", "SPARQL_Results_CSV", ("csv",)),
    Format("TSV", "text/tab-separated-values", "results", "tsv", "SPARQL_Results_TSV", ("tsv",)),
    Format("Turtle", "text/turtle", "rdf", "ttl", "Turtle", ("ttl", "turtle"),
           ("application/x-turtle", "application/turtle"), ox.RdfFormat.TURTLE, dump=True,
           read_suffixes=("turtle",)),
    Format("JSON-LD", "application/ld+json", "rdf", "jsonld", "JSON-LD", ("jsonld", "json-ld"),
           rdf=ox.RdfFormat.JSON_LD, dump=True, read_suffixes=("json",)),
    Format("N-Triples", "application/n-triples", "rdf", "nt", "N-Triples", ("nt", "ntriples"),
           ("text/n-triples", "text/plain"), ox.RdfFormat.N_TRIPLES, dump=True),
    Format("RDF/XML", "application/rdf+xml", "rdf", "rdf", "RDF_XML", ("rdfxml", "rdf"),
           rdf=ox.RdfFormat.RDF_XML, read_suffixes=("owl", "xml")),
    Format("TriG", "application/trig", "rdf", "trig", "TriG", ("trig",), ("application/x-trig",),
           ox.RdfFormat.TRIG, dump=True),
    Format("N-Quads", "application/n-quads", "rdf", "nq", "N-Quads", ("nq", "nquads"),
           ("text/x-nquads",), ox.RdfFormat.N_QUADS, dump=True),
    Format("N3", "text/n3", "rdf", "n3", "N3", ("n3",), rdf=ox.RdfFormat.N3),
    Format("HTML", "text/html", "html", "html", names=("html",)),
    Format("SPARQL query", "application/sparql-query", "file", "rq"),
    Format("JSON", "application/json", "file", "json"),
    Format("plain text", "text/plain", "file"),
)

BY_MEDIA_TYPE: dict[str, Format] = {f.media_type: f for f in FORMATS if f.kind != "file"}
BY_SUFFIX: dict[str, Format] = {f.suffix: f for f in FORMATS if f.suffix and f.kind != "file"}

RESULT_TYPES: tuple[str, ...] = tuple(f.media_type for f in FORMATS if f.kind == "results")
GRAPH_TYPES: tuple[str, ...] = tuple(f.media_type for f in FORMATS if f.kind == "rdf")
# A page (/id/x) is HTML for browsers, RDF for everyone else.
PAGE_TYPES: tuple[str, ...] = ("text/html", *GRAPH_TYPES)
HTML = "text/html"
TURTLE = "text/turtle"
JSON_LD = "application/ld+json"
SPARQL_JSON = "application/sparql-results+json"

ALIASES: dict[str, str] = {alias: f.media_type for f in FORMATS for alias in f.aliases}
FORMAT_NAMES: dict[str, str] = {name: f.media_type for f in FORMATS for name in f.names}
GRAPH_TWINS: dict[str, str] = {f.media_type: f.graph_twin for f in FORMATS if f.graph_twin}

RDF_FORMATS: tuple[Format, ...] = tuple(f for f in FORMATS if f.kind == "rdf")
DUMP_FORMATS: tuple[Format, ...] = tuple(f for f in RDF_FORMATS if f.dump)
# File suffix (with the dot) -> format, for reading RDF files.
READ_SUFFIXES: dict[str, ox.RdfFormat] = {
    "." + suffix: f.rdf for f in RDF_FORMATS if f.rdf is not None
    for suffix in (f.suffix, *f.read_suffixes) if suffix}


def rdf_format(media_type: str) -> ox.RdfFormat | None:
    """pyoxigraph's RDF format for one of our media types, or None."""
    fmt = BY_MEDIA_TYPE.get(media_type)
    return fmt.rdf if fmt else None


def carries_graphs(media_type: str) -> bool:
    fmt = BY_MEDIA_TYPE.get(media_type)
    return fmt is not None and fmt.carries_graphs


def read_format(path: str | Path) -> ox.RdfFormat:
    """The RDF format of a file to read, from its suffix; ValueError naming the known ones."""
    suffix = Path(path).suffix.lower()
    try:
        return READ_SUFFIXES[suffix]
    except KeyError:
        known = ", ".join(sorted(READ_SUFFIXES))
        raise ValueError(f"{path}: unknown RDF file suffix {suffix!r} (known: {known})") from None


def file_type(name: str) -> Format | None:
    """The format of a file of dist/ by its suffix (a trailing .gz is the caller's business)."""
    suffix = name.rpartition(".")[2] if "." in name else ""
    for fmt in FORMATS:
        if fmt.suffix == suffix:
            return fmt
    return None


def content_type(media_type: str) -> str:
    """The Content-Type header for a media type: text and +xml/+json types say UTF-8."""
    if media_type.startswith("text/") or media_type.endswith(("+xml", "+json")):
        return f"{media_type}; charset=utf-8"
    return media_type
