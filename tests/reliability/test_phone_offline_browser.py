"""Real Chromium on the real phone page (web/static/app.js): the Wi-Fi goes in the middle of a
dot vote. A tap while offline is kept, the page says it is reconnecting and that the tap will go
through, "your vote is counted" appears only once the server has answered; a tap kept while the
person presses back, or locks the phone until the browser drops the tab, is sent by the page
when it is shown again. Every tap counts exactly once."""

import asyncio
import time

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import PHONE, anyio_backend, browser, new_context, watch_console  # noqa: F401 - fixtures
from tests.conftest import ServerProcess
from tests.support.eventlog import ballot, dots_of, room_log
from tests.support.link import Link
from tests.support.phone import http_client, join_with_code, open_role

pytestmark = [pytest.mark.anyio, pytest.mark.browser]

LOST = "Mistet tilkoblingen. Kobler til igjen …"
KEPT = "Mistet tilkoblingen. Kobler til igjen … Det du sendte, er tatt vare på og kommer fram når tilkoblingen er tilbake."
COUNTED = "Stemmen din er registrert."


def dots_left(n: int) -> str:
    return f"Du har {n} prikk igjen." if n == 1 else f"Du har {n} prikker igjen."


async def offline(page: Page, link: Link) -> None:
    await page.context.set_offline(True)
    link.down()  # Chromium's offline mode leaves open sockets alone; a phone's OS does not
    await expect(page.locator("#connection")).to_have_attribute("data-state", "lost")
    await expect(page.locator("#connection")).to_have_text(LOST)


async def online(page: Page, link: Link) -> None:
    link.up()
    await page.context.set_offline(False)


@pytest.mark.parametrize("away", [0, pytest.param(30, marks=pytest.mark.slow)], ids=lambda s: f"{s}s")
async def test_taps_while_offline_are_kept_sent_on_reconnect_and_counted_once(tmp_path, browser, away):  # noqa: F811
    server = ServerProcess(tmp_path / "offline-browser.sqlite3").start()
    link = await Link(server.port).start()
    errors: list[str] = []
    try:
        links = server.demo(members=0)
        code = links["code"]
        context = await new_context(browser, "nb", axe=False, **PHONE)
        page = watch_console(await context.new_page(), errors)
        await page.goto(f"{link.base}/j/{code}")
        await page.locator("form[action^='/j/'] button[type=submit]").click()
        await expect(page.locator("#connection")).to_have_attribute("data-state", "open")
        room_url = page.url
        async with http_client() as http:
            facilitator = await (await open_role(http, links["facilitator"], "facilitator")).connect()
            other = await (await join_with_code(http, server.base, code)).connect()
            await facilitator.command("start_round", round=0)
            await other.wait_for(lambda c: 'value="post_idea"' in c.view)
            for i in range(3):
                await other.command("post_idea", text=f"Idé {i}")
            await facilitator.command("start_round", round=1)
            give = page.get_by_role("button", name="Gi en prikk")
            await expect(give).to_have_count(3)
            await expect(page.locator("#view")).to_contain_text(dots_left(3))

            # 1. Offline, a tap: kept, the page says so, and nothing claims it was counted.
            await offline(page, link)
            await give.nth(0).click()
            await expect(page.locator("#connection")).to_have_text(KEPT)
            await expect(give.nth(0)).to_have_attribute("aria-busy", "true")
            for n in range(3):  # the meeting goes on without this phone
                await other.command("dot", idea=f"r0i{n}")
            await asyncio.sleep(away)  # the time the phone stays away
            await expect(page.locator("#notice .received")).to_have_count(0)
            await expect(page.locator("#view")).to_contain_text(dots_left(3))

            # Back online: htmx reconnects by itself and sends the kept tap; now it is counted.
            await online(page, link)
            back = time.monotonic()
            await expect(page.locator("#notice .received")).to_have_text(COUNTED, timeout=30_000)
            counted_after = time.monotonic() - back
            await expect(page.locator("#connection")).to_have_attribute("data-state", "open")
            await expect(page.locator("#connection")).to_be_hidden()
            await expect(page.locator("#view")).to_contain_text(dots_left(2))
            seq = max(other.seq, facilitator.seq)
            assert int(await page.locator("#view").get_attribute("data-seq")) >= seq  # caught up

            # 2. Offline again, a tap, and the back button; forward again once the network is back.
            await offline(page, link)
            await give.nth(1).click()
            await expect(page.locator("#connection")).to_have_text(KEPT)
            try:
                await page.go_back()  # the join page, from the cache or not at all while offline
            except Exception as problem:
                assert "ERR_INTERNET_DISCONNECTED" in str(problem)
            await online(page, link)
            await page.go_forward()
            assert page.url == room_url
            await expect(page.locator("#notice .received")).to_have_text(COUNTED)
            await expect(page.locator("#view")).to_contain_text(dots_left(1))

            # 3. A tap, and the phone is locked until its browser drops the tab: it is loaded
            # again (here: reloaded while still offline, which fails, then opened again).
            await offline(page, link)
            await give.nth(2).click()
            await expect(page.locator("#connection")).to_have_text(KEPT)
            with pytest.raises(Exception, match="ERR_INTERNET_DISCONNECTED"):
                await page.reload()
            await online(page, link)
            await page.goto(room_url)
            await expect(page.locator("#notice .received")).to_have_text(COUNTED)
            await expect(page.locator("#view")).to_contain_text(dots_left(0))

            # 4. Loaded once more with nothing kept: nothing is sent again.
            await page.reload()
            await expect(page.locator("#connection")).to_have_attribute("data-state", "open")
            await expect(page.locator("#notice .received")).to_have_count(0)
            await expect(page.locator("#view")).to_contain_text(dots_left(0))
            cookies = {c["name"]: c["value"] for c in await context.cookies()}
            for client in (facilitator, other):
                await client.close()
        await context.close()
    finally:
        await link.close()
        server.stop()

    dots = dots_of([e for _, e in await room_log(server.env, code)])
    mine = dots[ballot(cookies, code)]  # the three taps, on three ideas, each once
    assert sorted(mine.values()) == [1, 1, 1] and {delta for _, delta in mine} == {1} and len({i for i, _ in mine}) == 3, mine
    assert not [e for e in errors if "ERR_INTERNET_DISCONNECTED" not in e and "WebSocket" not in e and "ws:error" not in e]
    print(f"\naway {away} s: the kept tap was counted {counted_after:.1f} s after the network came back")
