"""Command line: `python -m server demo [--members N] [--json]` and `python -m server serve`."""

import argparse
import asyncio
import json
import os
import sys

from server.meetings.service import CreatedMeeting, create_demo
from server.settings import Settings
from server.staff.routes import staff_key
from server.store.sqlite import SQLiteStore


def links(settings: Settings, created: CreatedMeeting) -> dict[str, object]:
    base = settings.base_url
    return {
        "code": created.code,
        "facilitator": f"{base}/r/{created.code}/console?key={created.facilitator_key}",
        "board": f"{base}/r/{created.code}/board?key={created.board_key}",
        "join": f"{base}/j/{created.code}",
        "participants": [f"{base}/i/{token}" for token in created.invitations.values()],
        "staff": f"{base}/staff?key={staff_key(settings.secret_key)}",
    }


async def _demo(settings: Settings, members: int) -> CreatedMeeting:
    store = await SQLiteStore(settings.database_path).open()
    try:
        return await create_demo(store, members)
    finally:
        await store.close()


def demo(args: argparse.Namespace) -> None:
    settings = Settings.from_env()
    created = asyncio.run(_demo(settings, args.members))
    out = links(settings, created)
    if args.json:
        print(json.dumps(out))
        return
    print("Demomøte klart / demo meeting ready\n")
    print(f"  Kode / join code:          {out['code']}")
    print(f"  Bli med / join:            {out['join']}")
    print(f"  Storskjerm / board:        {out['board']}")
    print(f"  Fasilitator / facilitator: {out['facilitator']}")
    print(f"  Ansatte / staff:           {out['staff']}")
    for i, link in enumerate(out["participants"], 1):  # type: ignore[arg-type]
        print(f"  Invitasjon {i}:              {link}")
    sys.stdout.flush()


def serve(args: argparse.Namespace) -> None:
    port = os.environ.get("PORT", "8000")
    host = os.environ.get("HOST", "0.0.0.0")
    os.execvp(
        sys.executable,
        [
            sys.executable, "-m", "uvicorn", "server.asgi:create_app", "--factory",
            "--host", host, "--port", port,
            "--ws", "websockets-sansio", "--ws-per-message-deflate", "false",
            "--ws-max-size", "65536", "--timeout-graceful-shutdown", "10",
            "--no-access-log",
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m server")
    sub = parser.add_subparsers(dest="command", required=True)
    p_demo = sub.add_parser("demo", help="create a demo meeting and print its links")
    p_demo.add_argument("--members", type=int, default=3, help="invited demo members")
    p_demo.add_argument("--json", action="store_true", help="print one JSON object")
    p_demo.set_defaults(run=demo)
    p_serve = sub.add_parser("serve", help="serve the app with uvicorn on $PORT")
    p_serve.set_defaults(run=serve)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
