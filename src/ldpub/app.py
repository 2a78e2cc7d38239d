"""The web application: SPARQL endpoint, service description, VoID. Routes stay thin; the rules
live in protocol.py, negotiation.py, store.py, service_description.py and void.py."""

from __future__ import annotations

import json
import logging
import sys
import time
import traceback
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import pyoxigraph as ox
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ldpub import downloads, querypage, web
from ldpub import negotiation as neg
from ldpub import service_description as sd
from ldpub.config import Settings
from ldpub.protocol import ProtocolError, read_query
from ldpub.rdfio import load_store
from ldpub.dumps import rdf_answer
from ldpub.render import server_base
from ldpub.vocab import context_document, prefixes
from ldpub.store import QueryExecutor, QueryJob, make_executor
from ldpub.void import access_quads, graph_sizes, void_quads

log = logging.getLogger("ldpub.app")

ALLOW = "GET, HEAD, POST, OPTIONS"
TRUNCATED_HEADER = "X-SPARQL-Truncated"  # "true" when result_limit cut the answer
LIMIT_HEADER = "X-SPARQL-Result-Limit"
EXPOSED = [TRUNCATED_HEADER, LIMIT_HEADER, "X-SPARQL-Timeout", "Retry-After"]
DUMP_PATH = "/download/"  # where dist/dataset.* dumps are served (void:dataDump), as in dist/void.ttl


class AccessLog:
    """Writes the access line straight to stderr: the logging module cost a fifth of a cached
    query's time. The timestamp is formatted once a second."""

    def __init__(self, stream=None) -> None:  # noqa: ANN001
        self.stream = stream
        self._second = -1
        self._stamp = ""

    def write(self, method: str, path: str, status: int, ms: float, qhash: str) -> None:
        now = time.time()
        second = int(now)
        if second != self._second:
            self._second, self._stamp = second, time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now))
        stream = self.stream or sys.stderr
        stream.write(f"{self._stamp} ldpub.access {method} {path} {status} {ms:.1f}ms {qhash}\n")


ACCESS_LOG = AccessLog()


class RequestLog:
    """One access-log line per request (method, path, status, ms, query hash), and the catch-all:
    an exception that escapes a route is logged with its traceback and answered with a clean
    500 message, never a traceback."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 0

        async def send_logged(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_logged)
        except Exception:
            log.error("unhandled error on %s %s\n%s", scope["method"], scope["path"], traceback.format_exc())
            if status == 0:
                status = 500
                await Response("Internal error: it has been logged.", 500, media_type="text/plain")(
                    scope, receive, send
                )
        finally:
            ms = (time.perf_counter() - start) * 1000
            qhash = scope.get("ldpub.qhash", "-")
            ACCESS_LOG.write(scope["method"], scope["path"], status, ms, qhash)


def wants_json(request: Request) -> bool:
    """Errors come as JSON when the client's top choice is a JSON type (or format=json)."""
    fmt = request.query_params.get("format", "")
    if "json" in fmt:
        return True
    ranges = neg.parse_accept(request.headers.get("accept"))
    top = max(ranges, key=lambda r: (r.q, -r.order), default=None)  # none when Accept is all garbage
    return top is not None and "json" in top.subtype


def error_response(request: Request, exc: ProtocolError) -> Response:
    headers = {"Vary": "Accept", **exc.headers}
    if exc.status == 405:
        headers["Allow"] = ALLOW
    if wants_json(request):
        body = json.dumps({"status": exc.status, "message": exc.message, **exc.detail})
        return Response(body, exc.status, headers, media_type="application/json")
    return Response(exc.message + "\n", exc.status, headers, media_type="text/plain; charset=utf-8")


def content_type(media_type: str) -> str:
    return f"{media_type}; charset=utf-8" if media_type.startswith("text/") else media_type


async def rdf_response(settings: Settings, triples: Sequence[ox.Triple], media_type: str) -> Response:
    """The service description and VoID through the pages' serialiser (same prefixes, JSON-LD
    compacted against the published context). In the thread pool: JSON-LD compaction takes
    tens of milliseconds, which the event loop owes to /sparql."""
    quads = [ox.Quad(t.subject, t.predicate, t.object) for t in triples]
    body = await run_in_threadpool(rdf_answer, quads, media_type, {**prefixes(settings), **sd.PREFIXES},
                                   context_document(settings))
    return Response(body, headers={"Vary": "Accept"}, media_type=content_type(media_type))


async def framework_error(request: Request, exc: HTTPException) -> Response:
    """The router's own refusals (a PUT on a page: 405) in words naming the method and the path,
    instead of the framework's bare {"detail": "Method Not Allowed"}."""
    message = str(exc.detail)
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "GET, HEAD")
        message = f"{request.method} is not allowed on {request.url.path}: it is read-only (allowed: {allowed})"
    return Response(message + "\n", exc.status_code, exc.headers, media_type="text/plain; charset=utf-8")


