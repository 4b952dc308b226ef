"""Universal design of the staff side in real Chromium: every staff page, in Bokmål and English,
in its normal and its error states, passes axe-core (WCAG 2.1 A and AA) with no violations and
keeps the footer with the language menu and the accessibility statement; the pages a phone or a
tablet opens are checked at phone size too; printable round sheets for every round type; and
keyboard-only use of the check-in at the door and of the facilitator console (every control
reached by Tab, the focus always visible). Screenshots go to test-artifacts/staff-*.png.

One server and one set-up for the whole module: a meeting that has ended (with ideas and a
follow-up), one waiting for its first round, and one under way (invitees, check-ins, a person
without a phone, ideas in round 1); panel members from a spreadsheet."""

import asyncio
import json
import re

import pytest
from playwright.async_api import Page, expect

from server.i18n import ORDER
from tests.browser.conftest import (
    DESK, PHONE, check_page, create_meetings, focus_is_visible, new_context, overflows, screenshot, staff_login,
    tab_to, tab_tour, watch_console,
)
from tests.integration.test_panel import HEADER
from tests.support.phone import cookie_header, http_client, join_with_code, open_role
from tests.support.phone import staff_login as staff_session
from tests.support.staff import Staff

pytestmark = [pytest.mark.anyio, pytest.mark.browser]

LANGUAGES = ("nb", "en")
MEMBERS = (
    "Karen Solberg;karen@example.no;+47 912 34 567;1957;kvinne;320101;ingen;bokmål;v1;01.09.2026\n"
    "Ola Hansen;;;1990;mann;320122;innvandrer;nynorsk;v1;2026-09-02\n"
    "Åse Ødegård;aase@example.no;;2001;kvinne;Haslum;Norskfødt med innvandrerforeldre;;v1;\n"
    "Amir Haddad;amir@example.no;;1984;mann;320101;innvandrer;engelsk;v1;\n"
)
# Every row wrong in some column: the import shows its table of problems.
BAD_CSV = HEADER + "Per;ikke-en-epost;;18xx;kanskje;Atlantis;;;;\n;;;;;;;;;\n"
ZOOMED = {"width": 640, "height": 400}  # a 1280 × 800 window at 200 %
ROUND_TYPES = ("ideas", "dots", "poll", "scale", "consent", "ranking", "budget", "qa", "statements")


async def _answer(http, link: str, **fields: str) -> None:
    """A member answers their invitation (coming, with a need) through their personal link."""
    page = await http.get(link)
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    cookies = {"csrftoken": re.search(r"csrftoken=([^;]+)", page.headers["set-cookie"]).group(1)}
    saved = await http.post(f"{link}/answer", data={"_csrf_token": token, **fields}, headers=cookie_header(cookies))
    assert saved.status_code == 303, saved.text[:300]


@pytest.fixture(scope="module")
async def site(server) -> dict:
    # One that will have ended, one that waits for its first round (the board shows the recap
    # there), and one that is under way.
    ended, waiting, live = create_meetings(server, ["nb", "nb", "nb"], members=3)
    async with http_client() as http:
        # The ended meeting: two ideas, then the end; a coordinator records a follow-up.
        facilitator = await (await open_role(http, ended["facilitator"], "facilitator")).connect()
        await facilitator.command("start_round", round=0)
        phone = await (await join_with_code(http, server.base, ended["code"], "Ola")).connect()
        for text in ("Flere benker langs Lysakerelva", "Bedre busstilbud om kvelden"):
            await phone.command("post_idea", text=text)
        await facilitator.command("end_meeting", confirm="yes")
        for client in (phone, facilitator):
            await client.close()
        staff = Staff(http, server.base, await staff_session(http, live))
        outcome = json.loads((await staff.get(f"/staff/meetings/{ended['code']}/outcome.json")).content)
        idea = outcome["outcome"]["rounds"][0]["ideas"][0]["id"]
        done = await staff.post(f"/staff/meetings/{ended['code']}/follow-up", {
            "item": idea, "status": "partly", "explanation": "Tre benker kommer i vår.", "decided_on": "2026-12-01",
        })
        assert done.status_code == 303

        # The panel: members from a spreadsheet, for the register, composition and invitees.
        imported = await staff.upload((HEADER + MEMBERS).encode("utf-8-sig"))
        assert imported.status_code == 200, imported.text[:300]
        found = (await staff.get("/staff/panel?q=Karen")).text
        karen = re.search(r'href="/staff/panel/([^"?/]+)">Karen Solberg<', found).group(1)

        # The live meeting: one invitee answers with a need, one has arrived, one arrived without
        # a phone; round 1 is open with two ideas in it.
        await _answer(http, live["participants"][0], coming="yes", accessibility="Rullestolplass", dietary="Nøtter")
        invitations = re.findall(r'id="inv-([^"]+)"', (await staff.get(f"/staff/meetings/{live['code']}/checkin")).text)
        assert len(invitations) == 3
        await staff.post(f"/staff/meetings/{live['code']}/checkin/{invitations[0]}", {"arrived": "yes"})
        scribed = await staff.post(f"/staff/meetings/{live['code']}/checkin/{invitations[1]}/without-phone")
        assert scribed.status_code == 303
        facilitator = await (await open_role(http, live["facilitator"], "facilitator")).connect()
        await facilitator.command("start_round", round=0)
        phone = await (await join_with_code(http, server.base, live["code"], "Aisha")).connect()
        for text in ("Lys i lysløypa hele vinteren", "Flere søppelkasser ved badeplassen"):
            await phone.command("post_idea", text=text)
        for client in (phone, facilitator):
            await client.close()
    return {"live": live, "ended": ended, "waiting": waiting, "karen": karen, "invitations": invitations}


