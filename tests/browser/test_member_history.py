"""Real Chromium on a phone: a member opens their personal link and sees what became of their idea."""

import pytest
from playwright.async_api import expect

from tests.integration.test_panel import admin
from tests.support.phone import http_client, join_with_invitation, open_role

pytestmark = [pytest.mark.anyio, pytest.mark.browser]


async def test_a_member_sees_their_history_and_the_follow_up_on_a_phone(server, browser, artifacts):
    links = server.demo(members=1)
    async with http_client() as http:
        staff = await admin(http, server, links)
        facilitator = await (await open_role(http, links["facilitator"], "facilitator")).connect()
        phone = await (await join_with_invitation(http, links["participants"][0])).connect()
        await facilitator.command("start_round", round=0)
        await phone.wait_for(lambda c: 'value="post_idea"' in c.view)
        await phone.command("post_idea", text="Benker ved Sandvikselva")
        await facilitator.command("end_meeting")
        for client in (phone, facilitator):
            await client.close()
        await staff.post(f"/staff/meetings/{links['code']}/follow-up", {"item": "r0i1", "status": "partly", "explanation": "Tre benker kommer i vår."})

    context = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="nb-NO")
    page = await context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    await page.goto(links["participants"][0])
    await page.get_by_role("link", name="Se møtene dine og hva som skjedde med ideene dine").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Møtene dine")
    entry = page.locator(".history-entry").first
    await expect(entry.get_by_role("heading", level=2)).to_have_text("Innbyggerpanel: demomøte")
    await expect(entry).to_contain_text("Du var med")
    await expect(entry).to_contain_text("Benker ved Sandvikselva")
    await expect(entry.locator(".follow-up")).to_contain_text("Delvis vedtatt")
    await expect(entry.locator(".follow-up")).to_contain_text("Tre benker kommer i vår.")
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    await page.screenshot(path=artifacts / "member-history-phone.png", full_page=True)
    assert errors == []
    await context.close()
