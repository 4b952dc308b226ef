"""The projector's connection drops just as the facilitator reveals the results: the board never
got the revealed view. When it is back, the first thing it shows is the revealed results, at the
same data-seq and with the same tallies as every phone. Once with the protocol client, once with
the real board page in Chromium."""

import asyncio
import re

import pytest
from playwright.async_api import expect

from tests.browser.conftest import DESK, anyio_backend, browser, new_context, watch_console  # noqa: F401 - fixtures
from tests.conftest import ServerProcess
from tests.support.link import Link
from tests.support.phone import Client, http_client, join_with_code, open_role

pytestmark = pytest.mark.anyio

PHONES = 6
BARS = re.compile(r'<span class="result-text">([^<]*)</span>.*?<span class="result-votes">\D*(\d+)', re.S)


def tallies(view: str) -> list[tuple[str, int]]:
    return [(text, int(n)) for text, n in BARS.findall(view)]


async def _voted(http, server: ServerProcess, links: dict) -> tuple[Client, list[Client]]:
    """A dot round in which every phone has given two dots; returns the facilitator and phones."""
    code = links["code"]
    facilitator = await (await open_role(http, links["facilitator"], "facilitator")).connect()
    phones = [await join_with_code(http, server.base, code) for _ in range(PHONES)]
    await asyncio.gather(*(p.connect() for p in phones))
    await facilitator.command("start_round", round=0)
    await phones[0].wait_for(lambda c: 'value="post_idea"' in c.view)
    for i in range(3):
        await phones[i].command("post_idea", text=f"Idé {i}")
    await facilitator.command("start_round", round=1)
    await asyncio.gather(*(p.wait_for(lambda c: 'value="dot"' in c.view) for p in phones))
    ideas = sorted(set(re.findall(r'name="idea" value="(r0i\d)"', phones[0].view)))
    for i, phone in enumerate(phones):
        for idea in (ideas[i % 3], ideas[i % 2]):
            assert (await phone.command("dot", idea=idea)).result == ("ok", None)
    return facilitator, phones


async def test_the_board_back_after_a_drop_during_the_reveal_shows_the_results(tmp_path):
    server = ServerProcess(tmp_path / "board.sqlite3").start()
    link = await Link(server.port).start()
    try:
        links = server.demo(members=0)
        async with http_client() as http:
            role = await open_role(http, links["board"], "board")
            board = await Client(link.base, role.room, "board", role.cookies).connect()
            facilitator, phones = await _voted(http, server, links)
            await board.wait_for(lambda c: f'class="number">{PHONES}<' in c.view)

            link.mute()  # the revealed view never reaches the projector ...
            revealed = await facilitator.command("reveal", round=1)
            await asyncio.gather(*(p.wait_for(lambda c: c.view_seq >= revealed.seq) for p in phones))
            link.down()  # ... and then its connection is gone
            with pytest.raises(ConnectionError):
                await board.wait_for(lambda c: False)
            assert board.view_seq < revealed.seq and not tallies(board.view)

            link.up()
            again = await Client(link.base, role.room, "board", role.cookies).connect()
            await again.wait_for(lambda c: bool(c.frames))
            first = again.frames[0]
            assert first.seq == revealed.seq == phones[0].view_seq
            shown = tallies(first.text)
            assert sorted(n for _, n in shown) == sorted(n for _, n in tallies(phones[0].view))
            assert sum(n for _, n in shown) == 2 * PHONES and shown == tallies(phones[-1].view)
            for client in (again, facilitator, *phones):
                await client.close()
    finally:
        await link.close()
        server.stop()


@pytest.mark.browser
async def test_the_board_page_reconnects_by_itself_and_shows_the_revealed_results(tmp_path, browser):  # noqa: F811
    server = ServerProcess(tmp_path / "board-page.sqlite3").start()
    link = await Link(server.port).start()
    errors: list[str] = []
    try:
        links = server.demo(members=0)
        context = await new_context(browser, "nb", axe=False, **DESK)
        board = watch_console(await context.new_page(), errors)
        await board.goto(links["board"].replace(server.base, link.base))
        await expect(board.locator("#connection")).to_have_attribute("data-state", "open")
        async with http_client() as http:
            facilitator, phones = await _voted(http, server, links)
            await expect(board.locator("#view .progress-line .number")).to_have_text(str(PHONES))

            await context.set_offline(True)
            link.down()
            await expect(board.locator("#connection")).to_have_text("Mistet tilkoblingen. Kobler til igjen …")
            revealed = await facilitator.command("reveal", round=1)
            await asyncio.gather(*(p.wait_for(lambda c: c.view_seq >= revealed.seq) for p in phones))
            await expect(board.locator("#view .results")).to_have_count(0)

            link.up()
            await context.set_offline(False)
            await expect(board.locator("#view")).to_have_attribute("data-seq", str(revealed.seq), timeout=15_000)
            await expect(board.locator("#connection")).to_be_hidden()
            texts = await board.locator("#view .results .result-text").all_text_contents()
            votes = await board.locator("#view .results .result-votes").all_text_contents()
            shown = [(t, int(re.sub(r"\D", "", v))) for t, v in zip(texts, votes)]
            assert shown == tallies(phones[0].view) and sum(n for _, n in shown) == 2 * PHONES
            for client in (facilitator, *phones):
                await client.close()
        await context.close()
    finally:
        await link.close()
        server.stop()
    assert not [e for e in errors if "ERR_INTERNET_DISCONNECTED" not in e and "WebSocket" not in e and "ws:error" not in e]
