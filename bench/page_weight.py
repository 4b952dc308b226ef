"""Page weight: bytes over the wire and requests for a phone's and the board's first load.

Requests are made as a browser with an empty cache makes them, with `Accept-Encoding: gzip, br`;
each response is counted as it arrived: status line and headers plus the body as transferred
(compressed when the server compressed it). Counted: the page's HTML and every /static file it
references (stylesheet, scripts, icon). Also shown: the whole join flow a phone goes through
(join page, form post, redirect), and the WebSocket upgrade plus the first #view frame.

    cd /work/wt-bench && /work/main/.venv/bin/python bench/page_weight.py
"""

import argparse
import asyncio
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from bench.common import (  # noqa: E402
    BenchServer,
    Placement,
    Stack,
    machine_line,
    open_ws,
    room_path,
    run_main,
    split_base,
)
from tests.support.phone import INPUT, _cookies, cookie_header, http_client  # noqa: E402

ASSET = re.compile(r'(?:src|href)="(/static/[^"]+)"')
BROWSER = {
    "Accept-Encoding": "gzip, br",
    "Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
    "Accept-Language": "nb-NO,nb;q=0.9,en;q=0.5",
    "User-Agent": "Mozilla/5.0 (Linux; Android 14) page-weight-bench",
}


@dataclass
class Fetched:
    label: str
    status: int
    kind: str
    encoding: str
    decoded: int
    body: int
    headers: int
    text: str
    caching: str = ""

    @property
    def wire(self) -> int:
        return self.body + self.headers


def header_bytes(response: httpx.Response) -> int:
    """Status line + header lines + the blank line, as sent over HTTP/1.1."""
    status = len(f"HTTP/1.1 {response.status_code} {response.reason_phrase}\r\n")
    return status + sum(len(k) + len(v) + 4 for k, v in response.headers.raw) + 2


async def fetch(http: httpx.AsyncClient, method: str, url: str, cookies: dict[str, str], label: str,
                data: dict | None = None) -> Fetched:
    request = http.build_request(method, url, headers={**BROWSER, **cookie_header(cookies)}, data=data)
    response = await http.send(request, stream=True)
    raw = b"".join([chunk async for chunk in response.aiter_raw()])
    await response.aclose()
    _cookies(response, cookies)
    encoding = response.headers.get("content-encoding", "-")
    text = ""
    decoded = len(raw)
    if encoding != "-":
        decoded_bytes = httpx.Response(200, headers={"content-encoding": encoding}, content=raw).content
        decoded = len(decoded_bytes)
        text = decoded_bytes.decode(errors="replace")
    else:
        text = raw.decode(errors="replace")
    kind = response.headers.get("content-type", "-").split(";")[0]
    caching = ", ".join(f"{h}: {response.headers[h]}" for h in ("cache-control", "etag", "last-modified")
                        if h in response.headers) or "none"
    return Fetched(label, response.status_code, kind, encoding, decoded, len(raw), header_bytes(response), text,
                   caching)


async def with_assets(http, base: str, page: Fetched, cookies: dict[str, str], seen: set[str]) -> list[Fetched]:
    out = []
    for path in dict.fromkeys(ASSET.findall(page.text)):
        if path in seen:
            continue
        seen.add(path)
        out.append(await fetch(http, "GET", f"{base}{path}", cookies, path))
    return out


def table(title: str, rows: list[Fetched]) -> tuple[int, int]:
    print(title)
    print(f"  {'request':<44} {'status':>6} {'type':<24} {'enc':<5} {'size':>8} {'body':>8} {'+hdrs':>6} {'wire':>8}")
    for r in rows:
        print(f"  {r.label:<44} {r.status:>6} {r.kind:<24} {r.encoding:<5} {r.decoded:>8} {r.body:>8} "
              f"{r.headers:>6} {r.wire:>8}")
    total = sum(r.wire for r in rows)
    print(f"  {'total: ' + str(len(rows)) + ' requests':<44} {'':>6} {'':<24} {'':<5} "
          f"{sum(r.decoded for r in rows):>8} {sum(r.body for r in rows):>8} "
          f"{sum(r.headers for r in rows):>6} {total:>8}   = {total / 1000:.1f} kB ({total / 1024:.1f} KiB)")
    return total, len(rows)


