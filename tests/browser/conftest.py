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


async def tab_to(page: Page, target, limit: int = 80) -> None:
    """Press Tab until `target` has the focus, as a keyboard user would."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {target}")


# Whether an element shows that it has the focus: an outline of 2 px or more, or a ring.
FOCUS_SHOWN = """el => { const s = getComputedStyle(el);
    return (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== "none"; }"""


async def focus_is_visible(page: Page) -> bool:
    return await page.evaluate(f"() => ({FOCUS_SHOWN})(document.activeElement)")


async def tab_tour(page: Page, limit: int = 400) -> tuple[list[str], list[str], list[str]]:
    """Press Tab from the top of the page until the focus comes round again, as a keyboard user
    would: what was reached in order, what had no visible focus, and which visible controls
    were never reached (one radio button per group is enough: arrows move within it)."""
    await page.evaluate("() => { window.tour = new Set(); document.activeElement?.blur(); }")
    describe = """el => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} "${(el.innerText || el.value || el.getAttribute('aria-label') || '').trim().replace(/\\s+/g, ' ').slice(0, 50)}"`"""
    reached: list[str] = []
    unseen: list[str] = []
    for _ in range(limit):
        await page.keyboard.press("Tab")
        step = await page.evaluate(
            f"""() => {{ const el = document.activeElement;
                if (!el || el === document.body) return null;
                if (window.tour.has(el)) return "again";
                window.tour.add(el);
                return [({describe})(el), ({FOCUS_SHOWN})(el)]; }}"""
        )
        if step == "again":
            break
        if step is not None:
            reached.append(step[0])
            if not step[1]:
                unseen.append(step[0])
    else:
        raise AssertionError(f"the focus never came round again: {reached[-5:]}")
    missed = await page.evaluate(
        f"""() => [...document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex='-1'])")]
            .filter(el => el.checkVisibility() && !el.disabled && !window.tour.has(el))
            .filter(el => !(el.type === "radio" && [...window.tour].some(t => t.type === "radio" && t.name === el.name && t.form === el.form)))
            .map({describe})"""
    )
    return reached, unseen, missed


async def overflows(page: Page) -> bool:
    return await page.evaluate("() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1")


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


def create_meetings(server, languages: list[str], members: int = 1) -> list[dict]:
    """Demo meetings, one in each of `languages` (the board speaks the meeting's language), each
    with `members` invited members, and their links; one process and one administrator for all."""
    script = (
        "import asyncio, json, secrets, sys\n"
        "from server.__main__ import links\n"
        "from server.meetings.service import create_meeting, demo_plan\n"
        "from server.settings import Settings\n"
        "from server.staff.accounts import create_user\n"
        "from server.store import open_store\n"
        "from server.store.records import Member\n"
        "USERNAME = 'staff-' + secrets.token_hex(4)  # one account per call: creating it again resets the password\n"
        "NAMES = ('Kari Nordmann', 'Per Hansen', 'Liv Berg', 'Omar Ali')\n"
        "TITLES = {'en': \"Citizens' panel: demo meeting\"}\n"
        "async def main():\n"
        "    settings = Settings.from_env()\n"
        "    store = await open_store(settings)\n"
        "    found = []\n"
        "    try:\n"
        "        password = secrets.token_urlsafe(12)\n"
        "        await create_user(store, USERNAME, 'Demo administrator', 'administrator', password)\n"
        "        for language in sys.argv[2:]:\n"
        "            tag = secrets.token_hex(3)\n"
        "            invitees = [Member(id=f'member-{tag}-{n}', name=NAMES[n % len(NAMES)]) for n in range(int(sys.argv[1]))]\n"
        "            title = TITLES.get(language, 'Innbyggerpanel: demomøte')\n"
        "            created = await create_meeting(store, settings.secret_key, title, demo_plan(), invitees, language=language)\n"
        "            found.append(links(settings, created, password) | {'staff_username': USERNAME})\n"
        "    finally:\n"
        "        await store.close()\n"
        "    print(json.dumps(found))\n"
        "asyncio.run(main())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(members), *languages],
        cwd=Path(__file__).resolve().parents[2], env=server.env, check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout)


def create_meeting(server, language: str) -> dict:
    return create_meetings(server, [language])[0]


async def staff_login(page, links: dict) -> None:
    """Log in on the staff login page in this browser page's context."""
    await page.goto(links["staff"])
    await page.locator("#username").fill(links["staff_username"])
    await page.locator("#password").fill(links["staff_password"])
    await page.locator("form[action='/staff/login'] button[type=submit]").click()
    await page.wait_for_url("**/staff")
