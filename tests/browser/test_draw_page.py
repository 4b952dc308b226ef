"""Real Chromium: staff run a fair draw from the page, in Bokmål and English — quotas, the
progress line while the lottery is computed, the seed, the list. Every state passes axe."""

import pytest
from playwright.async_api import expect

from tests.browser.conftest import DESK, check_page, create_meeting, new_context, staff_login, watch_console
from tests.integration.test_draw_pages import panel_csv
from tests.support.phone import http_client
from tests.support.phone import staff_login as http_staff_login
from tests.support.staff import Staff

pytestmark = [pytest.mark.anyio, pytest.mark.browser]

WORDS = {
    "nb": {"show": "Vis kvotene", "compute": "3. Beregn loddtrekningen", "seed": "Tall for trekningen",
           "draw": "Trekk listen", "drawn": "12 medlemmer trukket ut"},
    "en": {"show": "Show the quotas", "compute": "3. Compute the lottery", "seed": "Seed",
           "draw": "Draw the list", "drawn": "12 members drawn"},
}


@pytest.fixture(scope="module")
async def panel(server):
    """120 members, once for the module's server."""
    links = create_meeting(server, "nb")
    async with http_client() as http:
        staff = Staff(http, server.base, await http_staff_login(http, links))
        assert "120 medlemmer importert" in (await staff.upload(panel_csv(120))).text


@pytest.mark.parametrize("language", ["nb", "en"])
async def test_staff_draw_from_the_page(server, panel, browser, artifacts, language):
    links = create_meeting(server, language)
    words = WORDS[language]
    errors: list[str] = []
    problems: list[str] = []
    context = await new_context(browser, language, **DESK)
    page = watch_console(await context.new_page(), errors)
    await staff_login(page, links)
    await page.goto(f"{server.base}/staff/meetings/{links['code']}/draw")
    problems += await check_page(page, f"{language}-draw-setup", artifacts, full_page=True)
    await page.locator("#invite").fill("12")
    await page.get_by_role("button", name=words["show"]).click()
    await expect(page.locator("input[name='min:gender:female']")).to_be_visible()
    problems += await check_page(page, f"{language}-draw-quotas", artifacts, full_page=True)
    await page.get_by_role("button", name=words["compute"]).click()
    await expect(page.get_by_role("textbox", name=words["seed"], exact=True)).to_be_visible(timeout=120_000)
    problems += await check_page(page, f"{language}-draw-ready", artifacts, full_page=True)
    await page.get_by_role("textbox", name=words["seed"], exact=True).fill("042")
    await page.get_by_role("button", name=words["draw"]).click()
    await expect(page.get_by_role("heading", name=words["drawn"])).to_be_visible()
    problems += await check_page(page, f"{language}-draw-result", artifacts, full_page=True)
    await context.close()
    assert problems == []
    assert errors == []
