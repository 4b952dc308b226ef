"""Command line: `python -m server demo [--members N] [--json]` and `python -m server serve`."""

import argparse
import asyncio
import getpass
import json
import os
import secrets
import sys

from server.meetings.service import CreatedMeeting, create_demo
from server.settings import Settings
from server.staff.accounts import ROLE_NAMES, create_user
from server.store.records import StaffUser
from server.store import open_store

DEMO_ADMIN = "demo-admin"


def links(settings: Settings, created: CreatedMeeting, staff_password: str) -> dict[str, object]:
    base = settings.base_url
    return {
        "code": created.code,
        "facilitator": f"{base}/r/{created.code}/console?key={created.facilitator_key}",
        "board": f"{base}/r/{created.code}/board?key={created.board_key}",
        "join": f"{base}/j/{created.code}",
        "participants": [f"{base}/i/{token}" for token in created.invitations.values()],
        "staff": f"{base}/staff/login",
        "staff_username": DEMO_ADMIN,
        "staff_password": staff_password,
    }


async def _demo(settings: Settings, members: int) -> tuple[CreatedMeeting, str]:
    store = await open_store(settings)
    try:
        # A fresh password each time the demo runs; the account is the demo's administrator.
        password = secrets.token_urlsafe(12)
        await create_user(store, DEMO_ADMIN, "Demo administrator", "administrator", password)
        return await create_demo(store, settings.secret_key, members), password
    finally:
        await store.close()


def demo(args: argparse.Namespace) -> None:
    settings = Settings.from_env()
    created, password = asyncio.run(_demo(settings, args.members))
    out = links(settings, created, password)
    if args.json:
        print(json.dumps(out))
        return
    print("Demomøte klart / demo meeting ready\n")
    print(f"  Kode / join code:          {out['code']}")
    print(f"  Bli med / join:            {out['join']}")
    print(f"  Storskjerm / board:        {out['board']}")
    print(f"  Fasilitator / facilitator: {out['facilitator']}")
    print(f"  Ansatte / staff:           {out['staff']}  ({DEMO_ADMIN} / {password})")
    for i, link in enumerate(out["participants"], 1):  # type: ignore[arg-type]
        print(f"  Invitasjon {i}:              {link}")
    sys.stdout.flush()


async def _add_staff(settings: Settings, username: str, name: str, role: str, password: str) -> None:
    store = await open_store(settings)
    try:
        if await store.get(StaffUser, username.lower()) is not None:
            raise SystemExit(f"{username} exists already")
        await create_user(store, username, name, role, password)
    finally:
        await store.close()


def add_staff(args: argparse.Namespace) -> None:
    """The first administrator of a new installation is made here; the rest in the staff pages."""
    password = os.environ.get("STAFF_PASSWORD") or getpass.getpass("Password (12 characters or more): ")
    try:
        asyncio.run(_add_staff(Settings.from_env(), args.username, args.name or args.username, args.role, password))
    except ValueError as problem:
        raise SystemExit(str(problem)) from None
    print(f"{args.username} ({args.role}) can now log in at /staff/login")


def check_draw(args: argparse.Namespace) -> None:
    """Anyone with a draw's record (the JSON staff download) can re-run it here."""
    from server.selection.draw import ReplayError, replay  # noqa: PLC0415 - the solver loads only here

    with open(args.file, encoding="utf-8") as f:
        document = json.load(f)
    try:
        result = replay(document, recompute=args.recompute)
    except ReplayError as problem:
        raise SystemExit(f"NOT the same: {problem}") from None
    print(f"Identical: seed {result.seed!r} draws ticket {result.ticket} and the same {len(result.invited)} invitees and reserves.")


def server_command(server: str, host: str, port: str) -> list[str]:
    """The ASGI server's command line. uvicorn serves (the Procfile's `web`); granian
    (`pip install -e .[granian]`, SERVER=granian) is there to measure against. Measured on this
    app (bench/README.md, "uvicorn or granian"): neither is faster beyond the noise (CPU per
    fan-out frame 0.86x and 1.14x of uvicorn's in two runs, HTTP the same), and granian 2.8 does
    not ping idle WebSockets (a phone that vanished is held for ever), takes in a 1 MiB message
    (uvicorn closes at 64 KiB, 1009) and drops sockets without a close frame on shutdown.
    permessage-deflate is off: compressing each socket's copy of a view costs more CPU than the
    bytes save on a hall's Wi-Fi or 4G."""
    if server == "granian":
        return [
            sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "server.asgi:create_app",
            "--host", host, "--port", port, "--loop", "uvloop", "--no-access-log",
            "--log-level", "warning", "--workers-kill-timeout", "10",
        ]
    if server != "uvicorn":
        raise SystemExit(f"SERVER must be uvicorn or granian, not {server!r}")
    return [
        sys.executable, "-m", "uvicorn", "server.asgi:create_app", "--factory",
        "--host", host, "--port", port,
        # wire.Protocol: websockets-sansio with a fixed send buffer and a send timeout (slow phones).
        "--ws", "server.realtime.wire:Protocol", "--ws-per-message-deflate", "false",
        "--ws-max-size", "65536", "--timeout-graceful-shutdown", "10",
        "--no-access-log",
    ]


def serve(args: argparse.Namespace) -> None:
    port = os.environ.get("PORT", "8000")
    host = os.environ.get("HOST", "0.0.0.0")
    command = server_command(os.environ.get("SERVER", "uvicorn"), host, port)
    os.execvp(command[0], command)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m server")
    sub = parser.add_subparsers(dest="command", required=True)
    p_demo = sub.add_parser("demo", help="create a demo meeting and print its links")
    p_demo.add_argument("--members", type=int, default=3, help="invited demo members")
    p_demo.add_argument("--json", action="store_true", help="print one JSON object")
    p_demo.set_defaults(run=demo)
    p_staff = sub.add_parser("add-staff", help="create a staff account (password from $STAFF_PASSWORD or a prompt)")
    p_staff.add_argument("username")
    p_staff.add_argument("--name", default="")
    p_staff.add_argument("--role", choices=sorted(ROLE_NAMES), default="administrator")
    p_staff.set_defaults(run=add_staff)
    p_check = sub.add_parser("check-draw", help="re-run a draw from its record (JSON) and confirm the list")
    p_check.add_argument("file")
    p_check.add_argument("--recompute", action="store_true", help="also solve the lottery again")
    p_check.set_defaults(run=check_draw)
    p_serve = sub.add_parser("serve", help="serve the app on $PORT (uvicorn; SERVER=granian to compare)")
    p_serve.set_defaults(run=serve)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
