"""Universal design in real Chromium: every page, in Bokmål and English and in every state of a
meeting, passes axe-core (WCAG 2.1 A and AA) with no violations; screenshots go to
test-artifacts/. The meeting is driven by a facilitator and helper phones over sockets
(tests/support/phone.py) while the browser pages watch, as they would on the day."""

import asyncio
import re

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import DESK, PHONE, check_page, create_meeting, new_context, staff_login, watch_console
from tests.support.phone import http_client, join_with_code, open_role

pytestmark = [pytest.mark.anyio, pytest.mark.browser]

IDEAS, DOTS, POLL, SCALE, CONSENT, RANKING, BUDGET, QA, STATEMENTS = range(9)


async def view_at_least(page: Page, seq: int) -> None:
    await page.wait_for_function(
        "n => { const v = document.getElementById('view'); return v && +v.dataset.seq >= n; }", arg=seq
    )


class Meeting:
    """One meeting in one language: its facilitator and two helper phones over sockets, and the
    browser's phone, board and console pages."""

    def __init__(self, server, browser, language: str, artifacts) -> None:
        self.server, self.browser, self.language, self.artifacts = server, browser, language, artifacts
        self.links = create_meeting(server, language)
        self.errors: list[str] = []
        self.problems: list[str] = []

    async def open(self, http) -> None:
        self.facilitator = await (await open_role(http, self.links["facilitator"], "facilitator")).connect()
        self.helpers = [
            await (await join_with_code(http, self.server.base, self.links["code"], name)).connect()
            for name in ("Ola", "Aisha")
        ]
        self.phone_ctx = await new_context(self.browser, self.language, **PHONE)
        self.desk_ctx = await new_context(self.browser, self.language, **DESK)
        self.phone = watch_console(await self.phone_ctx.new_page(), self.errors)
        # The browser's phone is an invited member: their history shows the meeting afterwards.
        await self.phone.goto(self.links["participants"][0])
        await self.check(self.phone, "invitation", full_page=True)
        await self.phone.locator("form[action^='/i/']:not([action$='/answer']) button[type=submit]").click()
        await expect(self.phone.locator(".whoami")).to_be_visible()
        self.board = watch_console(await self.desk_ctx.new_page(), self.errors)
        await self.board.goto(self.links["board"])
        self.console = watch_console(await self.desk_ctx.new_page(), self.errors)
        await self.console.goto(self.links["facilitator"])
        for page in self.pages.values():
            await expect(page.locator("#connection")).to_have_attribute("data-state", "open")

    @property
    def pages(self) -> dict[str, Page]:
        return {"phone": self.phone, "board": self.board, "console": self.console}

    async def check(self, page: Page, name: str, full_page: bool = False) -> None:
        self.problems += await check_page(page, f"{self.language}-{name}", self.artifacts, full_page)

    async def state(self, name: str, *, command: str | None = None, **fields) -> None:
        """Send a facilitator command, wait until every page shows its result, check them all."""
        if command:
            frame = await self.facilitator.command(command, **fields)
            assert frame.result[0] == "ok", (command, frame.text)
            for page in self.pages.values():
                await view_at_least(page, frame.seq)
        for role, page in self.pages.items():
            await self.check(page, f"{role}-{name}")

    async def close(self) -> None:
        for client in (self.facilitator, *self.helpers):
            await client.close()
        await self.phone_ctx.close()
        await self.desk_ctx.close()


