"""The HTTP connections themselves (uvicorn's httptools protocol): a client must send each
request's head within read_timeout, or the connection is answered 408 and closed. A silent
socket, or headers sent a byte at a time, then cannot hold a connection for good.

Each request's scope also carries a way to cut its connection at once (`scope["extensions"]
[CONNECTION]["abort"]`): closing politely waits for the unsent bytes, which a client that stopped
reading never takes."""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

CONNECTION = "ldpub.connection"  # the scope extension holding "abort"
LATE_HEAD = (b"HTTP/1.1 408 Request Timeout\r\nContent-Type: text/plain; charset=utf-8\r\n"
             b"Connection: close\r\nContent-Length: %d\r\n\r\n%b")


class HeadDeadlineProtocol(HttpToolsProtocol):
    """HttpToolsProtocol with a deadline from a connection's opening (or from the first byte of a
    later request) to the end of the request's headers. Between requests uvicorn's own keep-alive
    timeout applies."""

    head_timeout = 10.0
    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_head_timer()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        extensions = self.scope.get("extensions") or {}
        self.scope["extensions"] = {**extensions, CONNECTION: {"abort": self.transport.abort}}
        self._start_head_timer()

    def on_headers_complete(self) -> None:
        self._stop_head_timer()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def _start_head_timer(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.head_timeout, self._head_too_late)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_late(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            message = f"The request head did not arrive within {self.head_timeout:g} s (read_timeout)\n".encode()
            self.transport.write(LATE_HEAD % (len(message), message))
            self.transport.close()


def with_head_deadline(seconds: float) -> type[HeadDeadlineProtocol]:
    """The protocol class uvicorn should use, with this deadline."""
    return type("HeadDeadline", (HeadDeadlineProtocol,), {"head_timeout": seconds})
