"""kill -9 the server in the middle of a 200-phone vote storm, start it again on the same store
(the SQLite file, or Redis): every acknowledged vote is in the room exactly once, votes the phones
send again with the same nonce are applied exactly once, and every phone shows the current view
soon after."""

import asyncio
import re
import time
import uuid
from collections.abc import AsyncIterator

import pytest

from rooms.rounds.dots import DotsCast
from server.store.redis import RedisStore
from tests.conftest import ServerProcess
from tests.support.eventlog import ballot, room_log
from tests.support.phone import Client, http_client, join_with_code, open_role

pytestmark = pytest.mark.anyio

PHONES = 200
REDIS_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture(params=["sqlite", "redis"])
async def store_env(request) -> AsyncIterator[dict[str, str]]:
    """The server's environment for each store: the SQLite file alone, or Redis under a key
    prefix of this test's own (wiped afterwards)."""
    if request.param == "sqlite":
        yield {}
        return
    env = {"REDIS_URL": REDIS_URL, "REDIS_PREFIX": f"t{uuid.uuid4().hex[:10]}:"}
    yield env
    store = await RedisStore(REDIS_URL, env["REDIS_PREFIX"]).open()
    await store.wipe()
    await store.close()


async def test_kill_nine_during_a_vote_storm_loses_and_doubles_nothing(tmp_path, store_env):
    server = ServerProcess(tmp_path / "storm.sqlite3", extra_env=store_env).start()
    try:
        links = server.demo(members=0)
        code = links["code"]
        async with http_client(timeout=60) as http:
            facilitator = await (await open_role(http, links["facilitator"], "facilitator")).connect()
            phones: list[Client] = []
            for start in range(0, PHONES, 50):
                phones += await asyncio.gather(*(join_with_code(http, server.base, code) for _ in range(start, min(PHONES, start + 50))))
            await asyncio.gather(*(p.connect() for p in phones))
            await facilitator.command("start_round", round=0)
            await phones[0].wait_for(lambda c: 'value="post_idea"' in c.view)
            for i in range(3):
                await phones[i].command("post_idea", text=f"Idé {i}")
            await facilitator.command("start_round", round=1)
            await asyncio.gather(*(p.wait_for(lambda c: 'value="dot"' in c.view, 60) for p in phones))
            ideas = sorted(set(re.findall(r'name="idea" value="(r0i\d)"', phones[0].view)))

            # Every phone sends its three dots at once, each with its own nonce. The server is killed
            # while answers are coming back and half the phones have not sent theirs yet.
            sent = {i: [f"p{i}d{d}" for d in range(3)] for i in range(PHONES)}
            for i, phone in enumerate(phones[: PHONES // 2]):
                for d, nonce in enumerate(sent[i]):
                    await phone.send("dot", nonce=nonce, idea=ideas[(i + d) % 3])
            # Killed once the first quarter's first votes are answered: the others are then in
            # every state (answered, stored but not yet answered, decided, still unread).
            await asyncio.gather(*(p.wait_for(lambda c, i=i: c.answer(sent[i][0]) is not None, 60) for i, p in enumerate(phones[: PHONES // 4])))
            server.kill()
            for i, phone in enumerate(phones[PHONES // 2 :], PHONES // 2):
                for d, nonce in enumerate(sent[i]):
                    try:
                        await phone.send("dot", nonce=nonce, idea=ideas[(i + d) % 3])
                    except Exception:
                        break  # the server is gone: this phone keeps them for later
            acked = {i: [n for n in sent[i] if (f := p.answer(n)) is not None and f.result == ("ok", None)] for i, p in enumerate(phones)}
            total_acked = sum(len(v) for v in acked.values())
            assert 0 < total_acked < 3 * PHONES, total_acked
            # What the store holds at the moment of the kill: every acknowledged vote, at least.
            stored = [e for _, e in await room_log(server.env, code) if isinstance(e, DotsCast)]
            assert len(stored) >= total_acked
            for client in (*phones, facilitator):
                await client.close()

            restarted_at = time.monotonic()
            server.start()
            # Phones come back and send again everything they sent, with the same nonces.
            again = [Client(server.base, code, cookies=dict(p.cookies)) for p in phones]
            await asyncio.gather(*(p.connect() for p in again))
            for i, phone in enumerate(again):
                for d, nonce in enumerate(sent[i]):
                    await phone.send("dot", nonce=nonce, idea=ideas[(i + d) % 3])
            await asyncio.gather(*(p.wait_for(lambda c, i=i: all(c.answer(n) for n in sent[i]), 60) for i, p in enumerate(again)))
            assert all(p.answer(n).result == ("ok", None) for i, p in enumerate(again) for n in sent[i])
            head = max(p.seq for p in again)
            await asyncio.gather(*(p.wait_for(lambda c: c.view_seq >= head - 3 * PHONES, 30) for p in again))
            caught_up = time.monotonic() - restarted_at
            for client in again:
                await client.close()
    finally:
        server.stop()

    # The stored log: gap-free, and each phone's ballot holds exactly its three dots, once.
    log = await room_log(server.env, code)
    assert [seq for seq, _ in log] == list(range(1, len(log) + 1))
    dots = [e for _, e in log if isinstance(e, DotsCast)]
    assert len(dots) == 3 * PHONES
    by_ballot: dict[str, int] = {}
    for dot in dots:
        by_ballot[dot.ballot] = by_ballot.get(dot.ballot, 0) + dot.delta
    assert all(by_ballot.get(ballot(p.cookies, code)) == 3 for p in phones)
    print(f"\n{'Redis' if store_env else 'SQLite'}: {total_acked} of {3 * PHONES} votes acknowledged before kill -9, {len(stored)} stored; "
          f"all {3 * PHONES} applied exactly once after the retries; phones caught up {caught_up:.1f} s after the restart")
