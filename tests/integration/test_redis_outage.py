"""Redis goes away in the middle of a meeting: commands are refused with "try again" (nothing
acknowledged that is not stored), phones keep their screens, and when Redis is back the meeting
goes on and the other process catches up. Uses a private Redis (append-only file, fsync always)
on its own port, so it can be killed without touching the shared one."""

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from rooms.codec import decode_event
from server.store.redis import RedisStore
from tests.conftest import ServerProcess, free_port, start_all
from tests.support.phone import Client, http_client, join_with_code, open_role

pytestmark = pytest.mark.anyio


class PrivateRedis:
    def __init__(self, folder: Path) -> None:
        self.folder, self.port, self.proc = folder, free_port(), None
        folder.mkdir()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_timeout=1)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    return
            except redis.RedisError:
                time.sleep(0.05)  # polling for readiness
        raise TimeoutError("private redis did not start")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


@pytest.fixture
def private_redis(tmp_path) -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(tmp_path / "redis")
    server.start()
    yield server
    server.kill()


def _content(view: str) -> str:
    return re.sub(r' data-seq="\d+"', "", view)


async def _until_ok(phone: Client, nonce: str, attempts: int = 40, **fields) -> int:
    """Send the same command (same nonce) until it is accepted, as app.js does after a reconnect."""
    for attempt in range(1, attempts + 1):
        frame = await phone.command("post_idea", nonce=nonce, **fields)
        if frame.result == ("ok", None):
            return attempt
        assert frame.result == ("rejected", "store_unavailable"), frame.text[:200]
    raise AssertionError("never accepted")


async def test_a_meeting_survives_redis_going_away(private_redis, tmp_path):
    env = {"REDIS_URL": private_redis.url, "REDIS_PREFIX": "outage:"}
    a, b = start_all([ServerProcess(tmp_path / "a.sqlite3", extra_env=env), ServerProcess(tmp_path / "b.sqlite3", extra_env=env)])
    try:
        links = a.demo(members=0)
        code = links["code"]
        async with http_client() as http:
            facilitator = await (await open_role(http, links["facilitator"], "facilitator")).connect()
            board_link = await open_role(http, links["board"], "board")
            board = await Client(b.base, code, "board", dict(board_link.cookies)).connect()
            on_a = await (await join_with_code(http, a.base, code)).connect()
            on_b = await (await join_with_code(http, b.base, code)).connect()
            await facilitator.command("start_round", round=0)
            await on_a.wait_for(lambda c: 'value="post_idea"' in c.view)
            assert (await on_a.command("post_idea", text="Før bruddet")).result == ("ok", None)
            await board.wait_for(lambda c: 'class="number">1</span> av' in c.view)
            view_before = on_b.view

            private_redis.kill()
            refused = await on_a.command("post_idea", nonce="during-outage", text="Under bruddet")
            assert refused.result == ("rejected", "store_unavailable")
            assert "Prøv igjen" in refused.text or "prøv igjen" in refused.text
            refused_b = await on_b.command("post_idea", nonce="b-during", text="Fra B under bruddet")
            assert refused_b.result == ("rejected", "store_unavailable")
            assert _content(on_b.view) == _content(view_before)  # the phone keeps its screen

            private_redis.start()  # the append-only file brings back what was stored
            tries = await _until_ok(on_a, "during-outage", text="Under bruddet")
            await _until_ok(on_b, "b-during", text="Fra B under bruddet")
            again = await on_a.command("post_idea", nonce="during-outage", text="Under bruddet")
            assert again.result == ("ok", None)  # a repeat of an accepted nonce: answered, not stored twice
            # Process B caught up: its board counts everyone who wrote.
            await board.wait_for(lambda c: 'class="number">2</span> av' in c.view, timeout=30)
            await facilitator.wait_for(lambda c: "Under bruddet" in c.view and "Fra B under bruddet" in c.view, timeout=30)
            store = await RedisStore(private_redis.url, "outage:").open()
            texts = [getattr(decode_event(d), "text", None) for _, d in await store.read(code)]
            await store.close()
            assert texts.count("Under bruddet") == 1 and texts.count("Fra B under bruddet") == 1
            assert texts.count("Før bruddet") == 1  # what was stored before the outage survived it
            print(f"\naccepted again after {tries} attempt(s) once Redis was back")
            for client in (facilitator, board, on_a, on_b):
                await client.close()
    finally:
        a.stop()
        b.stop()
