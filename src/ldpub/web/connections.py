"""The HTTP connections themselves (uvicorn's httptools protocol): a client must send each
request's head within read_timeout, or the connection is answered 408 and closed. A silent
socket, or headers sent a byte at a time, then cannot hold a connection for good. A head that
grows past its byte bound is answered 431 at once: the parser would otherwise buffer all of it
(8 MB of headers took seconds) before web/guard.py could count the headers.

Each request's scope also carries a way to cut its connection at once (`scope["extensions"]
[CONNECTION]["abort"]`): closing politely waits for the unsent bytes, which a client that stopped
reading never takes.

Writes made in one turn of the event loop leave in one system call (`CoalescingTransport`): uvicorn
writes a response's head and its body separately, and on loopback each send costs as much as the
rest of a small answer's work in this process."""

from __future__ import annotations

import asyncio
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger("ldpub.web")
CONNECTION = "ldpub.connection"  # the scope extension holding "abort"
LATE_HEAD = (b"HTTP/1.1 408 Request Timeout\r\nContent-Type: text/plain; charset=utf-8\r\n"
             b"Connection: close\r\nContent-Length: %d\r\n\r\n%b")
HUGE_HEAD = (b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; charset=utf-8\r\n"
             b"Connection: close\r\nContent-Length: %d\r\n\r\n%b")


class CoalescingTransport:
    """The connection's transport, with the writes of one event-loop turn joined into one send.
    Everything else is the transport's own; closing sends what is pending first, aborting drops it."""

    JOIN_BELOW = 16 * 1024  # bytes held back at most

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []
        self._size = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self._transport, name)

    def write(self, data: bytes) -> None:
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(data)
        self._size += len(data)
        if self._size >= self.JOIN_BELOW:
            # Sent now: the transport's flow control (pause_writing) must see a large answer as
            # it is written, or a client that never reads would have all of it buffered here.
            self.flush()

    def flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending) if len(self._pending) > 1 else self._pending[0]
            self._pending.clear()
            self._size = 0
            if not self._transport.is_closing():  # cut meanwhile: nobody takes it
                self._transport.write(data)

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._pending.clear()
        self._size = 0
        self._transport.abort()


class HeadDeadlineProtocol(HttpToolsProtocol):
    """HttpToolsProtocol with a deadline from a connection's opening (or from the first byte of a
    later request) to the end of the request's headers. Between requests uvicorn's own keep-alive
    timeout applies."""

    head_timeout = 10.0
    max_head_bytes = 1 << 20
    _head_timer: asyncio.TimerHandle | None = None
    _head_bytes = 0
    _refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(CoalescingTransport(transport, self.loop))  # type: ignore[arg-type]
        self._start_head_timer()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        extensions = self.scope.get("extensions") or {}
        self.scope["extensions"] = {**extensions, CONNECTION: {"abort": self.transport.abort}}
        self._start_head_timer()

    def on_headers_complete(self) -> None:
        self._stop_head_timer()
        super().on_headers_complete()

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # read and dropped unparsed, so that closing does not reset the 431 away
        head_pending = self._head_timer is not None
        super().data_received(data)
        if not head_pending:
            return
        # Counted from the head's start; a chunk that completes the head may carry body bytes too,
        # so only a head still incomplete after the bound is refused.
        self._head_bytes += len(data)
        if self._head_timer is not None and self._head_bytes > self.max_head_bytes and not self.transport.is_closing():
            self._refuse_huge_head()

    def _refuse_huge_head(self) -> None:
        """431, then a lingering close: the client may still be sending its head, and closing on
        unread bytes would reset the connection before it reads the answer."""
        self._stop_head_timer()
        self._refused = True
        message = f"Request head larger than {self.max_head_bytes} bytes (max_header_bytes)\n".encode()
        self.transport.write(HUGE_HEAD % (len(message), message))
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(self.head_timeout, self.transport.close)

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def _start_head_timer(self) -> None:
        if self._head_timer is None:
            self._head_bytes = 0
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


def with_head_deadline(seconds: float, max_head_bytes: int) -> type[HeadDeadlineProtocol]:
    """The protocol class uvicorn should use, with this deadline and this bound on a head's bytes
    (request line included)."""
    return type("HeadDeadline", (HeadDeadlineProtocol,), {"head_timeout": seconds, "max_head_bytes": max_head_bytes})


def abort_connection(scope: Scope) -> None:
    """Cut the request's connection at once (see CONNECTION); nothing when the server gave no way."""
    abort = scope.get("extensions", {}).get(CONNECTION, {}).get("abort")
    if abort is not None:
        abort()


class SendDeadline:
    """Each piece of an answer (a page, a slice of a dump or a static file) must be taken by the
    client within `seconds`, or its connection is cut: a client that never reads holds neither a
    connection nor the unsent answer for good. What the app sends after the cut is dropped."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        dropped = False

        async def send_within(message: Message) -> None:
            nonlocal dropped
            if dropped:
                return
            try:
                async with asyncio.timeout(self.seconds):
                    await send(message)
            except TimeoutError:
                dropped = True
                log.info("dropped a client that read nothing for %g s: %s", self.seconds, scope["path"])
                abort_connection(scope)

        await self.app(scope, receive, send_within)
