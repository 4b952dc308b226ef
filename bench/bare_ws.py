"""The reference for bench/fanout.py: a bare `websockets` server that, for each message any
connection sends ({"size": N}), broadcasts an N-byte frame with the next data-seq to every other
connection with websockets.broadcast. No rooms, no store, no rendering: the floor for fan-out.
Same settings as the app's uvicorn: no permessage-deflate, 64 KiB messages, uvloop if installed.

    python bench/bare_ws.py --port 8765
"""

import argparse
import asyncio
import json

from websockets.asyncio.server import ServerConnection, broadcast, serve


async def main(host: str, port: int) -> None:
    clients: set[ServerConnection] = set()
    seq = 0

    async def handler(ws: ServerConnection) -> None:
        nonlocal seq
        clients.add(ws)
        try:
            async for message in ws:
                seq += 1
                head = f'<div id="view" hx-swap-oob="true" data-seq="{seq}">'
                size = int(json.loads(message).get("size", 1000))
                frame = head + "x" * max(0, size - len(head) - 6) + "</div>"
                broadcast([c for c in clients if c is not ws], frame)
        finally:
            clients.discard(ws)

    async with serve(handler, host, port, compression=None, max_size=65536, backlog=2048):
        await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    try:
        import uvloop

        asyncio.run(main(args.host, args.port), loop_factory=uvloop.new_event_loop)
    except ImportError:
        asyncio.run(main(args.host, args.port))
    except KeyboardInterrupt:
        pass