CORS = dict(
    allow_origins=["*"],
    allow_credentials=False,
    allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
    allow_headers=["Accept", "Content-Type"],
    expose_headers=EXPOSED,
    max_age=86400,
)


def asgi_endpoint(handler) -> ASGIApp:  # noqa: ANN001
    """A request handler as a bare ASGI app (no router, no exception-handler layer)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        response = await handler(Request(scope, receive, send))
        await response(scope, receive, send)

    return app


class LdpubApp(FastAPI):
    """FastAPI with a short path for the SPARQL endpoint. The framework's generic middleware
    (error pages, body limit, telemetry, routing) cost a third of a cached query's time; the
    endpoint path keeps what it needs: RequestLog (log line and catch-all) and CORS."""

    hot_paths: dict[str, ASGIApp]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            hot = self.hot_paths.get(scope["path"])
            if hot is not None:
                scope["app"] = self
                await hot(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


def create_app(settings: Settings, files: Sequence[str | Path], executor: QueryExecutor | None = None) -> FastAPI:
    files = [Path(f) for f in files]
    # Trusted, in-process copy for the server's own lookups (pages, VoID, graph checks).
    dataset = load_store(files)
    graph_names = frozenset(g.value for g in dataset.named_graphs())
    if executor is None:
        executor = make_executor(settings, files)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await executor.start()
        try:
            yield
        finally:
            await executor.close()

    app = LdpubApp(title="ldpub", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None,
                   exception_handlers={HTTPException: framework_error})
    app.state.settings = settings
    app.state.files = files
    app.state.dataset = dataset
    app.state.executor = executor

    # The counts never change while serving: computed once here, not per request or per Host.
    void_counts = void_quads(dataset, settings)
    sizes = graph_sizes(dataset)

    def dataset_void(base: str) -> list[ox.Quad]:
        """The dataset's VoID with this server's endpoint and dump URLs (from the Host header)."""
        dumps = [base + DUMP_PATH + name for name in downloads.dump_names(settings.dist_path)]
        return [*void_counts, *access_quads(settings, base + "/sparql", dumps)]

    async def service_description(request: Request, fmt: str | None) -> Response:
        base = server_base(request)
        endpoint = base + "/sparql"
        if (fmt or "").lower() == "html" or (not fmt and neg.prefers_html(request.headers.get("accept"))):
            return querypage.render(request, settings)
        media = neg.negotiate(request.headers.get("accept"), fmt, neg.GRAPH_TYPES)
        triples = sd.sd_triples(settings, endpoint, sizes, dataset_void(base))
        return await rdf_response(settings, triples, media)

    async def sparql(request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(status_code=204, headers={"Allow": ALLOW})
        if request.method not in ("GET", "HEAD", "POST"):
            raise ProtocolError(405, f"{request.method} is not allowed: this endpoint is read-only")
        query = await read_query(request, settings, graph_names)
        if query is None:
            formats = [v for k, v in request.query_params.multi_items() if k in ("format", "output")]
            return await service_description(request, formats[0] if formats else None)
        offered = neg.RESULT_TYPES if query.form in ("SELECT", "ASK") else neg.GRAPH_TYPES
        media = neg.negotiate(request.headers.get("accept"), query.format, offered)
        job = QueryJob(query.query, media, query.default_graphs, query.named_graphs, settings.result_limit)
        result = await executor.execute(job)
        headers = {"Vary": "Accept"}
        if result.truncated:
            headers[TRUNCATED_HEADER] = "true"
            headers[LIMIT_HEADER] = str(settings.result_limit)
        return Response(result.body, headers=headers, media_type=content_type(media))

    async def well_known_void(request: Request) -> Response:
        base = server_base(request)
        media = neg.negotiate(request.headers.get("accept"), request.query_params.get("format"), neg.GRAPH_TYPES)
        quads = dataset_void(base)
        return await rdf_response(settings, [q.triple for q in quads], media)

    async def handle_errors(request: Request, call) -> Response:  # noqa: ANN001
        try:
            return await call(request)
        except ProtocolError as exc:
            return error_response(request, exc)
        except neg.NotAcceptable as exc:
            return error_response(request, ProtocolError(406, str(exc)))

    async def sparql_route(request: Request) -> Response:
        return await handle_errors(request, sparql)

    async def void_route(request: Request) -> Response:
        return await handle_errors(request, well_known_void)

    # Requests for /sparql normally take app.hot_paths; the route stays so the router, whose last
    # route is the pages' catch-all, can never hand /sparql to the pages.
    app.router.add_route(
        "/sparql", sparql_route, methods=["GET", "HEAD", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"]
    )
    app.router.add_route("/.well-known/void", void_route, methods=["GET", "HEAD"])
    app.include_router(web.router)  # the linked-data pages; its catch-all route must come last
    app.add_middleware(CORSMiddleware, **CORS)
    app.add_middleware(RequestLog)
    app.hot_paths = {"/sparql": RequestLog(CORSMiddleware(asgi_endpoint(sparql_route), **CORS))}
    return app
