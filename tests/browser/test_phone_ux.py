"""Real Chromium, for the least confident participant and for keyboard users: keyboard only,
visible focus, touch targets, 320 px and 200 % zoom, reduced motion, right-to-left, the
connection state, a draft that survives a reload, one announcement per change, page weight."""

from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import (
    DESK, PHONE, check_page, focus_is_visible, new_context, overflows, screenshot, staff_login, tab_to,
    watch_console,
)
from tests.conftest import ServerProcess
from tests.support.phone import http_client, open_role

pytestmark = [pytest.mark.anyio, pytest.mark.browser]

FIXTURE_LOCALES = Path(__file__).resolve().parent / "fixtures" / "locale"


async def join(page: Page, links: dict, name: str = "") -> None:
    await page.goto(links["join"])
    if name:
        await page.locator("#name").fill(name)
    await page.locator("form[action^='/j/'] button[type=submit]").click()
    await expect(page.locator("#connection")).to_have_attribute("data-state", "open")


async def test_keyboard_only_a_facilitator_starts_rounds_and_a_phone_sends_an_idea_and_gives_dots(server, browser, artifacts):
    links = server.demo(members=0)
    errors: list[str] = []
    phone_ctx = await new_context(browser, "nb", **PHONE)
    desk_ctx = await new_context(browser, "nb", **DESK)
    phone = watch_console(await phone_ctx.new_page(), errors)
    console = watch_console(await desk_ctx.new_page(), errors)
    await join(phone, links)
    await console.goto(links["facilitator"])
    await expect(console.locator("#connection")).to_have_attribute("data-state", "open")

    start = console.get_by_role("button", name="Start neste runde: Ideer: Et bedre nærmiljø")
    await tab_to(console, start)
    assert await focus_is_visible(console)
    await console.keyboard.press("Enter")
    await expect(console.locator("#current-title")).to_contain_text("Ideer: Et bedre nærmiljø")

    idea = phone.get_by_label("Ideen din")
    await expect(idea).to_be_visible()
    await tab_to(phone, idea)
    assert await focus_is_visible(phone)
    await phone.keyboard.type("Benker ved Østernvann")
    send = phone.get_by_role("button", name="Send ideen")
    await tab_to(phone, send)
    assert await focus_is_visible(phone)
    await phone.keyboard.press("Enter")
    await expect(phone.locator("#notice .received")).to_have_text("Vi har fått ideen din.")
    await expect(phone.locator(".idea-list.mine")).to_contain_text("Benker ved Østernvann")

    next_round = console.get_by_role("button", name="Start neste runde: Prioriter")
    await tab_to(console, next_round)
    await console.keyboard.press(" ")
    await expect(console.locator("#current-title")).to_contain_text("Prioriter")

    give = phone.get_by_role("button", name="Gi en prikk").first
    await tab_to(phone, give)
    assert await focus_is_visible(phone)
    await phone.keyboard.press(" ")
    await expect(phone.locator(".vote-item.has-dots .my-dots")).to_contain_text("Du har gitt 1 prikk")
    # The new view keeps the focus on the same button: Space again gives a second dot.
    await expect(give).to_be_focused()
    await phone.keyboard.press(" ")
    await expect(phone.locator(".vote-item.has-dots .my-dots")).to_contain_text("Du har gitt 2 prikker")
    await screenshot(phone, artifacts / "keyboard-phone-dots.png")
    assert errors == []
    await phone_ctx.close()
    await desk_ctx.close()


async def targets_too_small(page: Page) -> list[str]:
    """Buttons, fields and links outside running text smaller than 44 × 44 CSS px."""
    return await page.evaluate(
        """() => [...document.querySelectorAll("button, input:not([type=hidden]), select, textarea, summary, a")]
            .filter(el => el.offsetParent !== null && !el.closest("p, li:not(.languages li)") || el.matches("button, input, select, textarea, summary, .languages a, .site-footer a"))
            .filter(el => el.offsetParent !== null && !el.classList.contains("ds-skip-link"))
            .map(el => [el, el.getBoundingClientRect()])
            .filter(([el, r]) => {
                const check = el.matches("input[type=checkbox], input[type=radio]") ? el.closest(".ds-field") : el;
                const c = check.getBoundingClientRect();
                return c.height < 44 || (c.width < 44 && !el.matches("input[type=checkbox], input[type=radio]"));
            })
            .map(([el, r]) => `${el.tagName} "${el.textContent.trim().slice(0, 30)}" ${Math.round(r.width)}x${Math.round(r.height)}`)"""
    )


