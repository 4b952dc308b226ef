"""Real Chromium on a phone: a survey's ideas and statements questions, answered with plain forms
(an idea added, staying on the page; statements answered with radio buttons and one of one's own
added), and the staff pages that moderate them and show each statement's agreement. axe-core on
every page and state, in Bokmål and English."""

from datetime import date, timedelta

import pytest
from playwright.async_api import expect

from tests.browser.conftest import DESK, PHONE, check_page, new_context, staff_login, watch_console
from tests.integration.test_draw_pages import panel_csv
from tests.integration.test_panel import admin
from tests.integration.test_survey_texts import IDEAS, SEEDS, STATEMENTS, build
from tests.integration.test_surveys import invite
from tests.support.phone import http_client

pytestmark = [pytest.mark.anyio, pytest.mark.browser]

WORDS = {
    "nb": {"add_idea": "Legg til idé", "saved": "Lagret.", "waiting": "Venter på godkjenning fra de ansatte.",
           "save": "Lagre og gå videre", "agree": "Enig", "disagree": "Uenig", "add_statement": "Legg til påstand",
           "empty": "Skriv noe først.", "approve": "Godkjenn"},
    "en": {"add_idea": "Add idea", "saved": "Saved.", "waiting": "Waiting for approval by staff.",
           "save": "Save and go on", "agree": "Agree", "disagree": "Disagree", "add_statement": "Add statement",
           "empty": "Please write something first.", "approve": "Approve"},
}


@pytest.mark.parametrize("language", ["nb", "en"])
async def test_ideas_and_statements_questions_on_a_phone(server, browser, artifacts, language):
    words = WORDS[language]
    links = server.demo(members=0)
    async with http_client(timeout=60) as http:
        staff = await admin(http, server, links)
        await staff.upload(panel_csv(12))
        code = await build(staff, language)
        tokens = await invite(staff, code, 12)
        closes = (date.today() + timedelta(days=10)).isoformat()
        await staff.post(f"/staff/surveys/{code}/open", {"date": closes, "time": "20:00"})

    problems: list[str] = []
    errors: list[str] = []
    link = f"{server.base}/i/{tokens[0]}/survey/q"
    phone = await new_context(browser, language, **PHONE)
    page = watch_console(await phone.new_page(), errors)

    # Ideas: an empty try, one idea added (the page stays), then on to the statements.
    await page.goto(f"{link}/{IDEAS}")
    problems += await check_page(page, f"survey-{language}-ideas", artifacts, full_page=True)
    await page.get_by_role("button", name=words["add_idea"]).click()
    await expect(page.get_by_role("alert")).to_contain_text(words["empty"])
    problems += await check_page(page, f"survey-{language}-ideas-problem", artifacts, full_page=True)
    await page.locator("#idea-text").fill("Kafé i andre etasje")
    await page.get_by_role("button", name=words["add_idea"]).click()
    await expect(page.locator("#saved")).to_contain_text(words["saved"])
    await expect(page.locator(".idea-list")).to_contain_text(words["waiting"])
    problems += await check_page(page, f"survey-{language}-ideas-saved", artifacts, full_page=True)
    await page.get_by_role("button", name=words["save"]).click()

    # Statements: answer both, add one of one's own; the answers stay checked.
    await expect(page.get_by_role("group", name=SEEDS[0])).to_be_visible()
    problems += await check_page(page, f"survey-{language}-statements", artifacts, full_page=True)
    await page.get_by_role("group", name=SEEDS[0]).get_by_label(words["agree"], exact=True).check()
    await page.get_by_role("group", name=SEEDS[1]).get_by_label(words["disagree"], exact=True).check()
    await page.locator("#statement-new").fill("Åpent til midnatt")
    await page.get_by_role("button", name=words["add_statement"]).click()
    await expect(page.locator("#saved")).to_be_visible()
    await expect(page.get_by_role("group", name=SEEDS[0]).get_by_label(words["agree"], exact=True)).to_be_checked()
    await expect(page.locator(".idea-list")).to_contain_text("Åpent til midnatt")
    problems += await check_page(page, f"survey-{language}-statements-saved", artifacts, full_page=True)
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
    await page.get_by_role("button", name=words["save"]).click()
    await expect(page).to_have_url(f"{server.base}/i/{tokens[0]}/survey/review")
    await expect(page.locator("dl.survey-answers")).to_contain_text(f"{SEEDS[0]}: {words['agree']}")
    await phone.close()

    # Staff: the survey page with what waits for approval; approve the statement; the results.
    desk = await new_context(browser, language, **DESK)
    page = watch_console(await desk.new_page(), errors)
    await staff_login(page, links)
    await page.goto(f"{server.base}/staff/meetings/{code}")
    problems += await check_page(page, f"staff-survey-moderation-{language}", artifacts, full_page=True)
    await page.locator(f"form[action$='/questions/{STATEMENTS - 1}/items/r4i3/approve'] button").click()
    await expect(page.locator(f"form[action$='/questions/{STATEMENTS - 1}/items/r4i3/hide']")).to_be_visible()
    await page.goto(f"{server.base}/staff/surveys/{code}/results")
    await expect(page.get_by_role("heading", name=SEEDS[0])).to_be_visible()
    problems += await check_page(page, f"staff-survey-results-statements-{language}", artifacts, full_page=True)
    await desk.close()

    assert problems == [], "\n".join(problems)
    # The empty idea is answered 400 on purpose.
    assert [e for e in errors if "status of 400" not in e] == []
