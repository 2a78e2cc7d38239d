"""The SPARQL 1.1 Protocol, query side, over plain values: the parameters of a request, the
query's checks (size, read-only, sealed) and the dataset it names. No HTTP objects here: the
web layer (ldpub.web.sparql) reads the request and calls `query_request`; errors are the
domain exceptions of ldpub.errors.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote_to_bytes

import pyoxigraph as ox

from ldpub import ns
from ldpub.errors import BadRequest, QueryRefused, RequestTooLarge, UnsupportedMediaType
from ldpub.query.seal import Prefixes, Verdict, inspect_query
from ldpub.settings import Settings

FORM_URLENCODED = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"

READ_ONLY = "This endpoint is read-only: SPARQL Update is not accepted"


@dataclass(frozen=True)
class QueryRequest:
    query: str
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]
    format: str | None  # the format= override, if given
    verdict: Verdict
    unknown_graphs: tuple[str, ...] = ()  # named by the parameters, not held: empty graphs

    @property
    def form(self) -> str:
        return self.verdict.form or "SELECT"


def query_hash(query: str) -> str:
    """Short stable id of a query text, for the access log."""
    return hashlib.sha256(query.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def parse_params(raw: bytes) -> list[tuple[str, str]]:
    """application/x-www-form-urlencoded pairs, decoded as strict UTF-8 (400 when it is not).

    Starlette's own parser replaces bad bytes with U+FFFD; the Protocol wants an error instead."""
    pairs: list[tuple[str, str]] = []
    for chunk in raw.split(b"&"):
        if not chunk:
            continue
        key, _, value = chunk.partition(b"=")
        try:
            pairs.append(
                (
                    unquote_to_bytes(key.replace(b"+", b" ")).decode("utf-8"),
                    unquote_to_bytes(value.replace(b"+", b" ")).decode("utf-8"),
                )
            )
        except UnicodeDecodeError as exc:
            raise BadRequest(f"Parameters are not valid UTF-8: {exc}") from None
    return pairs


def _values(pairs: list[tuple[str, str]], name: str) -> list[str]:
    return [v for k, v in pairs if k == name]


def check_size(query: str, settings: Settings) -> None:
    if not query.strip():
        raise BadRequest("The query is empty")
    if len(query.encode("utf-8", "surrogatepass")) > settings.max_query_length:
        raise RequestTooLarge(f"The query is longer than {settings.max_query_length} bytes (max_query_length)")


def check_query(query: str, settings: Settings, held_graphs: Collection[str],
                verdict: Verdict | None = None) -> Verdict:
    """Reject what a read-only, network-sealed endpoint must not run; return the lexer verdict
    (`verdict`: the query's, already found elsewhere, e.g. by query.sealer)."""
    check_size(query, settings)
    if verdict is None:
        verdict = inspect_query(query, predeclared(settings), query_base(settings))
    if verdict.lexical:
        raise QueryRefused(f"The query is refused: {verdict.lexical}")
    if verdict.update:
        raise QueryRefused(f"{READ_ONLY} (found {verdict.update})")
    if verdict.depth > settings.max_nesting:
        raise BadRequest(f"The query nests brackets {verdict.depth} deep, more than {settings.max_nesting} "
                         "(max_nesting): the engine would run out of stack")
    for clause in verdict.problems:
        raise QueryRefused(f"{clause} is refused: its target must be a constant IRI this endpoint can check")
    allow = set(settings.service_allowlist)
    for iri in verdict.services:
        if iri not in allow:
            raise QueryRefused(
                f"SERVICE <{iri}> is refused: this endpoint makes no network requests "
                f"except to its service_allowlist ({', '.join(sorted(allow)) or 'empty'})",
            )
    for clause, graphs in (("FROM", verdict.from_graphs), ("FROM NAMED", verdict.from_named_graphs)):
        for iri in graphs:
            if iri not in held_graphs:
                raise QueryRefused(
                    f"{clause} <{iri}> is refused: it is not a graph of this endpoint, "
                    "and remote graphs are never fetched",
                )
    if verdict.undeclared:
        raise BadRequest(undeclared_prefix(verdict.undeclared[0]))
    if verdict.slashed:
        raise BadRequest(f"{verdict.slashed} is not a prefixed name: a local name cannot hold '/'. "
                         "Write the full IRI in <…>, or a prefix that ends where the '/' is "
                         "(e.g. claim:c16 for id:claim/c16; the publication's prefixes are listed on the query page)")
    return verdict