class Visit:
    """One browser page in one language and size that checks each page it comes to."""

    def __init__(self, page: Page, language: str, size: str, artifacts) -> None:
        self.page, self.language, self.size, self.artifacts = page, language, size, artifacts
        self.problems: list[str] = []

    async def check(self, name: str, full_page: bool = False, footer: bool = True) -> None:
        label = f"staff-{self.language}-{self.size}-{name}"
        if footer:
            bottom = self.page.locator("footer.site-footer")
            languages = await bottom.locator("a[hreflang]").count()
            if languages != len(ORDER) or await bottom.locator("a[href='/tilgjengelighet']").count() != 1:
                self.problems.append(f"{label}: no footer with the language menu and the accessibility statement")
        self.problems += await check_page(self.page, label, self.artifacts, full_page)
        # Reflow (WCAG 1.4.10): at 200 % zoom on a desk, and on a phone, nothing scrolls sideways
        # but wide tables inside their own scrolling box.
        if self.size == "desk":
            await self.page.set_viewport_size(ZOOMED)
            if await overflows(self.page):
                self.problems.append(f"{label}: scrolls sideways at 200 % zoom")
            await self.page.set_viewport_size(DESK["viewport"])
        elif await overflows(self.page):
            self.problems.append(f"{label}: scrolls sideways on a phone")

    async def go(self, name: str, url: str, status: int = 200, **options) -> None:
        response = await self.page.goto(url)
        assert response is not None and response.status == status, (name, response and response.status)
        await self.check(name, **options)

    async def submit(self, name: str, form: str, status: int, novalidate: bool = False, full_page: bool = False) -> None:
        """Send a form as it is filled in now, and check the page that answers. `novalidate`
        lets a form through that the browser itself would stop, to see the server's answer."""
        form_locator = self.page.locator(form)
        if novalidate:
            await form_locator.evaluate("f => { f.noValidate = true; }")
        async with self.page.expect_navigation() as navigation:
            await form_locator.locator("button[type=submit]").last.click()
        response = await navigation.value
        assert response is not None and response.status == status, (name, response and response.status)
        if status >= 400:  # refused: a message says why and what to do
            await expect(self.page.locator(".ds-alert[data-color=danger]").first).to_be_visible()
        await self.check(name, full_page=full_page)