async def test_touch_targets_320_px_200_percent_zoom_and_reduced_motion(server, browser, artifacts):
    links = server.demo(members=0)
    async with http_client() as http:
        facilitator = await (await open_role(http, links["facilitator"], "facilitator")).connect()
        small = await new_context(browser, "nb", viewport={"width": 320, "height": 640}, is_mobile=True,
                                  has_touch=True, reduced_motion="reduce")
        phone = await small.new_page()
        await join(phone, links)
        problems: list[str] = []
        for index, name in ((None, "waiting"), (0, "ideas"), (1, "dots"), (2, "poll"), (3, "scale"),
                            (4, "consent"), (5, "ranking"), (6, "budget"), (7, "qa"), (8, "statements")):
            if index is not None:
                frame = await facilitator.command("start_round", round=index)
                await phone.wait_for_function("n => +document.getElementById('view').dataset.seq >= n", arg=frame.seq)
            problems += [f"320px {name}: {t}" for t in await targets_too_small(phone)]
            if await overflows(phone):
                problems.append(f"320px {name}: scrolls sideways")
            await screenshot(phone, artifacts / f"phone-320-{name}.png")
        # The "larger text" toggle at 320 px: still no sideways scrolling.
        await phone.get_by_role("button", name="Større tekst").click()
        await expect(phone.get_by_role("button", name="Større tekst")).to_have_attribute("aria-pressed", "true")
        if await overflows(phone):
            problems.append("320px larger text: scrolls sideways")
        # Reduced motion: no transitions or animations.
        durations = await phone.evaluate(
            "() => [...document.querySelectorAll('*')].map(el => getComputedStyle(el)).filter(s => s.transitionDuration.split(',').some(d => parseFloat(d) > 0) || s.animationName !== 'none').length"
        )
        assert durations == 0
        await small.close()

        # 200 % zoom of a 1280 × 800 window is 640 × 400 CSS px: console, board and staff pages.
        zoomed = await new_context(browser, "nb", viewport={"width": 640, "height": 400})
        page = await zoomed.new_page()
        await staff_login(page, links)
        for name, url in (("console", links["facilitator"]), ("board", links["board"]), ("staff", server.base + "/staff"),
                          ("home", server.base + "/"), ("statement", server.base + "/tilgjengelighet")):
            await page.goto(url)
            problems += [f"200% {name}: {t}" for t in await targets_too_small(page)]
            if await overflows(page):
                problems.append(f"200% {name}: scrolls sideways")
            await screenshot(page, artifacts / f"zoom-200-{name}.png", full_page=name in ("staff", "home", "statement"))
        await zoomed.close()
        await facilitator.close()
    assert problems == [], "\n".join(problems)


async def test_right_to_left_language_mirrors_the_layout(tmp_path, browser, artifacts):
    """A stub Arabic catalog (tests/browser/fixtures/locale) is all it takes to add a language."""
    server = ServerProcess(tmp_path / "rtl.sqlite3", extra_env={"EXTRA_LOCALE_DIRS": str(FIXTURE_LOCALES)}).start()
    try:
        links = server.demo(members=0)
        context = await new_context(browser, "ar", **PHONE)
        page = await context.new_page()
        await page.goto(server.base + "/")
        await expect(page.locator("html")).to_have_attribute("dir", "rtl")
        await expect(page.locator("html")).to_have_attribute("lang", "ar")
        await expect(page.get_by_role("heading", level=1)).to_have_text("انضم إلى اجتماع")
        await expect(page.get_by_role("link", name="العربية")).to_have_attribute("aria-current", "true")
        assert await page.locator("main").evaluate("el => getComputedStyle(el).direction") == "rtl"
        problems = await check_page(page, "rtl-home", artifacts, full_page=True)

        await join(page, links)
        brand = await page.locator(".site-header .brand").bounding_box()
        toggle = await page.get_by_role("button", name="نص أكبر").bounding_box()
        assert toggle["x"] < brand["x"], "the header is mirrored: the title on the right, the button on the left"
        width = PHONE["viewport"]["width"]
        assert brand["x"] + brand["width"] > width - 40
        problems += await check_page(page, "rtl-participant", artifacts)
        assert problems == [], "\n".join(problems)
        await context.close()
    finally:
        server.stop()


