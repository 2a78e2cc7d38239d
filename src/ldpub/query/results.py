"""Serialise a (possibly cut) list of SELECT solutions in the four W3C result formats.

Why not QuerySolutions.serialize: pyoxigraph can only serialise a whole, unconsumed iterator,
and the result cap needs to stop after result_limit rows. These writers follow
SPARQL 1.1 Query Results JSON / XML / CSV-TSV. Imports only pyoxigraph (runs in the worker).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence

import pyoxigraph as ox

from ldpub.formats import rdf_format
from ldpub.ns import RDF, XSD

XSD_STRING = XSD + "string"
RDF_LANG_STRING = RDF + "langString"
RDF_DIR_LANG_STRING = RDF + "dirLangString"

# Own XML escaping: xml.sax.saxutils would pull urllib.request (and ssl) into the worker.
_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


def escape(text: str) -> str:
    return text.translate(_XML_ESCAPES)


def quoteattr(text: str) -> str:
    return '"' + escape(text) + '"'


Row = Sequence["ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None"]


def _json_term(term: object) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
            if term.direction:
                out["its:dir"] = str(term.direction.value).lower()
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": _json_term(term.subject),
                "predicate": _json_term(term.predicate),
                "object": _json_term(term.object),
            },
        }
    raise TypeError(f"unexpected term {term!r}")


def to_json(variables: list[str], rows: list[Row]) -> bytes:
    bindings = [
        {name: _json_term(term) for name, term in zip(variables, row, strict=False) if term is not None}
        for row in rows
    ]
    doc = {"head": {"vars": variables}, "results": {"bindings": bindings}}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _xml_term(term: object) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    if isinstance(term, ox.Triple):
        return (
            f"<triple><subject>{_xml_term(term.subject)}</subject>"
            f"<predicate>{_xml_term(term.predicate)}</predicate>"
            f"<object>{_xml_term(term.object)}</object></triple>"
        )
    raise TypeError(f"unexpected term {term!r}")


def to_xml(variables: list[str], rows: list[Row]) -> bytes:
    parts = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>']
    parts += [f"<variable name={quoteattr(v)}/>" for v in variables]
    parts.append("</head>\n<results>\n")
    for row in rows:
        parts.append("<result>")
        parts += [
            f"<binding name={quoteattr(name)}>{_xml_term(term)}</binding>"
            for name, term in zip(variables, row, strict=False)
            if term is not None
        ]
        parts.append("</result>\n")
    parts.append("</results>\n</sparql>\n")
    return "".join(parts).encode("utf-8")


def _csv_field(term: object) -> str:
    if term is None:
        text = ""
    elif isinstance(term, (ox.NamedNode, ox.Literal)):
        text = term.value
    else:  # blank nodes as _:id, quoted triples in N-Triples syntax
        text = str(term)
    if any(c in text for c in '",\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def to_csv(variables: list[str], rows: list[Row]) -> bytes:
    lines = [",".join(_csv_field(v) for v in variables)]
    lines += [",".join(_csv_field(t) for t in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def to_tsv(variables: list[str], rows: list[Row]) -> bytes:
    # str(term) is N-Triples syntax with \t \n escaped inside literals, as TSV requires.
    lines = ["\t".join("?" + v for v in variables)]
    lines += ["\t".join("" if t is None else str(t) for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


WRITERS: dict[str, Callable[[list[str], list[Row]], bytes]] = {
    "application/sparql-results+json": to_json,
    "application/sparql-results+xml": to_xml,
    "text/csv": to_csv,
    "text/tab-separated-values": to_tsv,
}


def _size(terms: tuple[object, ...]) -> int:
    """About the bytes a row or triple takes in any result format: its terms as text."""
    return sum(len(str(t)) + 8 for t in terms)


def write_answer(result: ox.QueryBoolean | ox.QuerySolutions | Iterable[ox.Triple], media_type: str,
                 limit: int, budget: int) -> tuple[bool, bytes]:
    """(truncated, body): a query's answer written as `media_type`, cut at `limit` rows (or
    triples) and at about `budget` bytes (a row count alone lets one huge row through). The same
    for the embedded workers and a remote store's answers, read back by ldpub.query.remote."""
    if isinstance(result, ox.QueryBoolean):
        body = result.serialize(format=ox.QueryResultsFormat.from_media_type(media_type))
        assert body is not None
        return False, body
    if isinstance(result, ox.QuerySolutions) or hasattr(result, "variables"):  # or a remote answer's rows
        writer = WRITERS.get(media_type)
        if writer is None:
            raise ValueError(f"{media_type} cannot hold SELECT results")
        variables = [v.value for v in result.variables]
        rows: list[Row] = []
        size, truncated = 0, False
        for solution in result:  # one row past a bound proves truncation
            row = tuple(solution)
            size += _size(row)
            if len(rows) >= limit or size > budget:
                truncated = True
                break
            rows.append(row)
        return truncated, writer(variables, rows)
    triples: list[ox.Triple] = []
    size, truncated = 0, False
    for triple in result:
        size += _size((triple.subject, triple.predicate, triple.object))
        if len(triples) >= limit or size > budget:
            truncated = True
            break
        triples.append(triple)
    fmt = rdf_format(media_type)
    if fmt is None:
        raise ValueError(f"{media_type} cannot hold a graph")
    body = ox.serialize(triples, format=fmt)
    assert body is not None
    return truncated, body
