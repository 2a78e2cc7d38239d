"""The SPARQL 1.1 Protocol, query side: get the query and its dataset out of an HTTP request,
validate it, and seal it (no update, no network). Errors are ProtocolError(status, message).

The functions over plain values (parse_params, check_query, ...) are testable without HTTP;
read_query() is the one place that touches the Starlette request.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from starlette.requests import ClientDisconnect, Request

from ldpub.config import Settings
from ldpub.sealing import Verdict, inspect_query

FORM_URLENCODED = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"

READ_ONLY = "This endpoint is read-only: SPARQL Update is not accepted"


class ProtocolError(Exception):
    """An HTTP error answer: status, a human message, optional extra headers."""

    def __init__(
        self,
        status: int,
        message: str,
        headers: dict[str, str] | None = None,
        detail: dict[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.detail = detail or {}  # extra JSON fields, e.g. line/column of a syntax error


@dataclass(frozen=True)
class QueryRequest:
    query: str
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]
    format: str | None  # the format= override, if given
    verdict: Verdict

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
            raise ProtocolError(400, f"Parameters are not valid UTF-8: {exc}") from None
    return pairs


def _values(pairs: list[tuple[str, str]], name: str) -> list[str]:
    return [v for k, v in pairs if k == name]


def check_query(query: str, settings: Settings, held_graphs: Collection[str]) -> Verdict:
    """Reject what a read-only, network-sealed endpoint must not run; return the lexer verdict."""
    if not query.strip():
        raise ProtocolError(400, "The query is empty")
    if len(query.encode("utf-8", "surrogatepass")) > settings.max_query_length:
        raise ProtocolError(
            413,
            f"The query is longer than {settings.max_query_length} bytes (max_query_length)",
        )
    verdict = inspect_query(query)
    if verdict.lexical:
        raise ProtocolError(400, f"The query is refused: {verdict.lexical}")
    if verdict.update:
        raise ProtocolError(400, f"{READ_ONLY} (found {verdict.update})")
    for clause in verdict.problems:
        raise ProtocolError(
            400, f"{clause} is refused: its target must be a constant IRI this endpoint can check"
        )
    allow = set(settings.service_allowlist)
    for iri in verdict.services:
        if iri not in allow:
            raise ProtocolError(
                400,
                f"SERVICE <{iri}> is refused: this endpoint makes no network requests "
                f"except to its service_allowlist ({', '.join(sorted(allow)) or 'empty'})",
            )
    for clause, graphs in (("FROM", verdict.from_graphs), ("FROM NAMED", verdict.from_named_graphs)):
        for iri in graphs:
            if iri not in held_graphs:
                raise ProtocolError(
                    400,
                    f"{clause} <{iri}> is refused: it is not a graph of this endpoint, "
                    "and remote graphs are never fetched",
                )
    return verdict


def check_graphs(name: str, graphs: list[str], held_graphs: Collection[str]) -> tuple[str, ...]:
    for iri in graphs:
        if iri not in held_graphs:
            raise ProtocolError(
                400,
                f"{name}={iri} is not a graph of this endpoint (remote graphs are never fetched)",
            )
    return tuple(graphs)


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 once it passes limit bytes (no unbounded buffering)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ProtocolError(413, f"The request body is larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise ProtocolError(413, f"The request body is larger than {limit} bytes")
            chunks.append(chunk)
    except ClientDisconnect:  # the client hung up (or sent broken chunks) mid-body: its fault, not ours
        raise ProtocolError(400, "The request body ended early: the connection closed") from None
    return b"".join(chunks)


async def read_query(
    request: Request, settings: Settings, held_graphs: Collection[str]
) -> QueryRequest | None:
    """The query of a GET/POST per SPARQL 1.1 Protocol section 2.1; None for a GET without one
    (the caller answers the service description)."""
    pairs = parse_params(request.scope.get("query_string", b""))
    query_values = _values(pairs, "query")
    method = request.method
    if method == "POST":
        media = _media_type(request)
        coding = request.headers.get("content-encoding", "identity").strip().lower()
        if coding not in ("", "identity"):  # read as is, a gzipped query is a baffling syntax error
            raise ProtocolError(415, f"Content-Encoding {coding!r} is not supported: send the query uncompressed")
        # Percent-encoding can triple a query's size; allow for it plus the other parameters.
        body = await read_body(request, 3 * settings.max_query_length + 8192)
        if media == FORM_URLENCODED:
            pairs += parse_params(body)
            query_values = _values(pairs, "query")
        elif media == SPARQL_QUERY:
            try:
                query_values = query_values + [body.decode("utf-8")]
            except UnicodeDecodeError as exc:
                raise ProtocolError(400, f"The query is not valid UTF-8: {exc}") from None
        elif media == SPARQL_UPDATE:
            raise ProtocolError(400, READ_ONLY)
        else:
            raise ProtocolError(
                415,
                f"Unsupported Media Type {media or '(none)'!r}: POST a query as "
                f"{FORM_URLENCODED} or {SPARQL_QUERY}",
            )
    if _values(pairs, "update") or _values(pairs, "using-graph-uri"):
        raise ProtocolError(400, READ_ONLY)
    if len(query_values) > 1:
        raise ProtocolError(400, "More than one query was given (exactly one is allowed)")
    if not query_values:
        if method == "POST":
            raise ProtocolError(400, "No query was given (use the 'query' parameter)")
        return None
    query = query_values[0]
    request.scope["ldpub.qhash"] = query_hash(query)  # for the access log, even when refused
    verdict = check_query(query, settings, held_graphs)
    formats = _values(pairs, "format") or _values(pairs, "output")
    return QueryRequest(
        query=query,
        default_graphs=check_graphs("default-graph-uri", _values(pairs, "default-graph-uri"), held_graphs),
        named_graphs=check_graphs("named-graph-uri", _values(pairs, "named-graph-uri"), held_graphs),
        format=formats[0] if formats else None,
        verdict=verdict,
    )
