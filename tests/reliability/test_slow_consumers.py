"""Fifty phones open their socket and never read it again while ten others vote with live results
on (every vote changes every phone's view). The phones that read get every view, up to the last
data-seq; what waits for a phone that does not read stays within what the design allows (the
frame being sent and the newest view in its mailbox; the socket's write buffer up to asyncio's
64 KiB high-water mark and one frame); and the server drops such a socket once it has taken
nothing for WS_SEND_TIMEOUT, which frees all of it. A phone that sends but never reads gets its
commands held too, so answers cannot pile up for it."""

import asyncio
import json
import re
from pathlib import Path

import pytest

from server.realtime.connection import MAX_WAITING
from tests.conftest import ServerProcess
from tests.support.phone import (
    Client, http_client, join_with_code, masked_text_frame, open_role, open_unread, read_metrics,
)

pytestmark = pytest.mark.anyio

STUCK = 50
VOTERS = 10
SEND_TIMEOUT = 3
HIGH_WATER = 64 * 1024  # asyncio's default write-buffer limit, at which uvicorn's send waits


def rss_kib(pid: int) -> int:
    return int(re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text()).group(1))


def view_seqs(client: Client) -> set[int]:
    """The data-seq of every view update (flush) this screen received."""
    return {f.seq for f in client.frames if f.text.startswith('<div id="view"')}


async def _vote_until(phone: Client, idea: str, stop: asyncio.Event) -> None:
    delta = 1
    while not stop.is_set():
        assert (await phone.command("dot", idea=idea, delta=delta)).result == ("ok", None)
        delta = -delta
        await asyncio.sleep(0.25)  # a person's pace, under the per-socket rate limit


async def test_phones_that_never_read_cost_bounded_memory_delay_nobody_and_are_let_go(tmp_path):
    server = ServerProcess(tmp_path / "slow.sqlite3", extra_env={"WS_SEND_TIMEOUT": str(SEND_TIMEOUT)}).start()
    try:
        links = server.demo(members=0)
        code = links["code"]
        async with http_client(timeout=30) as http:
            facilitator = await (await open_role(http, links["facilitator"], "facilitator")).connect()
            board = await (await open_role(http, links["board"], "board")).connect()
            voters = [await join_with_code(http, server.base, code) for _ in range(VOTERS)]
            watcher = await join_with_code(http, server.base, code)  # reads, never votes
            readers = [*voters, watcher]
            await asyncio.gather(*(p.connect() for p in readers))
            await facilitator.command("start_round", round=0)
            await voters[0].wait_for(lambda c: 'value="post_idea"' in c.view)
            for i in range(5):
                await voters[i].command("post_idea", text=f"Idé {i}: " + "benker og lys langs turveien " * 8)
            await facilitator.command("start_round", round=1)
            await facilitator.command("live_results", round=1, live=True)
            await watcher.wait_for(lambda c: 'value="dot"' in c.view and "result" in c.view)
            ideas = sorted(set(re.findall(r'name="idea" value="(r0i\d)"', watcher.view)))

            stuck_phones = [await join_with_code(http, server.base, code) for _ in range(STUCK)]
            stuck = [open_unread(server.base, code, p.cookies) for p in stuck_phones]
            before = await read_metrics(http, server.base)
            assert before['ip_open_sockets{audience="participant"}'] == len(readers) + STUCK
            rss_before = rss_kib(server.proc.pid)

            # The burst: votes until the server has let every stuck socket go.
            stop = asyncio.Event()
            voting = [asyncio.create_task(_vote_until(p, ideas[i % len(ideas)], stop)) for i, p in enumerate(voters)]
            peak = {"mailbox": 0.0, "buffers": 0.0}
            while (now := await read_metrics(http, server.base))['ip_open_sockets{audience="participant"}'] > len(readers):
                peak["mailbox"] = max(peak["mailbox"], now["ip_socket_mailbox_chars"])
                peak["buffers"] = max(peak["buffers"], now["ip_socket_write_buffer_bytes"])
                assert not any(t.done() for t in voting), [t.exception() for t in voting if t.done()]
                await asyncio.sleep(0.2)  # sampling the gauges while the storm runs
            stop.set()
            await asyncio.gather(*voting)
            rss_burst = rss_kib(server.proc.pid)

            # Everyone who reads has the last state of the room.
            head = max(c.seq for c in (*readers, facilitator))
            await asyncio.gather(*(c.wait_for(lambda c: c.view_seq == head) for c in (*readers, board)))
            # ... and was sent every update the watcher was: nobody who reads lost a view.
            assert all(view_seqs(watcher) <= view_seqs(v) for v in voters)
            after = await read_metrics(http, server.base)

            # What waited for one socket: at most the view in flight and the newest one, and for a
            # voter its answers not yet sent (at most MAX_WAITING); its write buffer at most the
            # high-water mark and one frame.
            largest = max(len(f.text) for c in readers for f in c.frames)
            largest_answer = max((len(f.text) for c in voters for f in c.frames if f.ack), default=0)
            assert after["ip_socket_mailbox_chars_peak"] <= 2 * largest + MAX_WAITING * largest_answer
            assert after["ip_socket_write_buffer_bytes_peak"] <= HIGH_WATER + 4 * largest  # UTF-8: ≤ 4 bytes a character
            assert after["ip_sockets_stalled_total"] - before["ip_sockets_stalled_total"] == STUCK
            spared = after["ip_frames_coalesced_total"] - before["ip_frames_coalesced_total"]
            assert spared > 0  # the stuck phones were offered the newest view, not a queue
            # Let go: nothing waits for anyone any more, and the stuck phones were reset.
            assert after["ip_socket_mailbox_chars"] == 0
            assert after["ip_socket_write_buffer_bytes"] == 0
            for sock in stuck:
                with pytest.raises(ConnectionResetError):
                    while sock.recv(65536):  # whatever arrived before the reset, then the reset
                        pass
                sock.close()
            rss_after = rss_kib(server.proc.pid)
            for client in (*readers, board, facilitator):
                await client.close()
    finally:
        server.stop()
    print(f"\n{STUCK} stuck phones: {spared:.0f} frames spared them; one socket held at most "
          f"{after['ip_socket_mailbox_chars_peak']:.0f} characters in its mailbox (largest frame {largest}) "
          f"and {after['ip_socket_write_buffer_bytes_peak']:.0f} bytes in its write buffer; "
          f"all stuck sockets at once at most {peak['mailbox']:.0f} characters and {peak['buffers']:.0f} bytes; "
          f"server RSS {rss_before} KiB before, {rss_burst} KiB after the burst, {rss_after} KiB once they were let go")


