import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# axe-core (npm `axe-core`, MPL-2.0), injected by the tests only; the app never serves it.
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESK = {"viewport": {"width": 1280, "height": 800}}


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    """One Chromium per test module; each test opens its own contexts."""
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        await browser.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


async def new_context(browser: Browser, language: str = "nb", axe: bool = True, **options) -> BrowserContext:
    """A browser context whose pages ask for `language`, with axe-core injected into every page
    (as an init script, so the app's strict CSP needs no exception)."""
    locale = {"nb": "nb-NO", "nn": "nn-NO", "en": "en-GB"}.get(language, language)
    context = await browser.new_context(locale=locale, extra_http_headers={"Accept-Language": locale}, **options)
    if axe:
        await context.add_init_script(path=str(AXE))
    return context


def watch_console(page: Page, errors: list[str]) -> Page:
    page.on("console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
    return page


async def axe_violations(page: Page) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now."""
    return await page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " :: " + n.failureSummary),
            }));
        }""",
        WCAG_TAGS,
    )


async def screenshot(page: Page, path: Path, full_page: bool = False) -> None:
    """A screenshot that leaves the page as it was. Playwright's caret hiding and full-page
    resizing leave empty style attributes, which htmx would copy on the next swap and the CSP
    (style-src 'self') rightly refuses."""
    await page.screenshot(path=path, full_page=full_page, caret="initial")
    await page.evaluate("() => document.querySelectorAll('[style=\"\"]').forEach(el => el.removeAttribute('style'))")


async def check_page(page: Page, name: str, artifacts: Path, full_page: bool = False) -> list[str]:
    """Run axe on the page and save a screenshot; returns the violations, one line each."""
    violations = await axe_violations(page)
    await screenshot(page, artifacts / f"{name}.png", full_page)
    return [f"{name}: {v['id']} ({v['impact']}): {v['help']} :: {v['nodes']}" for v in violations]


def create_meeting(server, language: str) -> dict:
    """A demo meeting in `language` (the board speaks the meeting's language), with its links."""
    script = (
        "import asyncio, json, secrets, sys\n"
        "from server.__main__ import links\n"
        "from server.meetings.service import create_meeting, demo_plan\n"
        "from server.settings import Settings\n"
        "from server.staff.accounts import create_user\n"
        "from server.store import open_store\n"
        "from server.store.records import Member\n"
        "USERNAME = 'staff-' + secrets.token_hex(4)  # one account per meeting: creating it again resets the password\n"
        "async def main():\n"
        "    settings = Settings.from_env()\n"
        "    store = await open_store(settings)\n"
        "    try:\n"
        "        password = secrets.token_urlsafe(12)\n"
        "        await create_user(store, USERNAME, 'Demo administrator', 'administrator', password)\n"
        "        members = [Member(id=f'member-{sys.argv[1]}-1', name='Kari Nordmann')]\n"
        "        created = await create_meeting(store, settings.secret_key, sys.argv[2], demo_plan(), members, language=sys.argv[1])\n"
        "    finally:\n"
        "        await store.close()\n"
        "    print(json.dumps(links(settings, created, password) | {'staff_username': USERNAME}))\n"
        "asyncio.run(main())\n"
    )
    title = {"en": "Citizens' panel: demo meeting"}.get(language, "Innbyggerpanel: demomøte")
    out = subprocess.run(
        [sys.executable, "-c", script, language, title],
        cwd=Path(__file__).resolve().parents[2], env=server.env, check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout)


async def staff_login(page, links: dict) -> None:
    """Log in on the staff login page in this browser page's context."""
    await page.goto(links["staff"])
    await page.locator("#username").fill(links["staff_username"])
    await page.locator("#password").fill(links["staff_password"])
    await page.locator("form[action='/staff/login'] button[type=submit]").click()
    await page.wait_for_url("**/staff")
