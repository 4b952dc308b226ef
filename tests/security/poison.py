"""A meeting whose every typed-in text is hostile: names, ideas, questions, statements, themes,
reasons, round titles, meeting titles, member names and needs, answers to invitations, follow-up
explanations. Built over real HTTP and sockets, as people would type them; used to check that all
of it renders inert on every screen and export (test_inert.py, test_inert_browser.py)."""

import asyncio
import html
import re
from dataclasses import dataclass, field

import httpx

from tests.support.cast import Cast, cast
from tests.support.phone import Client, _cookies, _form_post, cookie_header, http_client, join_with_code
from tests.support.staff import Staff

# Markup that would run if any page or fragment took it for HTML. Each fits the field it goes in.
SCRIPT = "<script>window.pwned=1</script>"
IMG = '<img src=x onerror="window.pwned=1">'
SVG = '<svg onload="window.pwned=1">'
TEMPLATE = "{{ 7*7 }}"
RTL = "\u202e"
IDEA = f"{SCRIPT}{IMG} {TEMPLATE} {RTL}javascript:window.pwned=1"
FORMULA = '=HYPERLINK("http://evil.example","klikk")'
NAME = "<b onmouseover=x>Eva</b>"  # 24 characters: a participant name is at most 40
THEME = '<img src=x onerror="window.pwned=1">'  # 36: a theme is at most 60
MEMBER = f"{SCRIPT}Kari"
RAW = (SCRIPT, "<img src=x", "<svg onload", "<b onmouseover", RTL)  # must never reach a page as is
CSV_HEADER = "navn;epost;telefon;fødselsår;kjønn;delområde;innvandringsbakgrunn;språk;tilrettelegging;samtykkeversjon;samtykkedato\n"
GENDERS = ["kvinne", "mann"]
BACKGROUNDS = ["innvandrer", "ingen", "ingen", "norskfødt med innvandrerforeldre"]


def panel_csv(n: int) -> bytes:
    """n members for a fair draw; the first few with hostile names and needs."""
    hostile = [MEMBER, FORMULA, "+47 Ola", "-2+3 Nils", "@SUM(A1) Per"]
    rows = []
    for i in range(n):
        name = hostile[i] if i < len(hostile) else f"Medlem {i}"
        needs = SVG if i == 0 else ""
        rows.append(f'"{name.replace(chr(34), chr(34) * 2)}";;;{1940 + (i * 7) % 65};{GENDERS[i % 2]};{320101 + (i * 5) % 22};{BACKGROUNDS[i % 4]};bokmål;{needs};v1;\n')
    return (CSV_HEADER + "".join(rows)).encode("utf-8")


def form_values(page: str) -> dict[str, str]:
    """What a browser would send back from a page's form: inputs, text areas, ticked boxes."""
    values: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or ('type="checkbox"' in tag and "checked" not in tag):
            continue
        value = re.search(r'value="([^"]*)"', tag)
        values[name.group(1)] = html.unescape(value.group(1)) if value else ("on" if 'type="checkbox"' in tag else "")
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        values[name] = html.unescape(text)
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', options)
        values[name] = html.unescape(chosen.group(1)) if chosen else ""
    return values


@dataclass
class Poisoned:
    everyone: Cast
    staff: Staff
    http: httpx.AsyncClient
    named: Client | None = None  # the phone with a hostile name (closed; its frames are kept)
    member_ids: dict[str, str] = field(default_factory=dict)  # name -> id
    token: str = ""  # an invited member's link token

    @property
    def code(self) -> str:
        return self.everyone.code

    async def close(self) -> None:
        await self.everyone.close()
        await self.http.aclose()


