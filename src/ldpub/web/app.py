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

import anyio.to_thread
import pyoxigraph as ox
from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from ldpub.errors import LdpubError
from ldpub.query.executor import QueryExecutor
from ldpub.query.pool import make_executor, worker_files
from ldpub.query.remote import make_remote_executor
from ldpub.remote import RemoteStore
from ldpub.settings import Settings
from ldpub.site.model import Site
from ldpub.site.source import RemoteSource
from ldpub.store import (
    DISK,
    MEMORY,
    META_FILE,
    REMOTE,
    SUBJECTS_FILE,
    StoreSpec,
    SubjectIndex,
    open_local,
    read_metadata,
)
from ldpub.void import Statistics
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
# A remote store holding more quads than this gets no subject index (one SELECT DISTINCT of every
# subject at start): its landing page lists no subjects and its 404s suggest nothing.
REMOTE_INDEX_MAX_QUADS = 200_000


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


def page_threads(settings: Settings, spec: StoreSpec) -> int:
    """The `page_threads` setting, or by backend when 0 (see its help)."""
    return settings.page_threads or (2 if spec.local else 16)


def open_backend(settings: Settings, spec: StoreSpec) -> tuple[ox.Store | None, Statistics, Site]:
    """The trusted in-process store for the server's own lookups (None when remote), the statistics
    (VoID, graph names) and the Site the pages read through: parsed from the files (memory), opened
    read-only with the statistics `ldpub load` stored (disk), or a remote store's statistics and
    bounded SPARQL lookups (remote; its companions, shapes and VoID, are read from dist/)."""
    if spec.kind == REMOTE:
        stats = Statistics.from_json(RemoteStore(settings, spec.url).metadata())
        remote = RemoteSource(settings, spec.url, stats.graph_names)
        site = Site.for_files(remote, [settings.dist_path / "dataset.nq"], settings, graph_names=stats.graph_names,
                              void=stats.void, build_index=stats.quads <= REMOTE_INDEX_MAX_QUADS)
        _ = site.subject_index  # built now (small stores only), not by the first 404
        return None, stats, site
    dataset = open_local(spec)
    if spec.kind == DISK:
        assert spec.path is not None
        # The metadata file stands for the data: its folder holds the companions (shapes, VoID).
        stats = Statistics.from_json(read_metadata(spec.path), dataset)
        index = SubjectIndex.open(spec.path / SUBJECTS_FILE)
        site = Site.for_files(dataset, [spec.path / META_FILE], settings, graph_names=stats.graph_names,
                              void=stats.void, index=index)
    else:
        stats = Statistics.of(dataset, settings)
        site = Site.for_files(dataset, spec.files, settings, graph_names=stats.graph_names, void=stats.void)
    _ = site.subject_index  # one pass at start when the store has no index file, not at the first 404
    return dataset, stats, site


def default_executor(settings: Settings, spec: StoreSpec, stats: Statistics) -> QueryExecutor:
    if spec.kind == REMOTE:
        return make_remote_executor(settings, spec.url, stats)
    return make_executor(settings, worker_files(spec))


def create_app(settings: Settings, files: Sequence[str | Path] = (), executor: QueryExecutor | None = None,
               store: StoreSpec | None = None) -> LdpubApp:
    spec = store or StoreSpec(MEMORY, files=tuple(Path(f) for f in files))
    dataset, stats, site_model = open_backend(settings, spec)
    if executor is None:
        executor = default_executor(settings, spec, stats)
    drain = Drain()
    endpoint = SparqlEndpoint(settings, stats, executor, drain)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Sync routes (the pages) run in anyio's thread pool, 40 threads by default: at c=8 on disk,
        # distinct pages came at half the rate of one thread (GIL contention).
        anyio.to_thread.current_default_thread_limiter().total_tokens = page_threads(settings, spec)
        await endpoint.executor.start()
        try:
            yield
        finally:
            await endpoint.executor.close()
            endpoint.sealer.close()

    site = FastAPI(title="ldpub", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None,
                   exception_handlers={HTTPException: framework_error, LdpubError: ldpub_error})
    site.state.settings = settings
    site.state.files = list(spec.files)
    site.state.store = spec
    site.state.dataset = dataset
    site.state.executor = executor
    site.state.endpoint = endpoint
    site.state.drain = drain  # begun by ldpub.web.drain.DrainingServer on SIGTERM
    site.state.site = site_model
    site.router.add_route("/.well-known/void", endpoint.well_known_void, methods=["GET", "HEAD"])
    site.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    site.include_router(pages.router)  # the linked-data pages; its catch-all route must come last
    return LdpubApp(Dispatch(endpoint, site, settings.send_timeout), settings)
