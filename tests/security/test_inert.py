"""Hostile text renders inert everywhere, over real HTTP and sockets: every page and fragment
shows it escaped (and it does reach them), no direction override survives, template syntax stays
text, spreadsheets get no formulas, and JSON exports are valid JSON downloads. The same meeting in
real Chromium is test_inert_browser.py."""

import csv
import html
import io
import json

import pytest

from tests.security.poison import (
    FORMULA,
    IDEA,
    MEMBER,
    RAW,
    RTL,
    SCRIPT,
    TEMPLATE,
    Poisoned,
    drawn,
    ended_meeting_with_follow_up,
    poisoned_meeting,
)
from tests.support.phone import cookie_header

pytestmark = pytest.mark.anyio

ESCAPED = html.escape(SCRIPT, quote=False)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="module")
async def poisoned(server):
    p = await poisoned_meeting(server)
    yield p
    await p.close()


def check_inert(name: str, body: str) -> None:
    for raw in RAW:
        assert raw not in body, (name, raw, body[max(0, body.find(raw) - 200): body.find(raw) + 200])


async def page(p: Poisoned, path: str, cookies: dict[str, str]) -> str:
    response = await p.http.get(p.staff.base + path, headers=cookie_header(cookies))
    assert response.status_code == 200, (path, response.status_code)
    assert "text/html" in response.headers["content-type"]
    return response.text


async def test_live_pages_and_every_socket_frame_show_hostile_text_as_text(poisoned: Poisoned):
    p, e = poisoned, poisoned.everyone
    code, f = p.code, e.facilitator.cookies
    pages = {
        "console": (f"/r/{code}/console", f),
        "board": (f"/r/{code}/board", e.board.cookies),
        "phone": (f"/r/{code}", e.phone.cookies),
        "scribe list": (f"/r/{code}/scribe", f),
        "scribe for": (f"/r/{code}/scribe/{e.scribed}", f),
        "round form": (f"/r/{code}/console/rounds/0", f),
        **{f"sheet {i}": (f"/r/{code}/sheets/{i}", f) for i in range(9)},
        "meetings": ("/staff", p.staff.cookies),
        "meeting": (f"/staff/meetings/{code}", p.staff.cookies),
        "invitees": (f"/staff/meetings/{code}/invitees", p.staff.cookies),
        "check-in": (f"/staff/meetings/{code}/checkin", p.staff.cookies),
        "letters": (f"/staff/meetings/{code}/letters", p.staff.cookies),
        "panel": ("/staff/panel?status=", p.staff.cookies),
        "member": (f"/staff/panel/{p.member_ids[MEMBER]}", p.staff.cookies),
        "composition": ("/staff/panel/composition", p.staff.cookies),
        "audit": ("/staff/audit", p.staff.cookies),
        "invitation": (f"/i/{p.token}", {}),
    }
    reached = []
    for name, (path, cookies) in pages.items():
        body = await page(p, path, cookies)
        check_inert(name, body)
        if ESCAPED in body:
            reached.append(name)
    # The hostile text was there to be shown, escaped, on the pages that show what people typed.
    for name in ("console", "phone", "round form", "sheet 0", "meetings", "member", "panel", "letters", "invitees"):
        assert name in reached, (name, reached)
    clients = [*e.clients.values(), *([p.named] if p.named else [])]
    frames = [fr.text for client in clients for fr in client.frames]
    for text in frames:
        check_inert("socket frame", text)
    shown = "\n".join(frames)
    assert ESCAPED in shown and html.escape(TEMPLATE, quote=False) in shown  # as text, not evaluated


async def test_after_the_meeting_outcome_follow_up_and_history_show_it_as_text(server, poisoned: Poisoned):
    p = poisoned
    code = await ended_meeting_with_follow_up(server, p)
    for name, path, cookies in (
        ("outcome", f"/staff/meetings/{code}", p.staff.cookies),
        ("history", f"/i/{p.token}/history", {}),
        ("board", f"/r/{code}/board", p.everyone.board.cookies),
    ):
        body = await page(p, path, cookies)
        check_inert(name, body)
    assert ESCAPED in await page(p, f"/staff/meetings/{code}", p.staff.cookies)


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=";") for cell in row]


async def test_exports_neutralise_formulas_and_json_stays_json(server, poisoned: Poisoned):
    p = poisoned
    draw = await drawn(server, p)
    assert (await p.staff.post(f"/staff/meetings/{draw}/draw/seed", {"seed": "042"})).status_code == 303
    exports = {
        "outcome.csv": f"/staff/meetings/{p.code}/outcome.csv",
        "invitations.csv": f"/staff/meetings/{p.code}/invitations.csv",
        "panel export.csv": "/staff/panel/export.csv",
        "chances.csv": f"/staff/meetings/{draw}/draw/chances.csv",
    }
    for name, path in exports.items():
        response = await p.staff.get(path)
        assert response.status_code == 200 and "attachment" in response.headers["content-disposition"], name
        found = cells(response.text)
        assert found, name
        risky = [c for c in found if c.startswith(FORMULA_START)]
        assert not risky, (name, risky[:5])
        assert any(c == "'" + FORMULA for c in found), (name, "the formula was there, kept as text")
        assert RTL not in response.text, name
    for name, path in {
        "outcome.json": f"/staff/meetings/{p.code}/outcome.json",
        "member.json": f"/staff/panel/{p.member_ids[MEMBER]}/export.json",
        "draw document.json": f"/staff/meetings/{draw}/draw/document.json",
    }.items():
        response = await p.staff.get(path)
        assert response.status_code == 200, name
        assert response.headers["content-type"].startswith("application/json"), name
        assert "attachment" in response.headers["content-disposition"], name  # downloaded, never shown as a page
        json.loads(response.text)
    outcome = json.loads((await p.staff.get(exports["outcome.csv"].replace(".csv", ".json"))).text)
    texts = [i["text"] for r in outcome["outcome"]["rounds"] for i in r["ideas"]]
    assert IDEA.replace(RTL, "") in texts  # kept exactly as typed, less the direction override