async def _desk_pages(v: Visit, base: str, site: dict) -> None:
    page, live, ended = v.page, site["live"]["code"], site["ended"]["code"]
    # The staff login's own error state (a wrong password; a few are allowed before a lock).
    await page.goto(site["live"]["staff"])
    await page.locator("#username").fill(site["live"]["staff_username"])
    await page.locator("#password").fill("not the password")
    await v.submit("login-wrong-password", "form[action='/staff/login']", 401)
    await page.goto(site["live"]["facilitator"])  # the key moves into a cookie
    await staff_login(page, site["live"])

    await v.go("meetings", f"{base}/staff")
    await v.go("meeting-new", f"{base}/staff/meetings/new")
    await page.locator("#title").fill("   ")  # only spaces: the browser lets it through, the server does not
    await page.locator("#date").fill("2026-12-10")
    await v.submit("meeting-new-error", "form[action='/staff/meetings/new']", 400)
    await expect(page.locator("#title")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#title")).to_have_accessible_description(re.compile(".+"))

    await v.go("meeting-live", f"{base}/staff/meetings/{live}")
    # The meeting is in Bokmål: on an English page its title says so (language of parts).
    assert await page.locator("h1").get_attribute("lang") == ("nb" if v.language == "en" else None)
    waiting = site["waiting"]["code"]
    await page.goto(f"{base}/staff/meetings/{waiting}")
    await v.submit("meeting-recap", f"form[action='/staff/meetings/{waiting}/recap']", 200)
    await expect(page.locator(".inline-form [role=status]")).to_be_visible()
    await v.go("board-with-recap", site["waiting"]["board"], footer=False)
    await expect(page.locator(".recap")).to_be_visible()
    await v.go("meeting-ended", f"{base}/staff/meetings/{ended}", full_page=True)
    await page.locator(".outcome details summary").first.click()  # the follow-up form
    await v.check("meeting-follow-up-form")
    await page.locator(".outcome details form select").first.select_option("adopted")
    await v.submit("meeting-follow-up-saved", ".outcome details[open] form", 200)
    await v.go("invitees", f"{base}/staff/meetings/{live}/invitees?district=320101")
    await expect(page.locator(".pick-list input[type=checkbox]")).to_have_count(2)
    await v.go("letters", f"{base}/staff/meetings/{live}/letters", full_page=True)
    await v.go("checkin", f"{base}/staff/meetings/{live}/checkin")

    await v.go("panel", f"{base}/staff/panel")
    await v.go("panel-filtered", f"{base}/staff/panel?q=&status=active&gender=male&background=immigrant")
    await v.go("panel-composition", f"{base}/staff/panel/composition")
    await v.go("panel-import", f"{base}/staff/panel/import")
    bad = {"name": "panel.csv", "mimeType": "text/csv", "buffer": BAD_CSV.encode()}
    await page.locator("#file").set_input_files(files=[bad])
    await v.submit("panel-import-error", "form[action='/staff/panel/import']", 400)
    await expect(page.locator("table.ds-table tbody tr")).not_to_have_count(0)
    await v.go("member", f"{base}/staff/panel/{site['karen']}?saved=1")
    erase = f"form[action='/staff/panel/{site['karen']}/erase']"
    await v.submit("member-erase-unconfirmed", erase, 400, novalidate=True)
    await expect(page.locator("input[name=confirm]")).to_have_attribute("aria-invalid", "true")
    await v.go("member-new", f"{base}/staff/panel/new")
    await page.locator("#name").fill("Nina Nilsen")
    await page.locator("#birth_year").fill("18xx")
    await page.locator("#consent_date").fill("31.02.2026")
    await v.submit("member-new-error", "form[action='/staff/panel/new']", 400, full_page=True)
    await expect(page.locator("#birth_year")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#birth_year")).to_have_accessible_description(re.compile("18xx"))

    await v.go("accounts", f"{base}/staff/accounts")
    await page.locator("#new-username").fill("not a username!")
    await page.locator("#new-password").fill("a long enough password")
    await v.submit("accounts-error", "form[action='/staff/accounts']", 400)
    await expect(page.locator("#new-username")).to_have_attribute("aria-invalid", "true")
    await v.go("audit", f"{base}/staff/audit")

    # The console's table host link, and its refusal of a table that cannot be.
    await page.goto(site["live"]["facilitator"])
    await page.locator(".hosts-form summary").click()
    await page.locator("#host-table").fill("2")
    await v.submit("host-link", f"form[action='/r/{live}/console/hosts']", 200)
    await page.goto(f"{base}/r/{live}/console")
    await page.locator(".hosts-form summary").click()
    await page.locator("#host-table").fill("99")
    await v.submit("host-link-refused", f"form[action='/r/{live}/console/hosts']", 400, novalidate=True)
    # The facilitator as a scribe: everyone without a phone, and a table that cannot be.
    await v.go("scribe-people", f"{base}/r/{live}/scribe")
    await page.locator("#person-table").fill("99")
    await v.submit("scribe-add-refused", f"form[action='/r/{live}/scribe']", 400, novalidate=True)
    for index, kind in enumerate(ROUND_TYPES):
        await v.go(f"sheet-{index + 1}-{kind}", f"{base}/r/{live}/sheets/{index}")


async def test_every_staff_page_and_its_error_states_pass_axe_at_desk_size(server, browser, artifacts, site):
    errors: list[str] = []

    async def visit(language: str) -> list[str]:
        context = await new_context(browser, language, **DESK)
        v = Visit(watch_console(await context.new_page(), errors), language, "desk", artifacts)
        await _desk_pages(v, server.base, site)
        await context.close()
        return v.problems

    # Both languages at once: the browser renders in processes of its own.
    problems = [p for found in await asyncio.gather(*map(visit, LANGUAGES)) for p in found]
    assert problems == [], "\n".join(problems)
    # Error states answer 4xx on purpose; nothing else may go wrong in the console.
    assert [e for e in errors if not re.search(r"status of 4\d\d", e)] == []


async def test_pages_a_phone_or_tablet_opens_pass_axe_at_phone_size(server, browser, artifacts, site):
    """Staff at the door check people in on a phone; a table host opens their link on one."""
    live, base = site["live"], server.base
    errors: list[str] = []

    async def visit(language: str) -> list[str]:
        context = await new_context(browser, language, **PHONE)
        page = watch_console(await context.new_page(), errors)
        v = Visit(page, language, "phone", artifacts)
        await staff_login(page, live)
        await v.go("checkin", f"{base}/staff/meetings/{live['code']}/checkin")
        await v.go("meeting-live", f"{base}/staff/meetings/{live['code']}")
        await page.goto(live["facilitator"])
        await v.go("scribe-people", f"{base}/r/{live['code']}/scribe")
        await page.locator(".people-list a").first.click()
        await expect(page.locator("#connection")).to_have_attribute("data-state", "open")
        await v.check("scribe-entering")
        await v.go("sheet-1-ideas", f"{base}/r/{live['code']}/sheets/0")
        # A participant's phone before the first round: what happened since last time.
        await page.goto(site["waiting"]["join"])
        await page.locator("form[action^='/j/'] button[type=submit]").click()
        await expect(page.locator("#connection")).to_have_attribute("data-state", "open")
        await expect(page.locator(".recap")).to_be_visible()
        await v.check("participant-with-recap")
        await context.close()
        return v.problems

    problems = [p for found in await asyncio.gather(*map(visit, LANGUAGES)) for p in found]
    assert problems == [], "\n".join(problems)
    assert errors == []


async def test_keyboard_only_check_in_at_the_door(server, browser, artifacts, site):
    live = site["live"]
    context = await new_context(browser, "nb", **DESK)
    page = await context.new_page()
    await staff_login(page, live)
    await page.goto(f"{server.base}/staff/meetings/{live['code']}/checkin")
    reached, unseen, missed = await tab_tour(page)
    assert missed == [] and unseen == [], (missed, unseen)
    assert len(reached) > 10
    # Check the third invitee in with the keyboard alone: the page comes back at their line, and
    # the next Tab goes on from there (to the button that undoes it), not from the top.
    row = page.locator(f"#inv-{site['invitations'][2]}")
    arrived = row.locator("form:not([action$='/without-phone']) button[type=submit]")
    await tab_to(page, arrived)
    assert await focus_is_visible(page)
    await page.keyboard.press("Enter")
    await expect(row.locator(".ds-tag")).to_be_visible()
    await page.keyboard.press("Tab")
    await expect(row.locator("input[name=arrived][value=no] ~ button")).to_be_focused()
    assert await focus_is_visible(page)
    await screenshot(page, artifacts / "staff-keyboard-checkin.png")
    await context.close()


async def test_keyboard_only_facilitator_console(server, browser, artifacts, site):
    live = site["live"]
    context = await new_context(browser, "nb", **DESK)
    page = await context.new_page()
    await page.goto(live["facilitator"])
    await expect(page.locator("#connection")).to_have_attribute("data-state", "open")
    reached, unseen, missed = await tab_tour(page)
    assert missed == [] and unseen == [], (missed, unseen)
    assert any("Sett på pause" in r for r in reached) and any("Lag bordvertlenke" in r for r in reached)
    # The table host link, by keyboard alone: open the section, type the table, press Enter.
    summary = page.locator(".hosts-form summary")
    await tab_to(page, summary)
    await page.keyboard.press("Enter")
    await expect(page.locator("#host-table")).to_be_visible()
    await page.keyboard.press("Tab")
    await expect(page.locator("#host-table")).to_be_focused()
    assert await focus_is_visible(page)
    await page.keyboard.type("3")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Bordvertlenke for bord 3")
    await screenshot(page, artifacts / "staff-keyboard-host-link.png")
    await context.close()
