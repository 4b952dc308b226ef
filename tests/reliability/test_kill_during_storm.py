"""kill -9 the server in the middle of a 200-phone vote storm, start it again on the same SQLite
file: every acknowledged vote is in the room exactly once, votes the phones send again with the
same nonce are applied exactly once, and every phone shows the current view soon after."""

import asyncio
import re
import sqlite3
import time

import pytest

from rooms.codec import decode_event
from rooms.rounds.dots import DotsCast
from server.auth import ballot_of, seat_cookie_name
from tests.conftest import ServerProcess
from tests.support.phone import Client, http_client, join_with_code, open_role

pytestmark = pytest.mark.anyio

PHONES = 200


async def test_kill_nine_during_a_vote_storm_loses_and_doubles_nothing(tmp_path):
    server = ServerProcess(tmp_path / "storm.sqlite3").start()
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
            # as soon as the first answers come back, while the rest are still on their way.
            sent = {i: [f"p{i}d{d}" for d in range(3)] for i in range(PHONES)}
            for i, phone in enumerate(phones[: PHONES // 2]):
                for d, nonce in enumerate(sent[i]):
                    await phone.send("dot", nonce=nonce, idea=ideas[(i + d) % 3])
            await phones[0].wait_for(lambda c: c.answer(sent[0][0]) is not None, 60)
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

    # The log on disk: each phone's ballot holds exactly its three dots, once.
    db = sqlite3.connect(server.database)
    events = [decode_event(data) for (data,) in db.execute("SELECT data FROM events WHERE room = ? ORDER BY seq", (code,))]
    seqs = [seq for (seq,) in db.execute("SELECT seq FROM events WHERE room = ? ORDER BY seq", (code,))]
    db.close()
    assert seqs == list(range(1, len(seqs) + 1))
    dots = [e for e in events if isinstance(e, DotsCast)]
    assert len(dots) == 3 * PHONES
    by_ballot: dict[str, int] = {}
    for dot in dots:
        by_ballot[dot.ballot] = by_ballot.get(dot.ballot, 0) + dot.delta
    ballots = [ballot_of(p.cookies[seat_cookie_name(code)], code) for p in phones]
    assert all(by_ballot.get(b) == 3 for b in ballots)
    print(f"\n{total_acked} of {3 * PHONES} votes acknowledged before kill -9; "
          f"all {3 * PHONES} applied exactly once after the retries; phones caught up {caught_up:.1f} s after the restart")
