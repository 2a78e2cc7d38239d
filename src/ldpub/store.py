"""Where the served data lives. Today: an embedded pyoxigraph Store loaded from RDF files.

Light on purpose (pyoxigraph and the format registry only): the query workers import it and
must start fast.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pyoxigraph import Store

from ldpub.formats import read_format


def load_store(paths: Iterable[str | Path]) -> Store:
    """An in-memory Store holding every file; named graphs of TriG/N-Quads/JSON-LD are kept,
    triple formats go to the default graph."""
    store = Store()
    for path in paths:
        # bulk_load skips transactions: several times faster for a one-off, read-only load.
        store.bulk_load(path=str(path), format=read_format(path))
    return store
