"""The store fails under a live meeting — the disk is full, or another program holds the database
— and the command is refused with a clear message, nothing half-written, the server stays up and
goes on once the fault is gone."""

import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from rooms.codec import decode_event
from tests.conftest import ServerProcess
from tests.support.phone import http_client, join_with_code, open_role

pytestmark = pytest.mark.anyio


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    """A 4 MiB filesystem of its own (tmpfs), so filling it touches nothing else."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True).returncode:
        pytest.skip("cannot mount a small filesystem here (needs root)")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder: Path) -> Path:
    filler = folder / "filler"
    with filler.open("wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
                os.fsync(f.fileno())
        except OSError:
            pass  # the disk is full
    return filler


def _texts(database: Path, code: str) -> list[str]:
    db = sqlite3.connect(database)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    texts = [getattr(decode_event(d), "text", "") for (d,) in db.execute("SELECT data FROM events WHERE room = ?", (code,))]
    db.close()
    return texts


async def test_a_full_disk_refuses_clearly_and_the_meeting_goes_on_when_there_is_room(small_disk, tmp_path):
    server = ServerProcess(small_disk / "panel.sqlite3", log_dir=tmp_path).start()
    try:
        links = server.demo(members=0)
        async with http_client() as http:
            facilitator = await (await open_role(http, links["facilitator"], "facilitator")).connect()
            phone = await (await join_with_code(http, server.base, links["code"])).connect()
            await facilitator.command("start_round", round=0)
            await phone.wait_for(lambda c: 'value="post_idea"' in c.view)
            assert (await phone.command("post_idea", text="Før disken ble full")).result == ("ok", None)

            filler = _fill(small_disk)
            refused = await phone.command("post_idea", nonce="when-full", text="Mens disken er full " + "x" * 200)
            assert refused.result == ("rejected", "store_unavailable")
            assert "Prøv igjen" in refused.text or "prøv igjen" in refused.text
            assert (await http.get(f"{server.base}/healthz")).status_code == 200  # still up

            filler.unlink()
            accepted = await phone.command("post_idea", nonce="when-full", text="Mens disken er full " + "x" * 200)
            assert accepted.result == ("ok", None), (accepted.text[:300], server.log_path.read_text()[-3000:])
            for client in (phone, facilitator):
                await client.close()
    finally:
        server.stop()
    texts = _texts(server.database, links["code"])
    assert texts.count("Før disken ble full") == 1
    assert sum(t.startswith("Mens disken er full") for t in texts) == 1


async def test_a_locked_database_refuses_clearly_and_recovers(tmp_path):
    server = ServerProcess(tmp_path / "locked.sqlite3").start()
    try:
        links = server.demo(members=0)
        async with http_client() as http:
            facilitator = await (await open_role(http, links["facilitator"], "facilitator")).connect()
            phone = await (await join_with_code(http, server.base, links["code"])).connect()
            await facilitator.command("start_round", round=0)
            await phone.wait_for(lambda c: 'value="post_idea"' in c.view)

            # Another program (a backup gone wrong) holds the database for longer than the
            # server waits (5 s).
            other = sqlite3.connect(server.database, isolation_level=None, timeout=1)
            other.execute("BEGIN EXCLUSIVE")
            refused = await phone.command("post_idea", nonce="locked", text="Mens basen er låst", timeout=30)
            assert refused.result == ("rejected", "store_unavailable")
            other.execute("ROLLBACK")
            other.close()
            accepted = await phone.command("post_idea", nonce="locked", text="Mens basen er låst")
            assert accepted.result == ("ok", None)
            for client in (phone, facilitator):
                await client.close()
    finally:
        server.stop()
    assert _texts(server.database, links["code"]).count("Mens basen er låst") == 1