@lru_cache(maxsize=8)
def predeclared(settings: Settings) -> Prefixes:
    """The publication's prefixes (ldpub.ns.prefixes), which every query may use undeclared;
    the query workers are given the same."""
    return Prefixes(sorted(ns.prefixes(settings).items()))


def query_base(settings: Settings) -> str:
    """The base IRI of a query that declares no BASE: the endpoint's published IRI (<base>sparql),
    so `CONSTRUCT { <s> <p> 1 } WHERE {}` (W3C protocol test query_content_type_construct) and
    `<id/x>` work. SPARQL leaves it to the service (RFC 3986 5.1; the protocol tests: "which MAY
    be the service endpoint"). A fixed IRI, not the URL the client used: an answer never depends
    on the Host header, and the result cache stays exact. The workers and the seal are given the same."""
    return settings.iris.sparql


def undeclared_prefix(prefix: str) -> str:
    """One line saying which prefix is missing and, when it is a common one, what to add."""
    known = ns.COMMON_PREFIXES.get(prefix)
    return (f"prefix `{prefix}:` is not declared; add `PREFIX {prefix}: <{known or '…'}>` "
            "at the start of the query")


def check_graphs(name: str, graphs: list[str]) -> tuple[str, ...]:
    """The graphs a protocol parameter names, each a valid IRI. A graph the endpoint does not hold
    is an empty graph (as the W3C protocol tests, Oxigraph and Fuseki treat it): never fetched."""
    for iri in graphs:
        try:
            ox.NamedNode(iri)
        except ValueError as exc:
            raise BadRequest(f"{name}={iri!r} is not an IRI: {exc}") from None
    return tuple(graphs)


def read_params(method: str, media: str, coding: str, query_string: bytes,
                body: bytes) -> tuple[str | None, list[tuple[str, str]]]:
    """(the query, all parameters) of a GET/POST per SPARQL 1.1 Protocol section 2.1; the query
    is None for a GET without one (the caller answers the service description)."""
    pairs = parse_params(query_string)
    query_values = _values(pairs, "query")
    if method == "POST":
        if coding not in ("", "identity"):  # read as is, a gzipped query is a baffling syntax error
            raise UnsupportedMediaType(f"Content-Encoding {coding!r} is not supported: send the query uncompressed")
        if media == FORM_URLENCODED:
            pairs += parse_params(body)
            query_values = _values(pairs, "query")
        elif media == SPARQL_QUERY:
            try:
                query_values = [*query_values, body.decode("utf-8")]
            except UnicodeDecodeError as exc:
                raise BadRequest(f"The query is not valid UTF-8: {exc}") from None
        elif media == SPARQL_UPDATE:
            raise QueryRefused(READ_ONLY)
        else:
            raise UnsupportedMediaType(
                f"Unsupported Media Type {media or '(none)'!r}: POST a query as "
                f"{FORM_URLENCODED} or {SPARQL_QUERY}")
    if _values(pairs, "update") or _values(pairs, "using-graph-uri"):
        raise QueryRefused(READ_ONLY)
    if len(query_values) > 1:
        raise BadRequest("More than one query was given (exactly one is allowed)")
    if not query_values:
        if method == "POST":
            raise BadRequest("No query was given (use the 'query' parameter)")
        return None, pairs
    return query_values[0], pairs


def query_request(query: str, pairs: list[tuple[str, str]], settings: Settings,
                  held_graphs: Collection[str], verdict: Verdict | None = None) -> QueryRequest:
    """The checked request: the query sealed, its dataset among the graphs held."""
    verdict = check_query(query, settings, held_graphs, verdict)
    formats = _values(pairs, "format") or _values(pairs, "output")
    default_graphs = check_graphs("default-graph-uri", _values(pairs, "default-graph-uri"))
    named_graphs = check_graphs("named-graph-uri", _values(pairs, "named-graph-uri"))
    return QueryRequest(
        query=query,
        default_graphs=default_graphs,
        named_graphs=named_graphs,
        format=formats[0] if formats else None,
        verdict=verdict,
        unknown_graphs=tuple(dict.fromkeys(g for g in (*default_graphs, *named_graphs) if g not in held_graphs)),
    )
