"""RDF files in and out: file suffix -> pyoxigraph format and media type, and loading a Store.

Imports only pyoxigraph: the query worker uses it, and it must start fast and stay small.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

# Suffix -> format. Serving "any Turtle/N-Triples/TriG/N-Quads/JSON-LD file" is the contract;
# RDF/XML and N3 come for free.
SUFFIX_FORMATS: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".turtle": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".trig": ox.RdfFormat.TRIG,
    ".nq": ox.RdfFormat.N_QUADS,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
    ".n3": ox.RdfFormat.N3,
}


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
