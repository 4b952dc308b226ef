"""The WebSocket protocol uvicorn runs for us (`--ws server.realtime.wire:Protocol`): uvicorn's
own websockets-sansio protocol with limits for a peer that stops reading.

Why: a phone that stops reading (a dead zone, a frozen tab, a hostile client) must cost a
bounded amount of memory and be let go. Measured before these limits (50 phones that never read,
a 90 s vote storm): the kernel's send-buffer autotuning took up to 2 MB per socket of views the
phone would have had to read before the newest one, so the mailbox never coalesced (0 frames
spared); and when uvicorn's keep-alive gives up it writes a close frame and *closes* the
transport, which waits for buffered data the peer never takes: the connection, its buffer and
its room socket stay forever.

- The kernel send buffer is fixed at SEND_BUFFER: a slow phone is behind by at most that much,
  and beyond it the mailbox (server/realtime/connection.py) keeps only the newest view.
- A send that finds the write buffer full (above asyncio's 64 KiB high-water mark) waits at most
  `send_timeout` seconds (WS_SEND_TIMEOUT); then the connection is dropped at once (abort).
- The keep-alive's verdict on a peer with unsent data is an abort too.
An abort resets the connection (SO_LINGER 0), so the kernel drops what the peer never took
instead of keeping it in an orphaned socket; uvicorn then reports the disconnect to the app,
which frees the socket's mailbox.
"""

import asyncio
import socket
import struct
import weakref

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from server.metrics import METRICS

SEND_BUFFER = 64 * 1024  # Linux doubles it for its own bookkeeping


class Protocol(WebSocketsSansIOProtocol):
    send_timeout: float = 30.0  # set from Settings.ws_send_timeout by create_app

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
        OPEN.add(self)

    async def send(self, message) -> None:  # type: ignore[no-untyped-def]
        if not self.writable.is_set() and not self.disconnected:
            try:
                async with asyncio.timeout(self.send_timeout):
                    await self.writable.wait()
            except TimeoutError:
                self._drop()  # connection_lost follows: the send below raises
        await super().send(message)
        buffered = self.transport.get_write_buffer_size()
        if buffered > METRICS.write_buffer_peak:
            METRICS.write_buffer_peak = buffered

    def keepalive_timeout(self) -> None:
        if self.transport.get_write_buffer_size():
            # A close frame behind data the peer does not take would never leave.
            self.pong_timer = None
            self._drop()
            return
        super().keepalive_timeout()

    def _drop(self) -> None:
        METRICS.sockets_stalled += 1
        sock = self.transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.transport.abort()


OPEN: "weakref.WeakSet[Protocol]" = weakref.WeakSet()


def _buffered() -> int:
    return sum(p.transport.get_write_buffer_size() for p in list(OPEN))


METRICS.gauges["socket_write_buffer_bytes"] = ("Bytes in all sockets' write buffers now", _buffered)
