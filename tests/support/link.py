"""A network link between clients and the server that a test can break, like venue Wi-Fi.

A TCP proxy in the test's own event loop. Clients (the test client or Chromium) connect to
`link.base` instead of the server. `down()` is a phone losing its network: every connection
through the link is reset at once and new ones are refused until `up()`. `mute()` loses what
the server sends while what the phone sends still arrives (an answer lost on its way back).
"""

import asyncio
from dataclasses import dataclass, field


@dataclass(eq=False)
class Link:
    target_port: int
    port: int = 0
    is_up: bool = True
    muted: bool = False
    _server: asyncio.Server | None = None
    _open: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = field(default_factory=set)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> "Link":
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        self.down()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def down(self) -> None:
        """The network is gone: reset every connection, refuse new ones."""
        self.is_up = False
        for phone_side, server_side in list(self._open):
            phone_side.transport.abort()
            server_side.transport.abort()
        self._open.clear()

    def up(self) -> None:
        self.is_up, self.muted = True, False

    def mute(self) -> None:
        """From now on the server's bytes are lost; the phone's still arrive."""
        self.muted = True

    @property
    def connections(self) -> int:
        return len(self._open)

    async def _accept(self, phone_r: asyncio.StreamReader, phone_w: asyncio.StreamWriter) -> None:
        if not self.is_up:
            phone_w.transport.abort()
            return
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            phone_w.transport.abort()
            return
        pair = (phone_w, server_w)
        self._open.add(pair)
        try:
            await asyncio.gather(self._pipe(phone_r, server_w, False), self._pipe(server_r, phone_w, True))
        finally:
            self._open.discard(pair)
            phone_w.transport.abort()
            server_w.transport.abort()

    async def _pipe(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter, to_phone: bool) -> None:
        try:
            while data := await src.read(65536):
                if to_phone and self.muted:
                    continue
                dst.write(data)
                await dst.drain()
        except (ConnectionError, OSError):
            pass
        dst.transport.abort()  # one side gone: the other goes too, as a broken path does
