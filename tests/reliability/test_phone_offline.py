"""A phone loses its network in the middle of a dot vote while the others go on voting. Its
last vote reached the server but the answer was lost; while offline it keeps two more taps.
Back online it sends everything unanswered again with the same nonces (what app.js does): each
vote is applied exactly once, nobody else's vote is lost or doubled, and the first frame after
reconnecting is the current view (the data-seq of the room's last event)."""

import asyncio
import re
import time
from collections import Counter

import pytest

from tests.conftest import ServerProcess
from tests.support.eventlog import ballot, dots_of, room_log
from tests.support.link import Link
from tests.support.phone import Client, http_client, join_with_code, open_role

pytestmark = pytest.mark.anyio

OTHERS = 10


async def _vote_until(phone: Client, idea: str, stop: asyncio.Event, tally: Counter) -> None:
    """Give and take back a dot on `idea`, over and over, a few times a second (under the
    per-socket rate limit); count what the server acknowledged."""
    delta = 1
    while not stop.is_set():
        frame = await phone.command("dot", idea=idea, delta=delta)
        assert frame.result == ("ok", None), frame.text[:300]
        tally[(idea, delta)] += 1
        delta = -delta
        await asyncio.sleep(0.25)  # pacing a person's taps, not waiting for anything


@pytest.mark.parametrize("offline", [2, pytest.param(30, marks=pytest.mark.slow)], ids=lambda s: f"{s}s")
async def test_a_phone_back_from_offline_sends_its_queued_votes_once_and_catches_up(tmp_path, offline):
    server = ServerProcess(tmp_path / "offline.sqlite3").start()
    link = await Link(server.port).start()
    try:
        links = server.demo(members=0)
        code = links["code"]
        async with http_client(timeout=30) as http:
            facilitator = await (await open_role(http, links["facilitator"], "facilitator")).connect()
            board = await (await open_role(http, links["board"], "board")).connect()
            others = [await join_with_code(http, server.base, code) for _ in range(OTHERS)]
            await asyncio.gather(*(p.connect() for p in others))
            phone = await (await join_with_code(http, link.base, code)).connect()  # over the Wi-Fi

            await facilitator.command("start_round", round=0)
            await others[0].wait_for(lambda c: 'value="post_idea"' in c.view)
            for i in range(3):
                await others[i].command("post_idea", text=f"Idé {i}")
            await facilitator.command("start_round", round=1)
            await phone.wait_for(lambda c: 'value="dot"' in c.view)
            ideas = sorted(set(re.findall(r'name="idea" value="(r0i\d)"', phone.view)))
            assert len(ideas) == 3

            # The answer to this vote is lost on its way back; then the network goes.
            link.mute()
            before = board.view_seq
            lost = await phone.send("dot", idea=ideas[0])
            await board.wait_for(lambda c: c.view_seq > before)  # it did arrive
            link.down()
            with pytest.raises(ConnectionError):
                await phone.wait_for(lambda c: False)
            assert phone.answer(lost) is None

            # Offline: the others vote on; the phone keeps two taps to send later.
            queued = [(lost, ideas[0])] + [(f"offline-{n}", idea) for n, idea in enumerate(ideas[1:])]
            stop, tallies = asyncio.Event(), [Counter() for _ in others]
            voting = [asyncio.create_task(_vote_until(p, ideas[i % 3], stop, tallies[i])) for i, p in enumerate(others)]
            await asyncio.sleep(offline)  # the time the phone is away
            stop.set()
            await asyncio.gather(*voting)
            head = max(c.seq for c in (board, facilitator, *others))  # the room's last event

            # Back: the first frame is the current view; then the unanswered and the kept taps.
            link.up()
            back = time.monotonic()
            again = await Client(link.base, code, cookies=dict(phone.cookies)).connect()
            await again.wait_for(lambda c: bool(c.frames))
            caught_up = time.monotonic() - back
            assert again.frames[0].seq == head
            assert "Du har 2 prikker igjen." in again.view  # the vote whose answer was lost counts
            for nonce, idea in queued:
                await again.send("dot", nonce=nonce, idea=idea)
            await again.wait_for(lambda c: all(c.answer(n) for n, _ in queued))
            assert [again.answer(n).result for n, _ in queued] == [("ok", None)] * 3
            settled = time.monotonic() - back
            assert again.view_seq == again.seq  # its view is the newest it was sent
            assert "Du har 0 prikker igjen." in again.view
            for client in (again, board, facilitator, *others):
                await client.close()
    finally:
        await link.close()
        server.stop()

    dots = dots_of([e for _, e in await room_log(server.env, code)])
    assert dots[ballot(phone.cookies, code)] == Counter({(idea, 1): 1 for idea in ideas})
    for other, tally in zip(others, tallies):
        assert dots.get(ballot(other.cookies, code), Counter()) == tally  # acknowledged = applied
    print(f"\noffline {offline} s: current view {caught_up * 1000:.0f} ms after reconnecting, "
          f"its 3 votes answered after {settled * 1000:.0f} ms; "
          f"{sum(sum(t.values()) for t in tallies)} votes by others meanwhile")
