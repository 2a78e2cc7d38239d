"""The SPARQL 1.1 Protocol endpoint (/sparql), its service description and /.well-known/void.

Thin: reading the request is here; the protocol's rules are ldpub.query.protocol, the seal is
ldpub.query.seal, evaluation is the executor, and errors are answered by ldpub.web.errors.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import pyoxigraph as ox
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from ldpub import formats, ns
from ldpub.errors import BadRequest, ClientGone, LdpubError, MethodNotAllowed, RequestTimeout, RequestTooLarge
from ldpub.formats import content_type
from ldpub.query import description as sd
from ldpub.query.executor import QueryExecutor, QueryJob, Result
from ldpub.query.protocol import check_size, predeclared, query_base, query_hash, query_request, read_params
from ldpub.query.seal import INLINE_QUERY_CHARS
from ldpub.query.sealer import SealProcess
from ldpub.rdf import rdf_answer
from ldpub.settings import Settings
from ldpub.void import Statistics, access_quads
from ldpub.web import downloads, negotiation, querypage
from ldpub.web.connections import abort_connection
from ldpub.web.drain import Drain
from ldpub.web.errors import error_response
from ldpub.web.render import host_dependent, server_base, trusts_forwarding

ALLOW = "GET, HEAD, POST, OPTIONS"
TRUNCATED_HEADER = "X-SPARQL-Truncated"  # "true" when result_limit cut the answer
LIMIT_HEADER = "X-SPARQL-Result-Limit"
UNKNOWN_GRAPHS_HEADER = "X-SPARQL-Unknown-Graphs"  # protocol graphs this endpoint does not hold
DOCUMENTS_KEPT = 32
log = logging.getLogger("ldpub.web")
EXPOSED = [TRUNCATED_HEADER, LIMIT_HEADER, UNKNOWN_GRAPHS_HEADER, "X-SPARQL-Timeout", "Retry-After"]


async def read_body(request: Request, limit: int, timeout: float) -> bytes:
    """The request body, refused with 413 once it passes limit bytes (no unbounded buffering),
    and with 408 when it has not all arrived within `timeout` seconds."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise RequestTooLarge(f"The request body is larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(timeout):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise RequestTooLarge(f"The request body is larger than {limit} bytes")
                chunks.append(chunk)
    except TimeoutError:
        raise RequestTimeout(f"The request body did not arrive within {timeout:g} s (read_timeout): "
                             f"{size} bytes came", headers={"Connection": "close"}) from None
    except ClientDisconnect:  # the client hung up (or sent broken chunks) mid-body: its fault, not ours
        raise BadRequest("The request body ended early: the connection closed") from None
    return b"".join(chunks)


