"""Three server processes share one meeting through the real Redis on 127.0.0.1:6379: every
screen sees the same events in the same order; concurrent appends lose and repeat nothing; a
process started later catches up."""

import asyncio
import re
import uuid
from collections.abc import AsyncIterator

import pytest

from rooms.codec import decode_event
from rooms.rounds.dots import DotsCast
from server.store.redis import RedisStore
from tests.conftest import ServerProcess, start_all
from tests.support.phone import Client, http_client, join_with_code, open_role

pytestmark = pytest.mark.anyio

REDIS_URL = "redis://127.0.0.1:6379/14"
VOTES = re.compile(r'<span class="result-text">([^<]*)</span>.*?<span class="result-votes">(\d+)', re.S)


@pytest.fixture
async def cluster(tmp_path) -> AsyncIterator[tuple[list[ServerProcess], dict[str, str]]]:
    env = {"REDIS_URL": REDIS_URL, "REDIS_PREFIX": f"t{uuid.uuid4().hex[:10]}:"}
    servers = start_all([ServerProcess(tmp_path / f"p{i}.sqlite3", extra_env=env) for i in range(3)])
    yield servers, env
    for server in servers:
        server.stop()
    store = await RedisStore(REDIS_URL, env["REDIS_PREFIX"]).open()
    await store.wipe()
    await store.close()


def _on(client: Client, server: ServerProcess) -> Client:
    """The same phone (same cookies), talking to another process."""
    return Client(server.base, client.room, client.audience, dict(client.cookies))


async def test_sixty_phones_on_three_processes_see_one_meeting(cluster, tmp_path):
    servers, env = cluster
    links = servers[0].demo(members=0)
    code = links["code"]
    async with http_client() as http:
        boards = []
        for server in servers:
            board = await open_role(http, links["board"], "board")
            boards.append(await _on(board, server).connect())
        facilitator = await (await open_role(http, links["facilitator"], "facilitator")).connect()
        phones: list[Client] = []
        for i in range(60):
            server = servers[i % 3]
            phone = await join_with_code(http, server.base, code)  # joined through this process
            phones.append(phone)
        await asyncio.gather(*(p.connect() for p in phones))
        await asyncio.gather(*(b.wait_for(lambda c: 'class="number">60<' in c.view) for b in boards))

        started = await facilitator.command("start_round", round=0)
        await asyncio.gather(*(p.wait_for(lambda c: 'value="post_idea"' in c.view) for p in phones))
        assert started.result == ("ok", None)
        answers = await asyncio.gather(*(p.command("post_idea", text=f"Idé {i}") for i, p in enumerate(phones[:9])))
        assert all(a.result == ("ok", None) for a in answers)
        await facilitator.command("start_round", round=1)
        await asyncio.gather(*(p.wait_for(lambda c: 'value="dot"' in c.view) for p in phones))
        ideas = sorted(set(re.findall(r'name="idea" value="(r0i\d+)"', phones[0].view)))
        assert len(ideas) == 9

        # Everyone votes at once, on all three processes: 60 phones × 2 dots.
        async def vote(i: int, phone: Client) -> int:
            done = 0
            for target in (ideas[i % 9], ideas[(i + 1) % 9]):
                frame = await phone.command("dot", idea=target)
                done += frame.result == ("ok", None)
            return done
        acked = sum(await asyncio.gather(*(vote(i, p) for i, p in enumerate(phones))))
        assert acked == 120
        revealed = await facilitator.command("reveal", round=1)
        await asyncio.gather(*(b.wait_for(lambda c: c.view_seq >= revealed.seq) for b in boards))
        tallies = [{t: int(n) for t, n in VOTES.findall(b.view)} for b in boards]
        assert tallies[0] == tallies[1] == tallies[2]
        expected = [sum(1 for i in range(60) if j in (i % 9, (i + 1) % 9)) for j in range(9)]
        assert sorted(tallies[0].values()) == sorted(expected)
        assert boards[0].view_seq == boards[1].view_seq == boards[2].view_seq == revealed.seq

        # The log in Redis is gap-free and holds every acknowledged vote exactly once.
        store = await RedisStore(REDIS_URL, env["REDIS_PREFIX"]).open()
        rows = await store.read(code)
        await store.close()
        assert [seq for seq, _ in rows] == list(range(1, len(rows) + 1))
        assert sum(isinstance(decode_event(data), DotsCast) for _, data in rows) == 120

        # A process started now catches up from the log and serves the current view.
        late = ServerProcess(tmp_path / "late.sqlite3", extra_env=env).start()
        try:
            newcomer = await _on(phones[0], late).connect()
            await newcomer.wait_for(lambda c: c.view_seq == revealed.seq)
            assert "result-votes" in newcomer.view
            await newcomer.close()
        finally:
            late.stop()
        for client in (*phones, *boards, facilitator):
            await client.close()


async def test_concurrent_appends_from_three_processes_are_never_lost_or_doubled(cluster):
    servers, env = cluster
    links = servers[0].demo(members=0)
    code = links["code"]
    async with http_client() as http:
        facilitator = await (await open_role(http, links["facilitator"], "facilitator")).connect()
        phones = [await join_with_code(http, servers[i % 3].base, code) for i in range(30)]
        await asyncio.gather(*(p.connect() for p in phones))
        await facilitator.command("start_round", round=0)
        await asyncio.gather(*(p.wait_for(lambda c: 'value="post_idea"' in c.view) for p in phones))

        # Each phone fires 5 ideas without waiting, then sends the first one again (a retry).
        async def burst(phone: Client) -> list[str]:
            nonces = [await phone.send("post_idea", text=f"burst {i}") for i in range(5)]
            await phone.send("post_idea", nonce=nonces[0], text="burst 0")
            await phone.wait_for(lambda c: all(c.answer(n) is not None for n in nonces), timeout=30)
            return [n for n in nonces if phone.answer(n).result == ("ok", None)]
        accepted = sum(len(n) for n in await asyncio.gather(*(burst(p) for p in phones)))
        assert accepted == 150

        store = await RedisStore(REDIS_URL, env["REDIS_PREFIX"]).open()
        rows = await store.read(code)
        nonces = await store.read_nonces(code)
        await store.close()
        posted = [e for e in (decode_event(d) for _, d in rows) if type(e).__name__ == "ItemPosted"]
        assert [seq for seq, _ in rows] == list(range(1, len(rows) + 1))
        assert len(posted) == 150  # every acknowledged idea once, the retries not at all
        assert len({e.item for e in posted}) == 150
        assert len(nonces) == 151  # 150 ideas and the facilitator's start
        for client in (*phones, facilitator):
            await client.close()
