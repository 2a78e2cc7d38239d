"""Pages are Python work: they are built by `page_threads` threads at once (anyio's pool, which
FastAPI's sync routes use), not its default 40; 0 picks by backend."""

from __future__ import annotations

import anyio.to_thread

from conftest import ROOT, SITE_FIXTURE, site_client
from ldpub.settings import load_settings
from ldpub.store import parse_store
from ldpub.web.app import page_threads


def threads_of(client) -> int:
    return client.portal.call(lambda: anyio.to_thread.current_default_thread_limiter().total_tokens)


def test_the_server_builds_pages_with_page_threads_threads():
    with site_client([SITE_FIXTURE]) as client:
        assert client.get("/").status_code == 200
        assert threads_of(client) == 2
    with site_client([SITE_FIXTURE], page_threads=5) as client:
        assert threads_of(client) == 5


def test_page_threads_by_backend():
    settings = load_settings(ROOT)
    assert page_threads(settings, parse_store("", [SITE_FIXTURE])) == 2
    assert page_threads(settings, parse_store("/srv/ldpub/store")) == 2
    assert page_threads(settings, parse_store("http://127.0.0.1:7878/query")) == 16
    assert page_threads(load_settings(ROOT, page_threads=3), parse_store("http://127.0.0.1:7878/query")) == 3
