"""A black-box client of the app over real HTTP and WebSockets, as a phone, board or console.

Used by the integration tests and the benchmarks. It speaks only the public contract:
the join pages and docs/protocol.md.
"""

import asyncio
import base64
import json
import os
import re
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from http.cookies import SimpleCookie

import httpx
from websockets.asyncio.client import ClientConnection, connect

SEQ = re.compile(r'data-seq="(\d+)"')
ACK = re.compile(r'data-ack="([^"]*)"')
RESULT = re.compile(r'data-result="(\w+)"(?: data-reason="(\w+)")?')
INPUT = re.compile(r'name="(_csrf_token|join_nonce|form_nonce)" value="([^"]*)"')


@dataclass
class Frame:
    text: str

    @property
    def seq(self) -> int:
        """The data-seq of the frame's first element."""
        m = SEQ.search(self.text)
        return int(m.group(1)) if m else -1

    @property
    def ack(self) -> str | None:
        m = ACK.search(self.text)
        return m.group(1) if m else None

    @property
    def result(self) -> tuple[str, str | None]:
        m = RESULT.search(self.text)
        return (m.group(1), m.group(2)) if m else ("", None)


@dataclass
class Client:
    base: str
    room: str
    audience: str = "participant"
    cookies: dict[str, str] = field(default_factory=dict)
    query: str = ""  # more of the socket's query string, e.g. "&for=<pid>" for a scribe
    ws: ClientConnection | None = None
    frames: list[Frame] = field(default_factory=list)
    view: str = ""  # the latest #view fragment
    seq: int = 0  # highest data-seq seen
    _reader: asyncio.Task | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def ws_url(self) -> str:
        return self.base.replace("http", "ws", 1) + f"/ws/rooms/{self.room}?as={self.audience}{self.query}"

    async def connect(self) -> "Client":
        self.ws = await connect(self.ws_url, additional_headers=cookie_header(self.cookies), close_timeout=1)
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        assert self.ws is not None
        try:
            async for message in self.ws:
                frame = Frame(message if isinstance(message, str) else message.decode())
                self.frames.append(frame)
                self.seq = max(self.seq, frame.seq)
                view = re.search(r'<div id="view"[^>]*>.*</div>', frame.text, re.S)
                if view:
                    self.view = view.group(0)
                self._changed.set()
        except Exception:
            pass
        finally:
            self._changed.set()

    @property
    def view_seq(self) -> int:
        """The data-seq of the latest view: how current what this screen shows is."""
        m = SEQ.search(self.view)
        return int(m.group(1)) if m else -1

    async def wait_for(self, predicate: Callable[["Client"], bool], timeout: float = 10.0) -> None:
        async def loop() -> None:
            while not predicate(self):
                self._changed.clear()
                await self._changed.wait()
                if self.ws is None or self._reader is None or self._reader.done():
                    if not predicate(self):
                        raise ConnectionError("socket closed while waiting")

        await asyncio.wait_for(loop(), timeout)

    async def send(self, cmd: str, nonce: str | None = None, **fields: object) -> str:
        assert self.ws is not None
        nonce = nonce or secrets.token_hex(8)
        await self.ws.send(json.dumps({"cmd": cmd, "nonce": nonce, **fields}))
        return nonce

    def answer(self, nonce: str, since: int = 0) -> Frame | None:
        """The first frame answering `nonce`, among frames from index `since` on."""
        return next((f for f in self.frames[since:] if f.ack == nonce), None)

    async def command(self, cmd: str, nonce: str | None = None, timeout: float = 10.0, **fields: object) -> Frame:
        """Send a command and wait for the frame that answers it (this time: a nonce sent again
        gets a new answer)."""
        since = len(self.frames)
        nonce = await self.send(cmd, nonce, **fields)
        await self.wait_for(lambda c: c.answer(nonce, since) is not None, timeout)
        frame = self.answer(nonce, since)
        assert frame is not None
        return frame

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
        self.ws = None


def _cookies(response: httpx.Response, into: dict[str, str]) -> None:
    for header in response.headers.get_list("set-cookie"):
        parsed = SimpleCookie()
        parsed.load(header)
        for name, morsel in parsed.items():
            into[name] = morsel.value


