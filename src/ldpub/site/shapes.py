"""SHACL shapes in plain English for the /shapes page: whom a shape targets ("every claim") and
what one of its property shapes asks ("“status”: exactly 1; one of: forecast, …")."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from ldpub.ns import RDF, SH
from ldpub.site.model import Site, int_value, term_value

# (target predicate, how a target reads), in the order the page lists them.
TARGETS = (("targetClass", "every {}"), ("targetNode", "{}"),
           ("targetSubjectsOf", "every subject of “{}”"), ("targetObjectsOf", "every object of “{}”"))
# (constraint component, the words before its value), in the order the page lists them.
CONSTRAINTS = (("datatype", "of datatype"), ("class", "each an instance of"),
               ("node", "each conforming to"), ("nodeKind", "each of kind"),
               ("hasValue", "including the value"), ("pattern", "matching the pattern"),
               ("minInclusive", "≥"), ("maxInclusive", "≤"),
               ("minLength", "of length ≥"), ("maxLength", "of length ≤"),
               ("languageIn", "in languages"))


def shacl_value(site: Site, node: Any, name: str) -> Any:
    """The first value of sh:<name> on a shape, or None."""
    hits = [q.object for q in site.quads(node, ox.NamedNode(SH + name), None, None)]
    return hits[0] if hits else None


def target_words(site: Site, shape: ox.NamedNode) -> list[str]:
    """What a node shape applies to, one phrase per target."""
    return [form.format(site.label(term_value(q.object)))
            for pred, form in TARGETS for q in site.quads(shape, ox.NamedNode(SH + pred), None, None)]


def rule_words(site: Site, shape: Any) -> str:
    """One property shape as a sentence: its path, then its constraints."""
    constraints = constraint_words(site, shape)
    return (f"{path_words(site, shacl_value(site, shape, 'path'))}: "
            + ("; ".join(constraints) if constraints else "no constraint"))


def path_words(site: Site, path: Any) -> str:
    if path is None:
        return "(no path)"
    if isinstance(path, ox.NamedNode):
        return f"“{site.label(path.value)}”"
    items = _list_items(site, path)
    if items:
        return " then ".join(path_words(site, i) for i in items)
    inverse = shacl_value(site, path, "inversePath")
    if inverse is not None:
        return f"inverse of {path_words(site, inverse)}"
    return "(complex path)"


def constraint_words(site: Site, node: ox.NamedNode | ox.BlankNode) -> list[str]:
    """Plain-English phrases for the constraints of one property (or node) shape."""
    words: list[str] = []
    lo, hi = int_value(shacl_value(site, node, "minCount")), int_value(shacl_value(site, node, "maxCount"))
    if lo is not None and hi is not None and lo == hi:
        words.append(f"exactly {lo}")
    else:
        if lo:
            words.append(f"at least {lo}")
        if hi is not None:
            words.append(f"at most {hi}")
    for pred, phrase in CONSTRAINTS:
        for q in site.quads(node, ox.NamedNode(SH + pred), None, None):
            o = q.object
            if pred == "languageIn":
                words.append(f"{phrase} {', '.join(i.value for i in _list_items(site, o))}")
            elif isinstance(o, ox.Literal):
                words.append(f"{phrase} {o.value}")
            else:
                words.append(f"{phrase} {_name(site, o)}")
    for q in site.quads(node, ox.NamedNode(SH + "in"), None, None):
        values = ", ".join(_name(site, i) for i in _list_items(site, q.object))
        words.append(f"one of: {values}")
    return words


def _name(site: Site, term: object) -> str:
    return site.label(term.value) if isinstance(term, ox.NamedNode) else term.value  # type: ignore[attr-defined]


def _list_items(site: Site, node: object) -> list:
    """The members of an RDF list (stops at a cycle or a malformed cell)."""
    items, seen = [], set()
    while isinstance(node, (ox.BlankNode, ox.NamedNode)) and node.value != RDF + "nil" and node not in seen:
        seen.add(node)
        first = [q.object for q in site.quads(node, ox.NamedNode(RDF + "first"), None, None)]
        rest = [q.object for q in site.quads(node, ox.NamedNode(RDF + "rest"), None, None)]
        if not first:
            break
        items.append(first[0])
        node = rest[0] if rest else None
    return items