class SparqlEndpoint:
    """/sparql as a bare ASGI app (no router in front: it is the hot path), and the VoID and
    service description documents that describe it."""

    def __init__(self, settings: Settings, stats: Statistics, executor: QueryExecutor,
                 drain: Drain | None = None) -> None:
        self.settings = settings
        self.executor = executor
        self.sealer = SealProcess()
        self.drain = drain or Drain()  # shutting down: new queries answer 503 (ldpub.web.drain)
        # The counts never change while serving: computed once (by `ldpub load`, or at start for
        # an in-memory store), not per request or per Host.
        self.stats = stats
        self.graph_names = stats.graph_names
        self.void_counts = stats.void
        # VoID and the service description as written, per public URL and format.
        self.documents: OrderedDict[tuple[str, str, int], bytes] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        with self.drain.tracking():
            try:
                response = await self.answer(request)
            except LdpubError as exc:
                response = error_response(request, exc)
            await response(scope, receive, send)

    def dataset_void(self, base: str) -> list[ox.Quad]:
        """The dataset's VoID with this server's endpoint and dump URLs (from the Host header)."""
        dumps = [f"{base}/download/{name}" for name in downloads.dump_names(self.settings.dist_path)]
        return [*self.void_counts, *access_quads(self.settings, base + "/sparql", dumps)]

    async def rdf_response(self, request: Request, triples: Sequence[ox.Triple], media_type: str) -> Response:
        """The service description and VoID through the one serialiser (same prefixes, JSON-LD
        compacted against the published context). In the thread pool: JSON-LD compaction takes
        tens of milliseconds, which the event loop owes to /sparql."""
        key = (server_base(request), media_type, len(triples))
        body = self.documents.get(key)
        if body is None:
            quads = [ox.Quad(t.subject, t.predicate, t.object) for t in triples]
            body = await run_in_threadpool(rdf_answer, quads, media_type,
                                           {**ns.prefixes(self.settings), **sd.PREFIXES},
                                           ns.context_document(self.settings))
            self.documents[key] = body
            while len(self.documents) > DOCUMENTS_KEPT:  # the key holds a client-chosen host: bounded
                self.documents.popitem(last=False)
        return Response(body, headers={"Vary": "Accept", **host_dependent(request)},
                        media_type=content_type(media_type))

    async def service_description(self, request: Request, fmt: str | None) -> Response:
        base = server_base(request)
        if (fmt or "").lower() == "html" or (not fmt and negotiation.prefers_html(request.headers.get("accept"))):
            return querypage.render(request, self.settings)
        media = negotiation.negotiate(request.headers.get("accept"), fmt, formats.GRAPH_TYPES)
        triples = sd.sd_triples(self.settings, base + "/sparql", self.stats, self.dataset_void(base))
        return await self.rdf_response(request, triples, media)

    async def answer(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(status_code=204, headers={"Allow": ALLOW})
        if request.method not in ("GET", "HEAD", "POST"):
            raise MethodNotAllowed(f"{request.method} is not allowed: this endpoint is read-only", ALLOW)
        body = b""
        if request.method == "POST":
            # Percent-encoding can triple a query's size; allow for it plus the other parameters.
            body = await read_body(request, 3 * self.settings.max_query_length + 8192, self.settings.read_timeout)
        media_in = request.headers.get("content-type", "").split(";")[0].strip().lower()
        coding = request.headers.get("content-encoding", "identity").strip().lower()
        query, pairs = read_params(request.method, media_in, coding, request.scope.get("query_string", b""), body)
        if query is None:
            fmts = [v for k, v in pairs if k in ("format", "output")]
            return await self.service_description(request, fmts[0] if fmts else None)
        request.scope["ldpub.qhash"] = query_hash(query)  # for the access log, even when refused
        if len(query) <= INLINE_QUERY_CHARS:
            checked = query_request(query, pairs, self.settings, self.graph_names)
        else:  # linear, but tens of ms for 64 KB of hostile text: not in this process (query.sealer)
            check_size(query, self.settings)
            verdict = await self.sealer.inspect(query, predeclared(self.settings), query_base(self.settings))
            checked = query_request(query, pairs, self.settings, self.graph_names, verdict)
        offered = formats.RESULT_TYPES if checked.form in ("SELECT", "ASK") else formats.GRAPH_TYPES
        media = negotiation.negotiate(request.headers.get("accept"), checked.format, offered)
        job = QueryJob(checked.query, media, checked.default_graphs, checked.named_graphs,
                       self.settings.result_limit, self.settings.result_max_bytes)
        self.drain.check()
        result = self.executor.cached(job) or await self.execute_while_connected(request, job)
        headers = {"Vary": "Accept"}
        if checked.unknown_graphs:  # answered as empty graphs; said so, never fetched
            headers[UNKNOWN_GRAPHS_HEADER] = " ".join(f"<{g}>" for g in checked.unknown_graphs)[:2000]
        if result.truncated:
            headers[TRUNCATED_HEADER] = "true"
            headers[LIMIT_HEADER] = str(self.settings.result_limit)
        return ChunkedResponse(result.body, self.settings.send_timeout, headers=headers,
                               media_type=content_type(media))

    async def execute_while_connected(self, request: Request, job: QueryJob) -> Result:
        """Evaluate, but stop (and free the worker) as soon as the client hangs up: a closed
        socket must not keep a query slot for others."""
        evaluation = asyncio.ensure_future(self.executor.execute(job, client_address(request)))
        gone = asyncio.ensure_future(wait_for_disconnect(request))
        try:
            await asyncio.wait((evaluation, gone), return_when=asyncio.FIRST_COMPLETED)
            if not evaluation.done() and not gone.result():  # cannot watch: just wait
                await asyncio.wait((evaluation,))
        finally:
            gone.cancel()
            if not evaluation.done():
                evaluation.cancel()
        if not evaluation.done() or evaluation.cancelled():
            raise ClientGone("The client closed the connection before the answer")
        return evaluation.result()

    async def well_known_void(self, request: Request) -> Response:
        base = server_base(request)
        media = negotiation.negotiate(request.headers.get("accept"), request.query_params.get("format"),
                                      formats.GRAPH_TYPES)
        return await self.rdf_response(request, [q.triple for q in self.dataset_void(base)], media)


async def wait_for_disconnect(request: Request) -> bool:
    """True when the client disconnects. The body has been read by then (for a GET, the server
    may still hand over its empty body once); anything else means this server cannot tell, and
    the watch ends (False) rather than spin."""
    skipped = False
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return True
        if skipped or message.get("body") or message.get("more_body"):
            return False
        skipped = True


def client_address(request: Request) -> str:
    """Who asks, for fairness between clients: the peer, or the first X-Forwarded-For address
    when the peer is a trusted proxy."""
    forwarded = request.headers.get("x-forwarded-for", "").split(",")[0].strip()
    if forwarded and trusts_forwarding(request) and len(forwarded) <= 64:
        return forwarded
    return request.client.host if request.client else ""


class ChunkedResponse(Response):
    """A response sent in slices, each within send_timeout: a client that stops reading holds
    at most one slice in the server's buffers, and is dropped when the timeout passes."""

    CHUNK = 64 * 1024
    # A body this small fits in the socket's buffers below the flow-control mark (64 KiB): its one
    # send never waits for the client, so it needs no timer (the common case, and the hot path).
    SMALL = 16 * 1024

    def __init__(self, content: bytes, send_timeout: float, **kwargs: Any) -> None:
        super().__init__(content, **kwargs)
        self.send_timeout = send_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        if scope.get("method") == "HEAD":
            await send({"type": "http.response.body", "body": b""})
            return
        if len(self.body) <= self.SMALL:
            await send({"type": "http.response.body", "body": self.body})
            return
        body = memoryview(self.body)
        try:
            for start in range(0, max(len(body), 1), self.CHUNK):
                end = start + self.CHUNK
                async with asyncio.timeout(self.send_timeout):
                    await send({"type": "http.response.body", "body": bytes(body[start:end]),
                                "more_body": end < len(body)})
        except TimeoutError:
            log.info("dropped a client that read nothing for %g s", self.send_timeout)
            # Cut the connection: a polite close would wait for the unsent bytes, which this
            # client never takes, and keep the connection (and its buffers) for as long as it likes.
            abort_connection(scope)
