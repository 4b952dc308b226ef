"""The hostile meeting of poison.py in real Chromium: on the phone, the board, the console, the
scribe's and staff pages, the history and the printable sheets, before and after live updates,
no script runs (window.pwned stays unset, no dialog opens), the Content Security Policy never has
to step in (it would report a violation), and no element carries an event handler or the
payload's image."""

import pytest
from playwright.async_api import BrowserContext, Page, expect

from tests.browser.conftest import browser, new_context  # noqa: F401 - the module's Chromium
from tests.security.poison import Poisoned, ended_meeting_with_follow_up, poisoned_meeting

pytestmark = [pytest.mark.anyio, pytest.mark.browser]

WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
"""
INSPECT = """() => ({
    pwned: window.pwned === undefined ? null : String(window.pwned),
    violations: window.__violations || [],
    handlers: [...document.querySelectorAll('*')].flatMap(el => [...el.attributes].filter(a => a.name.startsWith('on')).map(a => el.tagName + ' ' + a.name)),
    images: document.querySelectorAll('img[src="x"], svg[onload]').length,
    inline: [...document.scripts].filter(s => !s.src).length,
})"""


async def context_with(browser, base: str, cookies: dict[str, str]) -> BrowserContext:  # noqa: F811
    context = await new_context(browser, "nb", axe=False)
    await context.add_init_script(WATCH)
    if cookies:
        await context.add_cookies([{"name": k, "value": v, "url": base} for k, v in cookies.items()])
    return context


async def assert_inert(page: Page, name: str, dialogs: list[str]) -> None:
    found = await page.evaluate(INSPECT)
    assert found == {"pwned": None, "violations": [], "handlers": [], "images": 0, "inline": 0}, (name, found)
    assert not dialogs, (name, dialogs)


async def test_no_script_runs_on_any_screen(server, browser):  # noqa: F811
    p: Poisoned = await poisoned_meeting(server)
    e, code, base = p.everyone, p.code, server.base
    dialogs: list[str] = []
    live = {
        "phone": (f"/r/{code}", e.phone.cookies),
        "board": (f"/r/{code}/board", e.board.cookies),
        "console": (f"/r/{code}/console", e.facilitator.cookies),
        "scribe": (f"/r/{code}/scribe/{e.scribed}", e.facilitator.cookies),
    }
    pages: dict[str, Page] = {}
    contexts = []
    for name, (path, cookies) in live.items():
        context = await context_with(browser, base, cookies)
        contexts.append(context)
        page = await context.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        await page.goto(base + path)
        await expect(page.locator("#connection")).to_have_attribute("data-state", "open")
        pages[name] = page
        await assert_inert(page, name, dialogs)
    # Live updates swap new fragments in: the statements and the questions revealed, a new round.
    seqs = {}
    for command, fields in (("reveal", {"round": 8}), ("start_round", {"round": 2}), ("reveal", {"round": 7})):
        done = await e.facilitator.command(command, **fields)
        assert done.result[0] == "ok", command
        seqs[command] = done.seq
    # A new round changes every screen; revealing the earlier questions changes the console.
    for name, page in pages.items():
        seq = seqs["reveal"] if name == "console" else seqs["start_round"]
        await page.wait_for_function("n => +document.getElementById('view').dataset.seq >= n", arg=seq)
        await assert_inert(page, f"{name} after live updates", dialogs)
    assert "window.pwned" in await pages["console"].inner_text("body")  # shown, as text
    await ended_meeting_with_follow_up(server, p)
    staff = await context_with(browser, base, p.staff.cookies)
    contexts.append(staff)
    for name, path in {
        "outcome": f"/staff/meetings/{code}",
        "invitees": f"/staff/meetings/{code}/invitees",
        "letters": f"/staff/meetings/{code}/letters",
        "panel": "/staff/panel?status=",
        "member": f"/staff/panel/{next(iter(p.member_ids.values()))}",
        "audit": "/staff/audit",
        "sheet": f"/r/{code}/sheets/0",
        "history": f"/i/{p.token}/history",
        "invitation": f"/i/{p.token}",
    }.items():
        page = await staff.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        if name == "sheet":
            await staff.add_cookies([{"name": k, "value": v, "url": base} for k, v in e.facilitator.cookies.items()])
        await page.goto(base + path)
        await assert_inert(page, name, dialogs)
        await page.close()
    for context in contexts:
        await context.close()
    await p.close()
