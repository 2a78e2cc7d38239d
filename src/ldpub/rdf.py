"""The one serialiser of RDF: the dumps, the pages, VoID and the service description.

pyoxigraph writes in the order it is given, so sorting the quads is all it takes for Turtle,
TriG, N-Triples and N-Quads to be byte-identical from run to run. JSON-LD is compacted with pyld
against the published context, never fetching a remote document.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from typing import Any

from pyld import jsonld
from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    RdfFormat,
    Triple,
    serialize,
)

from ldpub.formats import rdf_format
from ldpub.ns import RDF_TYPE, RDFS

# Subjects read best with their type and label first; everything else is alphabetical.
_PREDICATE_RANK = {RDF_TYPE.value: 0, RDFS + "label": 1}


def term_key(term: object) -> tuple[Any, ...]:
    if isinstance(term, DefaultGraph):
        return (0, "")
    if isinstance(term, NamedNode):
        return (1, term.value)
    if isinstance(term, BlankNode):
        return (2, term.value)
    if isinstance(term, Literal):
        return (3, term.value, term.datatype.value, term.language or "")
    raise TypeError(f"unsupported term {term!r}")


def quad_key(q: Quad) -> tuple[Any, ...]:
    return (
        term_key(q.graph_name),
        term_key(q.subject),
        _PREDICATE_RANK.get(q.predicate.value, 2),
        q.predicate.value,
        term_key(q.object),
    )


def sorted_quads(quads: Iterable[Quad]) -> list[Quad]:
    return sorted(quads, key=quad_key)


def default_triples(quads: Iterable[Quad]) -> list[Triple]:
    return [Triple(q.subject, q.predicate, q.object) for q in sorted_quads(quads) if isinstance(q.graph_name, DefaultGraph)]


def used_prefixes(items: list, prefixes: dict[str, str]) -> dict[str, str]:
    """Only the prefixes whose namespace some IRI (or literal datatype) of `items` starts with."""
    iris = {t.value for item in items for t in item if isinstance(t, NamedNode)}
    iris |= {t.datatype.value for item in items for t in item if isinstance(t, Literal)}
    return {name: ns for name, ns in prefixes.items() if any(i.startswith(ns) for i in iris)}


def _sort_prefix_lines(data: bytes) -> bytes:
    """pyoxigraph writes @prefix lines in its own (hash) order: sort them, whatever it does."""
    lines = data.split(b"\n")
    n = next((i for i, line in enumerate(lines) if not line.startswith(b"@prefix ")), len(lines))
    return b"\n".join(sorted(lines[:n]) + lines[n:])


def to_bytes(items: Iterable[Quad] | Iterable[Triple], fmt: RdfFormat,
             prefixes: dict[str, str] | None = None) -> bytes:
    """pyoxigraph's serialize into bytes (it returns None only when given an output file)."""
    data = serialize(items, format=fmt, prefixes=prefixes) if prefixes else serialize(items, format=fmt)
    assert data is not None
    return data


def rdf_bytes(quads: Iterable[Quad], fmt: RdfFormat, prefixes: dict[str, str]) -> bytes:
    """Turtle/N-Triples get the default graph only; TriG/N-Quads get every graph."""
    items = sorted_quads(quads) if fmt.supports_datasets else default_triples(quads)
    if fmt in (RdfFormat.N_TRIPLES, RdfFormat.N_QUADS):
        return to_bytes(items, fmt)
    return _sort_prefix_lines(to_bytes(items, fmt, used_prefixes(items, prefixes)))


def rdf_answer(quads: Iterable[Quad], media_type: str, prefixes: dict[str, str],
               context: dict | None) -> bytes:
    """The one serialiser of RDF answers (pages, VoID, the service description): JSON-LD
    compacted against the published context when there is one, every other format as the dumps
    write it. Sorted, so equal data gives equal bytes (and equal ETags)."""
    fmt = rdf_format(media_type)
    if fmt is None:
        raise ValueError(f"not an RDF media type: {media_type}")
    if fmt == RdfFormat.JSON_LD:
        if context is not None:
            return jsonld_bytes(quads, context)
        return to_bytes(sorted_quads(quads), fmt)
    return rdf_bytes(quads, fmt, prefixes)


def _refuse_remote(url: str, options: dict | None = None) -> dict:
    raise RuntimeError(f"remote JSON-LD documents are not loaded (offline build): {url}")


def jsonld_bytes(quads: Iterable[Quad], context: dict) -> bytes:
    """Expanded JSON-LD (pyoxigraph) compacted with the inline `context` (pyld, no network)."""
    expanded = json.loads(to_bytes(sorted_quads(quads), RdfFormat.JSON_LD))
    for node in _node_objects(expanded):
        _use_type_keyword(node)
    compacted = jsonld.compact(expanded, copy.deepcopy(context), {"documentLoader": _refuse_remote})
    return (json.dumps(compacted, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _node_objects(nodes: list) -> Iterable[dict]:
    for node in nodes:
        yield node
        yield from _node_objects(node.get("@graph", []))


def _use_type_keyword(node: dict) -> None:
    """rdf:type as @type (pyoxigraph writes it as a plain property), so nodes read `"type": …`."""
    types = node.pop(RDF_TYPE.value, None)
    if types:
        node["@type"] = [t["@id"] for t in types]


