"""Real Chromium: a phone joins with the code and posts an idea while the board counts it."""


import pytest
from playwright.async_api import expect

from tests.support.phone import http_client, open_role

pytestmark = [pytest.mark.anyio, pytest.mark.browser]


async def test_a_phone_joins_with_the_code_posts_an_idea_and_the_board_counts(server, browser, artifacts):
    links = server.demo(members=0)
    console_errors: list[str] = []

    board_ctx = await browser.new_context(viewport={"width": 1280, "height": 720}, locale="nb-NO")
    board = await board_ctx.new_page()
    board.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    await board.goto(links["board"])
    await expect(board.locator(".join-code [aria-hidden=true]")).to_have_text(links["code"])
    await expect(board.locator("svg.qr")).to_be_visible()
    joined = board.locator("#view .joined .number")
    await expect(joined).to_have_text("0")

    phone_ctx = await browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="nb-NO"
    )
    phone = await phone_ctx.new_page()
    phone.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    await phone.goto(server.base + "/")
    await phone.get_by_label("Møtekode").fill(links["code"].lower())
    await phone.get_by_role("button", name="Gå videre").click()
    await phone.get_by_label("Navnet ditt (valgfritt)").fill("Kari")
    await phone.get_by_role("button", name="Bli med på møtet").click()
    await expect(phone.locator(".whoami")).to_contain_text("Kari")
    await expect(joined).to_have_text("1")

    async with http_client() as http:
        facilitator = await (await open_role(http, links["facilitator"], "facilitator")).connect()
        await facilitator.command("start_round", round=0)
        await facilitator.close()

    idea = phone.get_by_label("Ideen din")
    await idea.fill("Flere benker langs Lysakerelva")
    await phone.get_by_role("button", name="Send ideen").click()
    await expect(phone.locator("#notice .received")).to_be_visible()
    await expect(phone.locator(".idea-list.mine")).to_contain_text("Flere benker langs Lysakerelva")
    await expect(board.locator("#view .progress-line .number")).to_have_text("1")
    seq = int(await phone.locator("#view").get_attribute("data-seq"))
    assert seq >= 4

    await phone.screenshot(path=artifacts / "phone-idea-received.png", full_page=True)
    await board.screenshot(path=artifacts / "board-progress.png")
    assert console_errors == []
    await phone_ctx.close()
    await board_ctx.close()