async def test_a_phone_that_sends_but_never_reads_is_not_read_either(tmp_path):
    # No rate limit and no send timeout in the way: only the mailbox's own limit holds it.
    env = {"WS_RATE": "100000", "WS_BURST": "100000", "WS_SEND_TIMEOUT": "3600"}
    server = ServerProcess(tmp_path / "deaf.sqlite3", extra_env=env).start()
    try:
        links = server.demo(members=0)
        code = links["code"]
        async with http_client(timeout=30) as http:
            facilitator = await (await open_role(http, links["facilitator"], "facilitator")).connect()
            author = await (await join_with_code(http, server.base, code)).connect()
            await facilitator.command("start_round", round=0)
            await author.wait_for(lambda c: 'value="post_idea"' in c.view)
            await author.command("post_idea", text="Idé: " + "benker og lys langs turveien " * 8)
            await facilitator.command("start_round", round=1)
            await author.wait_for(lambda c: 'value="dot"' in c.view)
            idea = re.search(r'name="idea" value="(r0i\d)"', author.view).group(1)

            deaf = open_unread(server.base, code, (await join_with_code(http, server.base, code)).cookies)
            deaf.setblocking(False)
            before = await read_metrics(http, server.base)
            sent = 0
            try:  # give and take back a dot until the server stops taking them
                while sent < 5000:
                    deaf.send(masked_text_frame(json.dumps({"cmd": "dot", "idea": idea, "delta": 1 - 2 * (sent % 2), "nonce": f"n{sent}"})))
                    sent += 1
            except BlockingIOError:
                pass
            # Wait until the server has read all it is going to: the count stops moving.
            read, previous, mine = 0.0, -1.0, 0
            while read != previous:
                previous = read
                await author.command("dot", idea=idea, delta=1)  # a round trip through the room
                await author.command("dot", idea=idea, delta=-1)
                mine += 2
                read = (await read_metrics(http, server.base))["ip_commands_total"] - before["ip_commands_total"] - mine
            after = await read_metrics(http, server.base)
            largest = max(len(f.text) for f in author.frames)
            console = max(len(f.text) for f in facilitator.frames)
            assert read < sent  # the rest waits in the network, not in the server
            # The peak is over every socket: the deaf phone's answers and view, or (on a busy
            # machine) the console's view in flight and its newest one.
            assert after["ip_socket_mailbox_chars_peak"] <= max((MAX_WAITING + 1) * largest, 2 * console)
            deaf.close()
            for client in (author, facilitator):
                await client.close()
    finally:
        server.stop()
    print(f"\na phone that never reads sent {sent} commands; the server read {read:.0f} and then held the rest")
