"""The live room's write path on a real SQLite store: batches, repeats, refusals and conflicts."""

import asyncio

import pytest

from rooms import Actor, Rejection, Role, replay
from rooms.actors import FACILITATOR, SYSTEM
from rooms.codec import decode_event, encode_event
from rooms.commands import Join, StartRound
from rooms.events import ParticipantJoined
from rooms.rounds.ideas import PostIdea
from server.app import template_environment
from server.meetings.service import create_meeting, demo_plan
from server.meetings.views import RoomViews
from server.realtime.live_room import Accepted, LiveRoom
from server.store.sqlite import SQLiteStore

pytestmark = pytest.mark.anyio

KARI = Actor(Role.PARTICIPANT, pid="kari", ballot="ballot-kari")


@pytest.fixture
async def setup(tmp_path):
    store = await SQLiteStore(tmp_path / "live.sqlite3").open()
    created = await create_meeting(store, "test-secret", "Test", demo_plan())
    published: list[tuple[int, int]] = []
    room = LiveRoom(
        created.code, store, RoomViews(template_environment()),
        publish=lambda code, first, events: published.append((first, len(events))),
        after_append=lambda state, events: asyncio.sleep(0),
        scribed_ballot=lambda room, pid: f"scribed-{pid}",
    )
    assert await room.load()
    room.start()
    yield store, room, published
    await room.stop()
    await store.close()


async def durable_state(store, room):
    return replay(decode_event(data) for _, data in await store.read(room.code))


async def test_a_batch_is_decided_in_order_and_stored_in_one_append(setup):
    store, room, published = setup
    futures = [
        room.submit(Join(pid="kari"), SYSTEM, None, None),
        room.submit(PostIdea(text="for tidlig"), KARI, "n1", None),
        room.submit(StartRound(round=0), FACILITATOR, "n2", None),
        room.submit(PostIdea(text="Flere benker"), KARI, "n3", None),
        room.submit(PostIdea(text="Flere benker"), KARI, "n3", None),  # the same nonce again
    ]
    results = await asyncio.gather(*futures)
    assert isinstance(results[1], Rejection) and results[1].code == "round_not_open"
    assert [type(r) for r in results] == [Accepted, Rejection, Accepted, Accepted, Accepted]
    assert results[4] == Accepted(results[3].seq, duplicate=True)
    assert published == [(2, 3)]  # one append, one announcement: join, start, idea
    assert await durable_state(store, room) == room.state
    assert await store.read_nonces(room.code) == {"n2": 3, "n3": 4}


async def test_a_store_that_refuses_loses_nothing_and_the_retry_applies_once(setup):
    store, room, _ = setup
    await room.submit(Join(pid="kari"), SYSTEM, None, None)
    await room.submit(StartRound(round=0), FACILITATOR, None, None)
    seq = room.state.seq
    await store._run(lambda: store.db.execute("PRAGMA query_only = ON"))
    refused = await room.submit(PostIdea(text="Lagres ikke"), KARI, "retry", None)
    assert isinstance(refused, Rejection) and refused.code == "store_unavailable"
    assert room.state.seq == seq
    assert room.state == await durable_state(store, room)
    await store._run(lambda: store.db.execute("PRAGMA query_only = OFF"))
    first = await room.submit(PostIdea(text="Lagres ikke"), KARI, "retry", None)
    again = await room.submit(PostIdea(text="Lagres ikke"), KARI, "retry", None)
    assert first == Accepted(seq + 1) and again == Accepted(seq + 1, duplicate=True)
    assert len(room.state.rounds[0].data.items) == 1


async def test_events_appended_by_another_process_are_read_before_deciding(setup):
    store, room, _ = setup
    await room.submit(Join(pid="kari"), SYSTEM, None, None)
    await room.submit(StartRound(round=0), FACILITATOR, None, None)
    # Another process admits someone behind this room's back: the next append conflicts.
    other = room.state.seq
    await store.append(room.code, other, [encode_event(ParticipantJoined(pid="ola", name="Ola"))])
    result = await room.submit(PostIdea(text="Etter konflikten"), KARI, "c1", None)
    assert result == Accepted(other + 2)
    assert "ola" in room.state.participants
    assert room.state == await durable_state(store, room)
