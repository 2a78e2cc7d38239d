"""The connection's transport joins the writes of one event-loop turn (web/connections.py): a small
answer's head and body leave in one send. On a real loopback TCP connection: nothing small is on
the wire until the turn ends, then everything is; a large write goes at once; closing sends what
is pending; aborting drops it."""

from __future__ import annotations

import asyncio
import socket

import uvloop

from ldpub.web.connections import CoalescingTransport


async def connected() -> tuple[CoalescingTransport, socket.socket]:
    loop = asyncio.get_running_loop()
    listener = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(listener.getsockname())
    accepted, _ = listener.accept()
    listener.close()
    accepted.setblocking(False)
    transport, _ = await loop.connect_accepted_socket(asyncio.Protocol, accepted)
    client.settimeout(5)
    return CoalescingTransport(transport, loop), client  # type: ignore[arg-type]


def waiting(sock: socket.socket) -> bytes:
    """What the peer has received so far, without waiting."""
    sock.setblocking(False)
    try:
        return sock.recv(65536)
    except BlockingIOError:
        return b""
    finally:
        sock.settimeout(5)


def run(scenario) -> None:
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(scenario())


def test_what_is_written_arrives_whole_and_in_order_across_turns():
    async def scenario() -> None:
        transport, peer = await connected()
        transport.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
        transport.write(b"hello")
        await asyncio.sleep(0.05)
        assert peer.recv(65536) == b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
        transport.write(b"later")
        await asyncio.sleep(0.05)
        assert peer.recv(65536) == b"later"
        transport.close()
        peer.close()

    run(scenario)


def test_nothing_is_sent_before_the_turn_ends():
    async def scenario() -> None:
        transport, peer = await connected()
        transport.write(b"head")
        transport.write(b"body")
        # Same turn: a bare transport would have sent both already (loopback delivers at once).
        assert waiting(peer) == b""
        await asyncio.sleep(0.05)
        assert waiting(peer) == b"headbody"
        transport.close()
        peer.close()

    run(scenario)


def test_a_large_write_goes_out_at_once_so_flow_control_sees_it():
    async def scenario() -> None:
        transport, peer = await connected()
        transport.write(b"head")
        transport.write(b"x" * CoalescingTransport.JOIN_BELOW)
        # Same turn, yet on the wire: a client that never reads must meet the transport's own
        # flow control, not a buffer here.
        assert waiting(peer).startswith(b"headxxx")
        transport.close()
        peer.close()

    run(scenario)


def test_closing_sends_what_is_pending_and_aborting_drops_it():
    async def scenario() -> None:
        transport, peer = await connected()
        transport.write(b"last words")
        transport.close()
        await asyncio.sleep(0.05)
        assert peer.recv(65536) == b"last words"
        assert peer.recv(65536) == b""  # then the end of the stream
        peer.close()

        transport, peer = await connected()
        transport.write(b"never sent")
        transport.abort()
        await asyncio.sleep(0.05)
        try:
            received = peer.recv(65536)
        except ConnectionResetError:
            received = b""
        assert received == b""
        peer.close()

    run(scenario)
