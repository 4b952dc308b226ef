"""Real Chromium: a phone answers statements one at a time with the big buttons, changes an
answer, and adds a statement of its own."""

import re

import pytest
from playwright.async_api import expect

from server.meetings.service import demo_plan
from tests.support.phone import http_client, open_role

pytestmark = [pytest.mark.anyio, pytest.mark.browser]

ROUND = next(i for i, cfg in enumerate(demo_plan()) if cfg.type == "statements")


async def test_a_phone_taps_through_the_statements_and_adds_one(server, browser, artifacts):
    links = server.demo(members=0)
    total = len(demo_plan()[ROUND].statements)
    console_errors: list[str] = []
    context = await browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="nb-NO"
    )
    phone = await context.new_page()
    phone.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    await phone.goto(f"{server.base}/j/{links['code']}")
    await phone.get_by_role("button", name="Bli med på møtet").click()
    await expect(phone.locator(".whoami")).to_be_visible()

    async with http_client() as http:
        facilitator = await (await open_role(http, links["facilitator"], "facilitator")).connect()
        await facilitator.command("start_round", round=ROUND)

        progress = phone.locator(".statement-progress")
        await expect(progress).to_have_text(f"Du har svart på 0 av {total} påstander.")
        first = await phone.locator("#statement-now").text_content()
        await phone.get_by_role("button", name="Enig", exact=True).click()
        await expect(phone.locator("#notice .received")).to_have_text("Svaret ditt er lagret.")
        await expect(progress).to_have_text(f"Du har svart på 1 av {total} påstander.")
        assert await phone.locator("#statement-now").text_content() != first
        for n in range(2, total + 1):
            await phone.get_by_role("button", name="Vet ikke").first.click()
            if n < total:
                await expect(progress).to_have_text(f"Du har svart på {n} av {total} påstander.")
        await expect(phone.locator(".ds-alert")).to_contain_text(f"alle de {total} påstandene")

        # Change the first answer from the list of answers.
        await phone.get_by_text(f"Se eller endre svarene dine ({total})").click()
        item = phone.locator(".answered-list li").filter(has_text=first)
        await expect(item.locator(".my-answer strong")).to_have_text("Enig")
        await item.get_by_role("button", name="Uenig").click()
        await phone.get_by_text(f"Se eller endre svarene dine ({total})").click()
        await expect(item.locator(".my-answer strong")).to_have_text("Uenig")

        await phone.get_by_label("Påstanden din").fill("Flere benker langs Lysakerelva")
        await phone.get_by_role("button", name="Send påstanden").click()
        await expect(phone.locator("#notice .received")).to_have_text("Vi har fått påstanden din.")
        await expect(phone.locator(".idea-list.mine")).to_contain_text("Venter på at møtelederen")
        await facilitator.wait_for(lambda c: "Flere benker langs Lysakerelva" in c.view)
        item_id = re.search(r'value="approve">.*?name="item" value="([^"]+)"', facilitator.view, re.S).group(1)
        await facilitator.command("approve", item=item_id, round=ROUND)
        await expect(phone.locator("#statement-now")).to_have_text("Flere benker langs Lysakerelva")
        await facilitator.close()
    assert console_errors == []
    # Last: a full-page screenshot leaves empty style attributes that htmx would copy on a swap.
    await phone.screenshot(path=artifacts / "statements-phone.png", full_page=True)
    await context.close()
