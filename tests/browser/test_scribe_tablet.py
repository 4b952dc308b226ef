"""Real Chromium on a tablet: the facilitator makes a table host link; the host's tablet opens it,
adds a person without a phone, writes their idea, asks for help for them and opens the paper
sheet. Every page passes axe."""

import pytest
from playwright.async_api import expect

from tests.browser.conftest import DESK, check_page, new_context, watch_console
from tests.support.phone import http_client, open_role

pytestmark = [pytest.mark.anyio, pytest.mark.browser]

TABLET = {"viewport": {"width": 800, "height": 1280}, "has_touch": True}


async def test_a_table_host_enters_for_someone_without_a_phone(server, browser, artifacts):
    links = server.demo(members=0)
    errors: list[str] = []
    problems: list[str] = []
    desk = await new_context(browser, **DESK)
    console = watch_console(await desk.new_page(), errors)
    await console.goto(links["facilitator"])
    await console.get_by_text("Lag bordvertlenke", exact=True).click()
    await console.get_by_label("Bord (0: alle bord)").fill("2")
    await console.get_by_role("button", name="Lag lenke").click()
    await expect(console.get_by_role("heading", name="Bordvertlenke for bord 2")).to_be_visible()
    problems += await check_page(console, "host-link", artifacts)
    host_link = await console.locator("#host-link").input_value()

    tablet_context = await new_context(browser, **TABLET)
    tablet = watch_console(await tablet_context.new_page(), errors)
    await tablet.goto(host_link)
    await expect(tablet.get_by_role("heading", name="Deltakere uten telefon")).to_be_visible()
    await expect(tablet.get_by_text("Du er bordvert for bord 2.")).to_be_visible()
    problems += await check_page(tablet, "scribe-people", artifacts)
    await tablet.get_by_label("Navn eller kallenavn (valgfritt)").fill("Kari")
    await tablet.get_by_role("button", name="Legg til person").click()
    await expect(tablet.get_by_role("heading", name="Registrerer for Kari")).to_be_visible()
    await expect(tablet.locator(".scribe-banner")).to_contain_text("bord 2")

    async with http_client() as http:
        facilitator = await (await open_role(http, links["facilitator"], "facilitator")).connect()
        await facilitator.command("start_round", round=0)
        await expect(tablet.locator(".instruction")).to_contain_text("Skriv ideen din i feltet")
        problems += await check_page(tablet, "scribe-entering", artifacts)
        await tablet.get_by_label("Ideen din").fill("Benker ved bussholdeplassen")
        await tablet.get_by_role("button", name="Send ideen").click()
        await expect(tablet.locator(".idea-list.mine")).to_contain_text("Benker ved bussholdeplassen")

        await tablet.get_by_role("button", name="Jeg trenger hjelp").click()
        await expect(tablet.get_by_role("button", name="Jeg trenger ikke hjelp lenger")).to_be_visible()
        await facilitator.wait_for(lambda c: "1 person ber om hjelp" in c.view and "Bord 2: Kari" in c.view)
        await facilitator.close()

    await tablet.get_by_role("link", name="Alle uten telefon").click()
    await tablet.get_by_role("link", name="Ideer: Et bedre nærmiljø").click()
    await expect(tablet.locator(".sheet-instruction")).to_contain_text("Skriv ideen din i feltet")
    problems += await check_page(tablet, "round-sheet", artifacts, full_page=True)
    await tablet_context.close()
    await desk.close()
    assert problems == []
    assert errors == []
