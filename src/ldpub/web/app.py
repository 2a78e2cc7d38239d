"""The web application, wiring only: which path goes where, the middleware, the lifespan.

    RequestLog ─ HeaderGuard ─ CORS ─┬─ /sparql            SparqlEndpoint (bare ASGI: the hot path)
                                     └─ everything else    FastAPI: /.well-known/void, the pages, downloads, static

The access log and CORS wrap both once; errors of both are answered by ldpub.web.errors.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from ldpub.errors import LdpubError
from ldpub.query.executor import QueryExecutor
from ldpub.query.pool import make_executor
from ldpub.settings import Settings
from ldpub.site.model import Site
from ldpub.store import load_store
from ldpub.web import pages
from ldpub.web.connections import SendDeadline
from ldpub.web.downloads import StaticFiles
from ldpub.web.drain import Drain
from ldpub.web.errors import framework_error, ldpub_error
from ldpub.web.guard import HeaderGuard
from ldpub.web.log import RequestLog
from ldpub.web.render import STATIC_DIR
from ldpub.web.sparql import EXPOSED, SparqlEndpoint

CORS: dict[str, Any] = {
    "allow_origins": ["*"],
    "allow_credentials": False,
    "allow_methods": ["GET", "HEAD", "POST", "OPTIONS"],
    "allow_headers": ["Accept", "Content-Type"],
    "expose_headers": EXPOSED,
    "max_age": 86400,
}
SPARQL_PATH = "/sparql"


class Dispatch:
    """/sparql to the endpoint, every other request (and the lifespan) to the site app. One
    comparison instead of the framework's router: a cached query's time is mostly routing."""

    def __init__(self, sparql: ASGIApp, site: FastAPI, send_timeout: float) -> None:
        self.sparql = sparql
        self.site = site
        # The endpoint bounds its own sends (ChunkedResponse, sized for the hot path).
        self.bounded_site = SendDeadline(site, send_timeout)
        self.state = site.state  # so app.state reads the same from the outside

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == SPARQL_PATH:
            scope["app"] = self.site
            await self.sparql(scope, receive, send)
        else:
            await self.bounded_site(scope, receive, send)


class LdpubApp(RequestLog):
    """The whole application as one ASGI callable; `state` is the site app's state."""

    def __init__(self, dispatch: Dispatch, settings: Settings) -> None:
        super().__init__(HeaderGuard(CORSMiddleware(dispatch, **CORS), settings.max_header_bytes))
        self.state = dispatch.state


def create_app(settings: Settings, files: Sequence[str | Path], executor: QueryExecutor | None = None) -> LdpubApp:
    paths = [Path(f) for f in files]
    # Trusted, in-process copy for the server's own lookups (pages, VoID, graph checks).
    dataset = load_store(paths)
    if executor is None:
        executor = make_executor(settings, paths)
    drain = Drain()
    endpoint = SparqlEndpoint(settings, dataset, executor, drain)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await endpoint.executor.start()
        try:
            yield
        finally:
            await endpoint.executor.close()

    site = FastAPI(title="ldpub", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None,
                   exception_handlers={HTTPException: framework_error, LdpubError: ldpub_error})
    site.state.settings = settings
    site.state.files = paths
    site.state.dataset = dataset
    site.state.executor = executor
    site.state.endpoint = endpoint
    site.state.drain = drain  # begun by ldpub.web.drain.DrainingServer on SIGTERM
    site.state.site = Site.for_files(dataset, paths, settings)
    site.router.add_route("/.well-known/void", endpoint.well_known_void, methods=["GET", "HEAD"])
    site.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    site.include_router(pages.router)  # the linked-data pages; its catch-all route must come last
    return LdpubApp(Dispatch(endpoint, site, settings.send_timeout), settings)