def http_client(**kwargs: object) -> httpx.AsyncClient:
    """An HTTP client that keeps no cookies of its own: each simulated phone carries its own."""
    jar = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
    return httpx.AsyncClient(cookies=jar, **kwargs)  # type: ignore[arg-type]


def cookie_header(cookies: dict[str, str]) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}


async def _form_post(http: httpx.AsyncClient, url: str, cookies: dict[str, str], extra: dict[str, str]) -> httpx.Response:
    page = await http.get(url, headers=cookie_header(cookies))
    _cookies(page, cookies)
    values = dict(INPUT.findall(page.text))
    response = await http.post(url, data={**values, **extra}, headers=cookie_header(cookies))
    _cookies(response, cookies)
    return response


async def join_with_code(http: httpx.AsyncClient, base: str, code: str, name: str = "") -> Client:
    """What a phone does after scanning the QR code: open the join page, press Join."""
    client = Client(base, code)
    response = await _form_post(http, f"{base}/j/{code}", client.cookies, {"name": name})
    if response.status_code != 303:
        raise AssertionError(f"join failed: {response.status_code} {response.text[:300]}")
    return client


async def join_with_invitation(http: httpx.AsyncClient, link: str) -> Client:
    base, token = link.split("/i/")
    response = await _form_post(http, link, cookies := {}, {})
    if response.status_code != 303:
        raise AssertionError(f"invitation failed: {response.status_code} {response.text[:300]}")
    code = response.headers["location"].rsplit("/", 1)[-1]
    return Client(base, code, cookies=cookies)


async def open_role(http: httpx.AsyncClient, link: str, audience: str) -> Client:
    """Open a facilitator or board link: the key moves into a cookie."""
    response = await http.get(link)
    if response.status_code != 303:
        raise AssertionError(f"{audience} link refused: {response.status_code}")
    cookies: dict[str, str] = {}
    _cookies(response, cookies)
    base, rest = link.split("/r/")
    return Client(base, rest.split("/")[0], audience=audience, cookies=cookies)


async def staff_login(http: httpx.AsyncClient, links: dict, username: str | None = None, password: str | None = None) -> dict[str, str]:
    """Log in on the staff login page; the cookies of the session (and its CSRF token)."""
    cookies: dict[str, str] = {}
    response = await _form_post(
        http, links["staff"], cookies,
        {"username": username or links["staff_username"], "password": password or links["staff_password"]},
    )
    if response.status_code != 303:
        raise AssertionError(f"staff login failed: {response.status_code}")
    return cookies


def open_unread(base: str, room: str, cookies: dict[str, str], audience: str = "participant") -> socket.socket:
    """A WebSocket that completes its upgrade and then never reads again: a frozen tab, a phone
    in a dead zone, a hostile client. Its receive buffer is tiny, so it stops taking data soon."""
    host, port = base.split("://", 1)[1].split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, int(port)))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        f"GET /ws/rooms/{room}?as={audience} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        f"Cookie: {cookie_header(cookies)['Cookie']}\r\n\r\n".encode()
    )
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        head += sock.recv(1)  # byte by byte: not one byte of the first frame is taken
    if not head.startswith(b"HTTP/1.1 101"):
        raise AssertionError(f"upgrade refused: {head[:100]!r}")
    return sock


async def read_metrics(http: httpx.AsyncClient, base: str) -> dict[str, float]:
    """GET /metrics as {name (with labels): value}."""
    text = (await http.get(f"{base}/metrics")).text
    return {name: float(value) for name, value in (line.rsplit(" ", 1) for line in text.splitlines() if line and not line.startswith("#"))}


def masked_text_frame(text: str) -> bytes:
    """One client-to-server WebSocket text frame (RFC 6455: clients mask), for open_unread sockets."""
    data, mask = text.encode(), os.urandom(4)
    size = len(data)
    head = bytes([0x81]) + (bytes([0x80 | size]) if size < 126 else bytes([0x80 | 126]) + size.to_bytes(2, "big"))
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))