class RawHTTP(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection that sends the same GET again as soon as the previous
    answer is complete. Light enough (no httpx) that the server, not the client, is the limit."""

    def __init__(self, request: bytes, done: asyncio.Future) -> None:
        self.request, self.done, self.buf, self.count, self.errors = request, done, bytearray(), 0, 0
        self.transport: asyncio.Transport | None = None
        self.stop = False

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc) -> None:
        if not self.done.done():
            self.done.set_result(None)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buf[:end]).lower()
            m = re.search(rb"content-length: *(\d+)", head)
            if m:
                total = end + 4 + int(m.group(1))
                if len(self.buf) < total:
                    return
            else:  # chunked: wait for the last chunk
                last = self.buf.find(b"\r\n0\r\n\r\n", end)
                if last < 0:
                    return
                total = last + 7
            if not head.startswith(b"http/1.1 200"):
                self.errors += 1
            del self.buf[:total]
            self.count += 1
            if self.stop:
                self.transport.close()  # type: ignore[union-attr]
                return
            self.transport.write(self.request)  # type: ignore[union-attr]


async def request_rate(server: BenchServer, path: str, cookies: dict[str, str], seconds: float,
                       connections: int) -> dict[str, float]:
    """`connections` keep-alive connections asking for `path` back to back for `seconds`."""
    host, port = split_base(server.base)
    headers = {**BROWSER, **cookie_header(cookies), "Host": f"{host}:{port}"}
    request = (f"GET {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode()
    loop = asyncio.get_running_loop()
    conns = []
    for _ in range(connections):
        done = loop.create_future()
        _, proto = await loop.create_connection(lambda d=done: RawHTTP(request, d), host, port)
        conns.append(proto)
    await asyncio.sleep(1.0)  # warm up
    n0, cpu0, t0 = sum(c.count for c in conns), server.cpu(), time.monotonic()
    await asyncio.sleep(seconds)
    n1, cpu1, t1 = sum(c.count for c in conns), server.cpu(), time.monotonic()
    for c in conns:
        c.stop = True
    await asyncio.gather(*(c.done for c in conns))
    n = n1 - n0
    return {"rps": n / (t1 - t0), "cpu_ms": 1000 * (cpu1 - cpu0) / max(n, 1),
            "busy": (cpu1 - cpu0) / (t1 - t0), "errors": sum(c.errors for c in conns)}


async def server_cpu_per_load(http, server: BenchServer, rows: list[Fetched], cookies: dict[str, str],
                              loads: int) -> dict[str, float]:
    """Server CPU (utime+stime) per request of each kind, over `loads` sequential repeats."""
    out: dict[str, float] = {}
    base = server.base
    for row in rows:
        path = row.label.split()[1] if row.label.startswith("GET ") else row.label
        headers = {**BROWSER, **cookie_header(cookies)}
        cpu0 = server.cpu()
        for _ in range(loads):
            async with http.stream("GET", f"{base}{path}", headers=headers) as r:
                async for _chunk in r.aiter_raw():
                    pass
        out[path] = (server.cpu() - cpu0) / loads
    return out


async def main(args) -> None:
    stack = Stack()
    placement = Placement(pin=not args.no_pin)
    placement.apply_to_load()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            server = stack.add(BenchServer(Path(tmp) / "bench.sqlite3", cpus=placement.server_cpus,
                                           server=args.server, **({"root": args.root} if args.root else {})).start())
            links = server.demo(members=0)
            base, code = server.base, links["code"]
            async with http_client(timeout=30) as http:
                # A phone: scan the QR code -> join page -> press Join -> the participant page.
                cookies: dict[str, str] = {}
                seen: set[str] = set()
                join_page = await fetch(http, "GET", f"{base}/j/{code}", cookies, f"GET /j/{code} (join page)")
                join_assets = await with_assets(http, base, join_page, cookies, seen)
                values = dict(INPUT.findall(join_page.text))
                post = await fetch(http, "POST", f"{base}/j/{code}", cookies, f"POST /j/{code} (303)",
                                   data={**values, "name": ""})
                assert post.status == 303, post.status
                page = await fetch(http, "GET", f"{base}/r/{code}", cookies, f"GET /r/{code} (participant page)")
                assert page.status == 200, page.status
                page_assets = await with_assets(http, base, page, cookies, set())
                host, port = split_base(base)
                # Offered as Chromium offers it; the server should decline (compression off).
                ws = await open_ws(host, port, room_path(code), cookies,
                                   extensions="permessage-deflate; client_max_window_bits")
                deflate = "permessage-deflate" in ws.handshake.lower()
                first = await asyncio.wait_for(ws.first_view, 10)
                await asyncio.sleep(0.2)
                ws_in = ws.wire_in
                ws_hs = ws.handshake_bytes
                ws_out = ws.wire_out
                first_frame = ws.sizes[0] if ws.sizes else 0
                del first
                ws.close()

                # The board: open the board link (key -> cookie) -> the board page.
                bcookies: dict[str, str] = {}
                link = links["board"].replace(base, "")
                redirect = await fetch(http, "GET", links["board"], bcookies, f"GET {link[:24]}… (303)")
                board = await fetch(http, "GET", f"{base}/r/{code}/board", bcookies, f"GET /r/{code}/board")
                board_assets = await with_assets(http, base, board, bcookies, set())
                cpu = await server_cpu_per_load(http, server, [page, *page_assets], cookies, args.loads)
                rates = {}
                if args.rate_seconds:
                    for path in (f"/r/{code}", "/static/vendor/htmx.min.js"):
                        rates[path] = await request_rate(server, path, cookies, args.rate_seconds, args.connections)
            server.stop()
    finally:
        stack.close()

    print(f"Page weight: first load with an empty cache, Accept-Encoding: gzip, br (server: {args.server}"
          + (f", app from {args.root}" if args.root else "") + ")")
    print(machine_line())
    print(f"placement: server pinned to CPU {sorted(placement.server_cpus or [])}, this client to CPU "
          f"{sorted(placement.load_cpus or [])}" if placement.server_cpus else "placement: not pinned")
    print("size = decoded bytes; body = bytes transferred; +hdrs = status line and headers; wire = body + headers")
    print()
    total, count = table("Participant page (the page and what it references):", [page, *page_assets])
    verdict = "MET" if total <= 60_000 else "MISSED"
    print(f"  -> target participant page <= 60 KB over the wire on first load: {total / 1000:.1f} kB -> {verdict}")
    print(f"  + WebSocket: upgrade response {ws_hs} B, first #view frame {first_frame} B payload; "
          f"{ws_in} B received and {ws_out} B sent on the socket in the first 0.2 s; permessage-deflate "
          f"offered by the client: {'ACCEPTED (compression on)' if deflate else 'declined (compression off)'}")
    print()
    flow = [join_page, *join_assets, post, page, *[a for a in page_assets if a.label not in {j.label for j in join_assets}]]
    table("Whole join flow of a phone (join page, post, redirect, participant page; each file once):", flow)
    print()
    table("Board (projector) first load:", [redirect, board, *board_assets])
    print()
    print(f"Server CPU per request (mean of {args.loads} sequential requests each, gzip accepted):")
    for path, seconds in cpu.items():
        print(f"  {path:<44} {1000 * seconds:6.2f} ms")
    print(f"  {'one first load of the participant page':<44} {1000 * sum(cpu.values()):6.2f} ms")
    if rates:
        print()
        print(f"Request rate: {args.connections} keep-alive connections asking back to back for "
              f"{args.rate_seconds:g} s (gzip accepted):")
        for path, r in rates.items():
            print(f"  {path:<44} {r['rps']:8.0f} requests/s  server CPU {r['cpu_ms']:5.2f} ms/request, "
                  f"busy {r['busy']:.2f} cores, {r['errors']:.0f} not 200")
    print()
    print("caching headers on the static files: "
          + "; ".join(sorted({f'{r.label}: {r.caching}' for r in page_assets})))
    encodings = {r.encoding for r in [page, *page_assets, board, *board_assets]}
    print()
    print(f"content encodings the server used: {', '.join(sorted(encodings))}"
          + ("" if "br" in encodings else " (no brotli: the app's CompressionConfig is gzip)"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loads", type=int, default=200, help="repeats per request for the server CPU figures")
    parser.add_argument("--server", default="uvicorn", help="ASGI server: uvicorn or granian")
    parser.add_argument("--rate-seconds", type=float, default=10.0, help="length of each request-rate run (0: none)")
    parser.add_argument("--connections", type=int, default=16, help="connections in the request-rate runs")
    parser.add_argument("--root", type=lambda s: Path(s).resolve(), default=None,
                        help="serve the app from this checkout instead (a before/after comparison)")
    parser.add_argument("--no-pin", action="store_true")
    run_main(lambda: main(parser.parse_args()))
