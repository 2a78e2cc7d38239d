"""Content negotiation: Accept with q-values and wildcards, plus the format= override.

A pure module (no HTTP objects) so every rule is testable as a plain function.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

SPARQL_JSON = "application/sparql-results+json"
SPARQL_XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
JSON_LD = "application/ld+json"
N_TRIPLES = "application/n-triples"
RDF_XML = "application/rdf+xml"
TRIG = "application/trig"
N_QUADS = "application/n-quads"
HTML = "text/html"

# Offered media types, the default first (it wins when the client accepts anything).
RESULT_TYPES: tuple[str, ...] = (SPARQL_JSON, SPARQL_XML, CSV, TSV)
GRAPH_TYPES: tuple[str, ...] = (TURTLE, JSON_LD, N_TRIPLES, RDF_XML, TRIG, N_QUADS)

# Other names clients use for the same bytes (SPARQLWrapper asks for application/json, some
# tools for text/xml or application/x-turtle). Alias -> canonical type we serialise.
ALIASES: dict[str, str] = {
    "application/json": SPARQL_JSON,
    "application/xml": SPARQL_XML,
    "text/xml": SPARQL_XML,
    "application/x-turtle": TURTLE,
    "application/turtle": TURTLE,
    "text/n-triples": N_TRIPLES,
    "text/plain": N_TRIPLES,
    "application/x-trig": TRIG,
    "text/x-nquads": N_QUADS,
}

# format=NAME override (also accepted: a media type, as YASGUI and others send).
FORMAT_NAMES: dict[str, str] = {
    "json": SPARQL_JSON,
    "xml": SPARQL_XML,
    "csv": CSV,
    "tsv": TSV,
    "ttl": TURTLE,
    "turtle": TURTLE,
    "jsonld": JSON_LD,
    "json-ld": JSON_LD,
    "nt": N_TRIPLES,
    "ntriples": N_TRIPLES,
    "rdfxml": RDF_XML,
    "rdf": RDF_XML,
    "trig": TRIG,
    "nq": N_QUADS,
    "nquads": N_QUADS,
    "html": HTML,
}
# The same names mean the graph flavour for CONSTRUCT/DESCRIBE when that is what the client wants.
_GRAPH_FLAVOUR = {SPARQL_JSON: JSON_LD, SPARQL_XML: RDF_XML}


class NotAcceptable(Exception):
    """Nothing offered matches; carries the offered list for the 406 body."""

    def __init__(self, offered: tuple[str, ...], asked: str) -> None:
        self.offered = offered
        self.asked = asked
        super().__init__(
            f"Not Acceptable: cannot produce {asked!r}. Available: {', '.join(offered)}"
        )


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float
    order: int  # position in the header: tie-breaker after q and specificity

    @property
    def specificity(self) -> int:
        return (self.type != "*") + (self.subtype != "*")

    def matches(self, media_type: str) -> bool:
        main, _, sub = media_type.partition("/")
        return self.type in ("*", main) and self.subtype in ("*", sub)


@lru_cache(maxsize=512)
def parse_accept(header: str | None) -> tuple[MediaRange, ...]:
    """Media ranges of an Accept header; malformed parts are skipped (never an error)."""
    if not header or not header.strip():
        return (MediaRange("*", "*", 1.0, 0),)
    ranges = []
    for order, part in enumerate(header.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if "/" not in media:
            if media == "*":  # some clients send a bare "*"
                media = "*/*"
            else:
                continue
        main, _, sub = media.partition("/")
        q = 1.0
        for param in pieces[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append(MediaRange(main, sub, q, order))
    return tuple(ranges)


def _quality(ranges: tuple[MediaRange, ...], media_type: str) -> tuple[float, int, int]:
    """(q, specificity, -order) of the most specific range matching media_type (RFC 9110 12.5.1)."""
    best: MediaRange | None = None
    for r in ranges:
        if r.matches(media_type) and (best is None or r.specificity > best.specificity):
            best = r
    if best is None:
        return (0.0, 0, 0)
    return (best.q, best.specificity, -best.order)


@lru_cache(maxsize=1024)
def choose(accept: str | None, offered: tuple[str, ...]) -> str | None:
    """The offered canonical type the client prefers, or None. Aliases count for their target.

    Order: highest q; then the more specific range (text/turtle beats */*); then the client's
    order; then ours (so */* gives our default)."""
    ranges = parse_accept(accept)
    candidates = [(t, t) for t in offered]
    candidates += [(alias, target) for alias, target in ALIASES.items() if target in offered]
    best_key: tuple | None = None
    best: str | None = None
    for rank, (name, target) in enumerate(candidates):
        q, spec, order = _quality(ranges, name)
        if q <= 0:
            continue
        key = (q, spec, order, -rank)
        if best_key is None or key > best_key:
            best_key, best = key, target
    return best


def negotiate(accept: str | None, format_param: str | None, offered: tuple[str, ...]) -> str:
    """The media type to answer with. format= wins over Accept; NotAcceptable when none fits."""
    if format_param:
        name = format_param.strip().lower()
        wanted = FORMAT_NAMES.get(name) or ALIASES.get(name) or name
        if wanted not in offered and _GRAPH_FLAVOUR.get(wanted) in offered:
            wanted = _GRAPH_FLAVOUR[wanted]
        if wanted not in offered:
            raise NotAcceptable(offered, f"format={format_param}")
        return wanted
    chosen = choose(accept, offered)
    if chosen is None:
        raise NotAcceptable(offered, accept or "")
    return chosen


def prefers_html(accept: str | None) -> bool:
    """True when a browser-like client ranks text/html above every RDF/JSON answer."""
    if not accept or HTML not in accept.lower():
        return False
    return choose(accept, (HTML, TURTLE, JSON_LD, SPARQL_JSON)) == HTML