async def run_meeting(m: Meeting, http) -> None:
    """Every round type in its states, with the browser's phone taking part now and then."""
    nb = m.language == "nb"
    await m.open(http)
    await m.state("waiting")

    await m.state("ideas-open", command="start_round", round=IDEAS)
    for helper, text in zip(m.helpers, ("Flere benker langs Lysakerelva", "Bedre busstilbud om kvelden")):
        await helper.command("post_idea", text=text)
    await m.phone.get_by_label("Ideen din" if nb else "Your idea").fill("Lys i lysløypa hele vinteren")
    await m.phone.get_by_role("button", name="Send ideen" if nb else "Send idea").click()
    await expect(m.phone.locator("#notice .received")).to_be_visible()
    await m.check(m.phone, "phone-ideas-sent")
    await m.check(m.console, "console-ideas-sent")

    await m.state("dots-open", command="start_round", round=DOTS)
    ideas = re.findall(r'name="idea" value="(r0i\d+)"', m.helpers[0].view)
    await m.helpers[0].command("dot", idea=ideas[0])
    await m.phone.get_by_role("button", name="Gi en prikk" if nb else "Give a dot").first.click()
    await expect(m.phone.locator("#notice .received")).to_be_visible()
    await m.check(m.phone, "phone-dots-given")
    await m.state("dots-results", command="reveal", round=DOTS)

    await m.state("poll-open", command="start_round", round=POLL)
    await m.phone.locator(".choice").first.click()
    await expect(m.phone.locator(".choice[aria-pressed=true]")).to_have_count(1)
    await m.check(m.phone, "phone-poll-chosen")
    await m.state("poll-results", command="reveal", round=POLL)
    await m.state("scale-open", command="start_round", round=SCALE)
    await m.state("consent-open", command="start_round", round=CONSENT)
    await m.helpers[1].command("consent", level=4, reason="For dyrt for kommunen")
    await m.phone.locator(".choice").nth(4).click()
    await expect(m.phone.locator("textarea[name=reason]")).to_be_visible()
    await m.check(m.phone, "phone-consent-block")
    await m.state("consent-results", command="reveal", round=CONSENT)
    await m.state("ranking-open", command="start_round", round=RANKING)
    await m.state("ranking-results", command="reveal", round=RANKING)
    await m.state("budget-open", command="start_round", round=BUDGET)
    await m.state("qa-open", command="start_round", round=QA)
    await m.helpers[0].command("ask", text="Når kommer den nye bussruten?")
    await m.state("qa-asked", command="pause_round", round=QA)
    await m.state("statements-open", command="start_round", round=STATEMENTS)
    await m.state("statements-results", command="reveal", round=STATEMENTS)
    await m.state("ended", command="end_meeting", confirm="yes")
    # The outcome as staff see it: every round's results in tables.
    staff = watch_console(await m.desk_ctx.new_page(), m.errors)
    await staff_login(staff, m.links)
    await staff.goto(f"{m.server.base}/staff/meetings/{m.links['code']}")
    await expect(staff.locator("table.ds-table").first).to_be_visible()
    await m.check(staff, "staff-outcome-of-this-meeting", full_page=True)
    history = watch_console(await m.phone_ctx.new_page(), m.errors)
    await history.goto(m.links["participants"][0] + "/history")
    await expect(history.locator(".idea-list")).to_contain_text("Lys i lysløypa hele vinteren")
    await m.check(history, "history-after-the-meeting", full_page=True)
    await m.close()


async def test_every_live_page_in_every_state_passes_axe(server, browser, artifacts):
    meetings = [Meeting(server, browser, language, artifacts) for language in ("nb", "en")]
    async with http_client() as http:
        await asyncio.gather(*(run_meeting(m, http) for m in meetings))
    problems = [p for m in meetings for p in m.problems]
    assert problems == [], "\n".join(problems)
    assert [e for m in meetings for e in m.errors] == []


async def test_every_other_page_passes_axe_in_bokmal_and_english(server, browser, artifacts):
    links = server.demo(members=1)
    async with http_client() as http:
        facilitator = await (await open_role(http, links["facilitator"], "facilitator")).connect()
        await facilitator.command("end_meeting", confirm="yes")
        await facilitator.close()
    code = links["code"]
    problems: list[str] = []
    errors: list[str] = []
    for language in ("nb", "en"):
        for size, options in (("phone", PHONE), ("desk", DESK)):
            context = await new_context(browser, language, **options)
            page = watch_console(await context.new_page(), errors)
            pages = {
                "home": server.base + "/",
                "home-unknown-code": server.base + "/join?code=ZZZZZZ",
                "join": f"{server.base}/j/{code}",
                "invitation": links["participants"][0],
                "history": links["participants"][0] + "/history",
                "accessibility": server.base + "/tilgjengelighet",
                "not-found": server.base + "/no-such-page",
            }
            if size == "desk":
                await page.goto(links["facilitator"])  # the key moves into a cookie
                await page.goto(links["staff"])
                problems += await check_page(page, f"{language}-{size}-staff-login", artifacts, full_page=True)
                await staff_login(page, links)
                pages |= {
                    "edit-round": f"{server.base}/r/{code}/console/rounds/1",
                    "staff": f"{server.base}/staff",
                    "staff-outcome": f"{server.base}/staff/meetings/{code}",
                }
            for name, url in pages.items():
                await page.goto(url)
                problems += await check_page(page, f"{language}-{size}-{name}", artifacts, full_page=True)
            await context.close()
    assert problems == [], "\n".join(problems)
    # The unknown code and the missing page answer 404 on purpose.
    assert [e for e in errors if "status of 404" not in e] == []
