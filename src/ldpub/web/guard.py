"""Refusals made before any routing, on the request head alone: oversized headers (431, as
nginx and Jetty answer) and an ambiguous Host (400). Nothing here reads the body."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from ldpub.web.errors import plain


class HeaderGuard:
    def __init__(self, app: ASGIApp, max_header_bytes: int) -> None:
        self.app = app
        self.max_header_bytes = max_header_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = scope["headers"]
            size = sum(len(k) + len(v) + 4 for k, v in headers)
            if size > self.max_header_bytes:
                response = plain(f"Request headers too large: {size} bytes, at most {self.max_header_bytes} "
                                 "(max_header_bytes)", 431, {"Connection": "close"})
                await response(scope, receive, send)
                return
            if sum(1 for k, _ in headers if k == b"host") > 1:
                await plain("More than one Host header: the request is ambiguous", 400)(scope, receive, send)
                return
        await self.app(scope, receive, send)