async def poisoned_meeting(server) -> Poisoned:
    http = http_client(timeout=60)
    everyone = await cast(server, members=1)
    staff_links = everyone.links
    staff_cookies: dict[str, str] = {}
    login = await _form_post(http, staff_links["staff"], staff_cookies, {"username": staff_links["staff_username"], "password": staff_links["staff_password"]})
    assert login.status_code == 303
    staff = Staff(http, server.base, staff_cookies)
    made = await staff.upload(panel_csv(40))
    assert "40 medlemmer importert" in made.text, made.text[-2000:]
    panel = (await staff.get("/staff/panel?status=")).text
    ids = dict((html.unescape(name), mid) for mid, name in re.findall(r'href="/staff/panel/(m[0-9a-f]+)">([^<]*)<', panel))
    p = Poisoned(everyone, staff, http, member_ids=ids)

    code, f = everyone.code, everyone.facilitator
    # A meeting title and a round title typed by staff.
    meeting = await staff.post("/staff/meetings/new", {"title": f"{SCRIPT} Møte", "date": "2027-03-01", "time": "18:00", "format": "brainwriting", "language": "nb", "place": IMG, "description": TEMPLATE})
    assert meeting.status_code == 303
    edit = await http.get(f"{server.base}/r/{code}/console/rounds/0", headers=cookie_header(f.cookies))
    values = form_values(edit.text) | {"f_title": f"{SCRIPT} Runde", "f_prompt": f"{IMG} {TEMPLATE}"}
    cookies = dict(f.cookies)
    _cookies(edit, cookies)
    saved = await http.post(f"{server.base}/r/{code}/console/rounds/0", data=values, headers=cookie_header(cookies))
    assert saved.status_code == 303, saved.text[-1500:]
    # Hostile members are invited and answer with hostile needs.
    assert (await staff.post(f"/staff/meetings/{code}/invite", {"member": [ids[MEMBER], ids[FORMULA]]})).status_code == 303
    letters = (await staff.get(f"/staff/meetings/{code}/letters")).text
    p.token = re.findall(r"/i/([0-9a-f]{32})", letters)[0]
    answer_cookies: dict[str, str] = {}
    page = await http.get(f"{server.base}/i/{p.token}")
    _cookies(page, answer_cookies)
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    answered = await http.post(f"{server.base}/i/{p.token}/answer", data={"coming": "yes", "accessibility": IMG, "dietary": FORMULA, "_csrf_token": token}, headers=cookie_header(answer_cookies))
    assert answered.status_code == 303
    # In the room: a hostile name, ideas, a theme, questions, statements, reasons.
    named = await (await join_with_code(http, server.base, code, NAME)).connect()
    await named.wait_for(lambda c: c.view != "")
    await f.command("start_round", round=0)
    for client, text in ((everyone.phone, IDEA), (named, FORMULA), (everyone.scribe, f"{SVG} fra papir")):
        assert (await client.command("post_idea", text=text, round=0)).result == ("ok", None)
    assert (await f.command("add_theme", name=THEME, round=0)).result == ("ok", None)
    await f.command("start_round", round=1)
    await f.command("reveal", round=1)
    await f.command("start_round", round=4)
    assert (await everyone.phone.command("consent", level=4, reason=IDEA, round=4)).result == ("ok", None)
    await f.command("reveal", round=4)
    await f.command("start_round", round=7)
    assert (await everyone.invited.command("ask", text=IDEA, round=7)).result == ("ok", None)
    await f.command("start_round", round=8)
    assert (await everyone.phone.command("add_statement", text=f"{SCRIPT} påstand", round=8)).result == ("ok", None)
    await f.wait_for(lambda c: "påstand" in c.view)
    waiting = re.search(r'name="item" value="([^"]+)">[^<]*<button[^>]*>[^<]*<span class="ds-sr-only"> [^<]*påstand', f.view)
    if waiting:
        await f.command("approve", item=waiting.group(1), round=8)
    await named.close()
    p.named = named
    return p


async def ended_meeting_with_follow_up(server, p: Poisoned) -> str:
    """The poisoned room ended: its outcome, histories and a hostile follow-up explanation."""
    code = p.code
    assert (await p.everyone.facilitator.command("end_meeting", confirm="yes")).result == ("ok", None)
    page = (await p.staff.get(f"/staff/meetings/{code}")).text
    item = re.search(r'name="item" value="(r0i\d+)"', page)
    assert item, page[-2000:]
    done = await p.staff.post(f"/staff/meetings/{code}/follow-up", {"item": item.group(1), "status": "adopted", "explanation": f"{IMG} {FORMULA}", "decided_on": "2027-01-01"})
    assert done.status_code == 303
    return code


async def drawn(server, p: Poisoned) -> str:
    """A meeting with its lottery computed over the hostile panel (for the chances export)."""
    links = server.demo(members=0)
    meeting = f"/staff/meetings/{links['code']}"
    # demo() gave the demo administrator a new password: log in again.
    fresh: dict[str, str] = {}
    assert (await _form_post(p.http, links["staff"], fresh, {"username": links["staff_username"], "password": links["staff_password"]})).status_code == 303
    p.staff.cookies = fresh
    await p.staff.post(f"{meeting}/draw/setup", {"invite": "10", "history": "yes"})
    assert (await p.staff.post(f"{meeting}/draw/lottery")).status_code == 303
    for _ in range(300):
        progress = await p.staff.get(f"{meeting}/draw/progress")
        if "hx-redirect" in progress.headers:
            return links["code"]
        await asyncio.sleep(0.5)  # the page polls the same way; the lottery runs in another process
    raise AssertionError("the lottery was not computed")
