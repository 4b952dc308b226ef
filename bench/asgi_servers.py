"""uvicorn or granian: what each does with the app's WebSockets, besides speed (issue 8).

Starts the app under each server (`SERVER=uvicorn|granian python -m server serve`) and checks, on
real sockets, what matters for phones in a meeting hall:

- compression: a client offering permessage-deflate (as Chromium does) — accepted or declined;
- a message far larger than any command (1 MiB): refused (closed, code) or taken in;
- keep-alive: does the server ping an idle socket (so a phone that vanished is noticed)?
- shutdown (SIGTERM): how the open sockets are closed (htmx reconnects on 1001/1006/1011-1014).

Speed is measured by fanout.py (--servers uvicorn,granian) and page_weight.py (--server).

    .venv/bin/python bench/asgi_servers.py --idle 25
"""

import argparse
import asyncio
import json
import secrets
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BenchServer, Stack, now, open_ws, room_path, run_main, split_base  # noqa: E402
from tests.support.phone import http_client, join_with_code  # noqa: E402


async def phone(server: BenchServer, code: str, **kw):
    async with http_client(timeout=30) as http:
        client = await join_with_code(http, server.base, code)
    host, port = split_base(server.base)
    ws = await open_ws(host, port, room_path(code), client.cookies, **kw)
    await asyncio.wait_for(ws.first_view, 30)
    return ws


async def check(name: str, tmp: Path, idle: float) -> dict[str, str]:
    out: dict[str, str] = {}
    stack = Stack()
    try:
        server = stack.add(BenchServer(tmp / f"{name}.sqlite3", server=name).start())
        code = server.demo(members=0)["code"]
        ws = await phone(server, code, extensions="permessage-deflate; client_max_window_bits")
        out["permessage-deflate offered"] = "ACCEPTED" if "permessage-deflate" in ws.handshake.lower() else "declined"
        big = json.dumps({"cmd": "post_idea", "nonce": secrets.token_hex(8), "text": "x" * (1 << 20)})
        ws.send_text(big)
        deadline = now() + 10
        while not ws.closed and not ws.acks and now() < deadline:
            await asyncio.sleep(0.05)
        if ws.closed:
            out["1 MiB message"] = f"refused: socket closed with code {ws.close_code}"
        elif ws.acks:
            ack = next(iter(ws.acks.values()))
            out["1 MiB message"] = f"taken in and decided (answer: {ack.result} {ack.reason or ''})".strip()
        else:
            out["1 MiB message"] = "no answer, socket open"
        ws.close()
        idler = await phone(server, code)
        t0 = now()
        await asyncio.sleep(idle)
        out[f"pings on an idle socket in {idle:g} s"] = f"{idler.pings} (after {now() - t0:.0f} s)"
        server.proc.terminate()  # type: ignore[union-attr]
        deadline = now() + 20
        while not idler.closed and now() < deadline:
            await asyncio.sleep(0.05)
        out["on SIGTERM, open sockets"] = (
            f"closed with code {idler.close_code}" if idler.close_code is not None
            else "dropped without a close frame (the browser sees 1006)" if idler.closed else "still open after 20 s"
        )
    finally:
        stack.close()
    return out


async def main(args) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        results = {name: await check(name, Path(tmp), args.idle) for name in args.servers}
    print("ASGI servers and the app's WebSockets")
    keys = list(next(iter(results.values())))
    for key in keys:
        print(f"  {key}:")
        for name, res in results.items():
            print(f"    {name:<8} {res[key]}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--servers", type=lambda s: s.split(","), default=["uvicorn", "granian"])
    parser.add_argument("--idle", type=float, default=25.0, help="seconds to watch an idle socket for pings")
    run_main(lambda: main(parser.parse_args()))