async def test_reconnecting_drafts_and_one_announcement_per_change(tmp_path, browser, artifacts):
    server = ServerProcess(tmp_path / "reconnect.sqlite3").start()
    try:
        links = server.demo(members=0)
        context = await new_context(browser, "nb", **PHONE)
        phone = await context.new_page()
        await join(phone, links)
        announcer = phone.locator("#announcer")
        await expect(announcer).to_have_text("")  # the page as loaded is not announced
        async with http_client() as http:
            facilitator = await (await open_role(http, links["facilitator"], "facilitator")).connect()
            await facilitator.command("start_round", round=0)
            await expect(announcer).to_have_text("Runde 1 er åpen: Ideer: Et bedre nærmiljø")

            # A half-written idea survives a reload (or a locked phone that reloads the page).
            idea = phone.get_by_label("Ideen din")
            await idea.fill("Gatelys på Fornebu")
            await phone.reload()
            await expect(phone.get_by_label("Ideen din")).to_have_value("Gatelys på Fornebu")
            await expect(phone.locator("#connection")).to_have_attribute("data-state", "open")

            # Back to the join page and on again: the same seat, the draft still there.
            whoami = await phone.locator(".whoami").text_content()
            await phone.go_back()
            if "/j/" in phone.url:  # the join page from the browser's cache: join again
                await phone.locator("form[action^='/j/'] button[type=submit]").click()
            await expect(phone.locator(".whoami")).to_have_text(whoami)
            await expect(phone.get_by_label("Ideen din")).to_have_value("Gatelys på Fornebu")
            await expect(phone.locator("#connection")).to_have_attribute("data-state", "open")

            # Sending it: the own view changes, but the meeting has not moved on, so nothing is
            # announced again; the notice says it was received; the draft is gone.
            await phone.evaluate("() => { document.getElementById('announcer').textContent = ''; }")
            await phone.get_by_role("button", name="Send ideen").click()
            await expect(phone.locator("#notice .received")).to_have_text("Vi har fått ideen din.")
            await expect(phone.get_by_label("Ideen din")).to_have_value("")
            await expect(announcer).to_have_text("")
            await phone.reload()
            await expect(phone.get_by_label("Ideen din")).to_have_value("")
            await facilitator.close()

        # The server goes away: the phone says so, keeps the draft, and comes back by itself.
        await expect(phone.locator("#connection")).to_have_attribute("data-state", "open")
        await phone.get_by_label("Ideen din").fill("Skøytebane i Sandvika")
        server.stop()
        lost = phone.locator("#connection")
        await expect(lost).to_have_text("Mistet tilkoblingen. Kobler til igjen …")
        await expect(lost).to_be_visible()
        await screenshot(phone, artifacts / "phone-reconnecting.png")
        server.start()
        await expect(lost).to_have_attribute("data-state", "open", timeout=30_000)
        await expect(lost).to_be_hidden()
        await expect(phone.get_by_label("Ideen din")).to_have_value("Skøytebane i Sandvika")
        await expect(announcer).to_have_text("")  # the same view again is not announced again
        await phone.get_by_role("button", name="Send ideen").click()
        await expect(phone.locator("#notice .received")).to_be_visible()
        await expect(phone.locator(".idea-list.mine li")).to_have_count(2)
        await context.close()
    finally:
        server.stop()


async def test_the_participant_page_weighs_at_most_60_kb_on_first_load(server, browser):
    links = server.demo(members=0)
    context = await new_context(browser, "nb", axe=False, **PHONE)
    page = await context.new_page()
    await join(page, links)
    fresh = await context.new_page()
    cdp = await context.new_cdp_session(fresh)
    await cdp.send("Network.enable")
    await cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    sizes: dict[str, int] = {}
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    await fresh.goto(f"{server.base}/r/{links['code']}", wait_until="networkidle")
    await expect(fresh.locator("#connection")).to_have_attribute("data-state", "open")
    total = sum(sizes.values())
    assert 20_000 < total <= 60_000, f"{total} bytes over the wire"
    await context.close()
