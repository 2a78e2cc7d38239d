"""Content negotiation: Accept with q-values and wildcards, plus the format= override.

A pure module (no HTTP objects) so every rule is testable as a plain function.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ldpub import formats
from ldpub.errors import NotAcceptable

# The registry's tables, under the names the rules below read.
ALIASES = formats.ALIASES
FORMAT_NAMES = formats.FORMAT_NAMES
HTML = formats.HTML


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


# An Accept header is the client's to choose: read at most this many ranges, and cache only
# short headers, so that a huge one costs one bounded parse and no memory afterwards.
MAX_RANGES = 64
CACHED_HEADER = 512


def parse_accept(header: str | None) -> tuple[MediaRange, ...]:
    """Media ranges of an Accept header; malformed parts are skipped (never an error)."""
    if header is not None and len(header) > CACHED_HEADER:
        return _parse_accept(header)
    return _cached_accept(header)


@lru_cache(maxsize=512)
def _cached_accept(header: str | None) -> tuple[MediaRange, ...]:
    return _parse_accept(header)


def _parse_accept(header: str | None) -> tuple[MediaRange, ...]:
    if not header or not header.strip():
        return (MediaRange("*", "*", 1.0, 0),)
    ranges = []
    for order, part in enumerate(header.split(",", MAX_RANGES)[:MAX_RANGES]):
        pieces = [p.strip() for p in part.split(";", 8)[:8]]
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
                    q = max(0.0, min(1.0, float(value[:16])))
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


def choose(accept: str | None, offered: tuple[str, ...]) -> str | None:
    """The offered canonical type the client prefers, or None. Aliases count for their target.

    Order: highest q; then the more specific range (text/turtle beats */*); then the client's
    order; then ours (so */* gives our default)."""
    if accept is not None and len(accept) > CACHED_HEADER:
        return _choose(accept, offered)
    return _cached_choose(accept, offered)


@lru_cache(maxsize=1024)
def _cached_choose(accept: str | None, offered: tuple[str, ...]) -> str | None:
    return _choose(accept, offered)


def _choose(accept: str | None, offered: tuple[str, ...]) -> str | None:
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
        if wanted not in offered and formats.GRAPH_TWINS.get(wanted) in offered:
            wanted = formats.GRAPH_TWINS[wanted]
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
    return choose(accept, (HTML, formats.TURTLE, formats.JSON_LD, formats.SPARQL_JSON)) == HTML
