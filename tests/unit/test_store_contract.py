"""The storage contract. Every store implementation must pass these unchanged."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from server.store import AppendConflict, StoreUnavailable
from server.store.records import HistoryEntry, Meeting, Member
from server.store.redis import RedisStore
from server.store.sqlite import SQLiteStore

pytestmark = pytest.mark.anyio


REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture(params=["sqlite", "redis"])
async def store(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator:
    if request.param == "sqlite":
        s = await SQLiteStore(tmp_path / "contract.sqlite3").open()
        yield s
        await s.close()
        return
    # The real Redis, with a key prefix of this test's own, wiped afterwards.
    s = await RedisStore(REDIS_URL, prefix=f"test:{uuid.uuid4().hex}:").open()
    yield s
    if s._redis is None:
        s = await RedisStore(REDIS_URL, prefix=s.prefix).open()
    await s.wipe()
    await s.close()


async def test_appends_get_consecutive_sequence_numbers(store):
    assert await store.head("R1") == 0
    assert await store.append("R1", 0, [b'{"a":1}', b'{"a":2}']) == 2
    assert await store.head("R1") == 2
    assert await store.append("R1", 2, [b'{"a":3}']) == 3
    assert await store.read("R1") == [(1, b'{"a":1}'), (2, b'{"a":2}'), (3, b'{"a":3}')]
    assert await store.read("R1", 2) == [(3, b'{"a":3}')]
    assert await store.read("other") == []


async def test_an_append_that_expects_an_old_sequence_conflicts_and_writes_nothing(store):
    await store.append("R1", 0, [b"1"])
    with pytest.raises(AppendConflict):
        await store.append("R1", 0, [b"x"])
    with pytest.raises(AppendConflict):
        await store.append("R1", 5, [b"x"])
    assert await store.read("R1") == [(1, b"1")]


async def test_concurrent_appends_to_one_room_never_lose_or_reorder(store):
    async def writer(n: int) -> int:
        written = 0
        while written < 20:
            seq = len(await store.read("R"))
            try:
                await store.append("R", seq, [f"{n}-{written}".encode()])
                written += 1
            except AppendConflict:
                continue
        return written

    assert sum(await asyncio.gather(*(writer(n) for n in range(5)))) == 100
    rows = await store.read("R")
    assert [seq for seq, _ in rows] == list(range(1, 101))
    assert len({data for _, data in rows}) == 100


async def test_nonces_are_recorded_once(store):
    await store.append("R", 0, [b"a", b"b"], {"n1": 2})
    assert await store.read_nonces("R") == {"n1": 2}
    with pytest.raises(AppendConflict):
        await store.append("R", 2, [b"c"], {"n1": 3})
    assert len(await store.read("R")) == 2
    await store.append("R", 2, [b"c"], {"n2": 3})
    assert await store.read_nonces("R", 2) == {"n2": 3}
    assert await store.read_nonces("R2") == {}


async def test_records_put_get_add_and_list_by_prefix(store):
    now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    meeting = Meeting(code="ABC", title="T", created_at=now, facilitator_key="f", board_key="b")
    await store.put(meeting)
    assert await store.get(Meeting, "ABC") == meeting
    assert await store.get(Meeting, "nope") is None
    assert await store.add(Member(id="m1", name="Kari")) is True
    assert await store.add(Member(id="m1", name="Other")) is False
    assert (await store.get(Member, "m1")).name == "Kari"
    for member, meeting_code in (("m1", "A"), ("m1", "B"), ("m10", "A"), ("m2", "A")):
        await store.put(HistoryEntry(member=member, meeting=meeting_code, title="t", date=now, attended=True))
    listed = await store.list(HistoryEntry, prefix="m1/")
    assert [(e.member, e.meeting) for e in listed] == [("m1", "A"), ("m1", "B")]
    assert len(await store.list(HistoryEntry)) == 4
    assert await store.list(Meeting, prefix="%") == []


async def test_deleted_records_are_gone_from_the_files_too(store, tmp_path):
    await store.put(Member(id="m1", name="Erase Me Please", email="erase@example.no"))
    await store.put(Member(id="m2", name="Keep"))
    assert await store.delete(Member, "m1") is True
    assert await store.delete(Member, "m1") is False
    await store.forget()
    assert await store.get(Member, "m1") is None
    assert [m.id for m in await store.list(Member)] == ["m2"]
    for path in tmp_path.iterdir():  # the SQLite file and its journal; Redis keeps no file here
        assert b"Erase Me Please" not in path.read_bytes(), path.name


async def test_a_closed_store_refuses_with_store_unavailable(store):
    await store.close()
    with pytest.raises(StoreUnavailable):
        await store.append("R", 0, [b"x"])
