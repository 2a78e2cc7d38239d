"""RDF files in and out: file suffix -> pyoxigraph format and media type, and loading a Store.

Imports only pyoxigraph: the query worker uses it, and it must start fast and stay small.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

# The one format table: the RDF formats ldpub publishes (pages, dumps), by file suffix, with
# their W3C format IRI (http://www.w3.org/ns/formats/). Media types, "carries named graphs"
# (supports_datasets) and suffixes come from pyoxigraph's RdfFormat, never from a copy.
FORMAT_IRI = "http://www.w3.org/ns/formats/"
PUBLISHED: dict[str, tuple[ox.RdfFormat, str]] = {
    "ttl": (ox.RdfFormat.TURTLE, "Turtle"),
    "jsonld": (ox.RdfFormat.JSON_LD, "JSON-LD"),
    "nt": (ox.RdfFormat.N_TRIPLES, "N-Triples"),
    "rdf": (ox.RdfFormat.RDF_XML, "RDF_XML"),
    "trig": (ox.RdfFormat.TRIG, "TriG"),
    "nq": (ox.RdfFormat.N_QUADS, "N-Quads"),
}
# Suffixes read when loading files: the published ones plus the common aliases and N3.
# Serving "any Turtle/N-Triples/TriG/N-Quads/JSON-LD file" is the contract.
SUFFIX_FORMATS: dict[str, ox.RdfFormat] = {
    **{"." + suffix: fmt for suffix, (fmt, _) in PUBLISHED.items()},
    ".turtle": ox.RdfFormat.TURTLE,
    ".json": ox.RdfFormat.JSON_LD,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
    ".n3": ox.RdfFormat.N3,
}


def published_format(suffix: str) -> ox.RdfFormat | None:
    """The published RDF format of a suffix ('ttl' or '.ttl'), or None."""
    entry = PUBLISHED.get(suffix.lstrip("."))
    return entry[0] if entry else None


def carries_graphs(media_type: str) -> bool:
    """True for a format that keeps named graphs (TriG, N-Quads, JSON-LD)."""
    fmt = ox.RdfFormat.from_media_type(media_type)
    return fmt is not None and fmt.supports_datasets


def format_for(path: str | Path) -> ox.RdfFormat:
    """The RDF format of a file, from its suffix (a trailing .gz is not supported)."""
    suffix = Path(path).suffix.lower()
    try:
        return SUFFIX_FORMATS[suffix]
    except KeyError:
        known = ", ".join(sorted(SUFFIX_FORMATS))
        raise ValueError(f"{path}: unknown RDF file suffix {suffix!r} (known: {known})") from None


def media_type_for(path: str | Path) -> str:
    return format_for(path).media_type


def load_store(paths: Iterable[str | Path]) -> ox.Store:
    """An in-memory Store holding every file; named graphs of TriG/N-Quads/JSON-LD are kept,
    triple formats go to the default graph."""
    store = ox.Store()
    for path in paths:
        path = Path(path)
        # bulk_load skips transactions: several times faster for a one-off, read-only load.
        store.bulk_load(path=str(path), format=format_for(path))
    return store
