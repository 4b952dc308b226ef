"""Pages for taking part without a phone: table host links, the scribe's list of people, entering
for one person, and printable round sheets a person can fill in by hand."""

import secrets

from litestar import Request, get, post
from litestar.response import Redirect, Template
from rooms import Actor, Rejection, Role
from rooms.actors import FACILITATOR
from rooms.commands import AddHost, AddPerson
from rooms.rejection import N_
from rooms.scribes import may_scribe, people_without_phone

from server.auth import acting_for, host_cookie_name, identify, make_cookie, scribe
from server.i18n import translator
from server.meetings.routes import qr_svg
from server.pages import language_of, page
from server.realtime.connection import Audience
from server.realtime.live_room import LiveRoom
from server.store.records import HostKey
from server.tokens import derive, hash_token, new_token

NOT_A_HOST = "not_host"


async def _scribe_room(request: Request, code: str) -> tuple[Actor, LiveRoom] | Template:
    """The scribe behind this request and the live room, or the page that says why not."""
    state = request.app.state
    found = await scribe(state.store, code, request.cookies)
    live = await state.hub.room(code) if found else None
    if found is None or live is None:
        return page(request, "home.html", error="bad_key", status_code=403)
    actor = found[0]
    if actor.role is Role.HOST and actor.scribe not in live.state.hosts:
        return page(request, "room/people.html", room=live.state, removed=True, status_code=403)
    return actor, live


def _table_of(actor: Actor, live: LiveRoom) -> int:
    """The table a host looks after (0: every table, as for the facilitator)."""
    return live.state.hosts.get(actor.scribe or "", 0) if actor.role is Role.HOST else 0


def _people(request: Request, actor: Actor, live: LiveRoom, problem: str = "", name: str = "", status: int = 200) -> Template:
    table = _table_of(actor, live)
    return page(
        request, "room/people.html", room=live.state, table=table, host=actor.role is Role.HOST,
        people=people_without_phone(live.state, table), form_nonce=secrets.token_urlsafe(16),
        problem=problem, typed_name=name, status_code=status,
    )


def _refusal(request: Request, result: Rejection | None) -> str:
    _ = translator(language_of(request))
    return _(result.message, **result.params) if result else _("That could not be saved. Please try again.")


def _table_field(value: object) -> int:
    try:
        return int(str(value or "0"))
    except ValueError:
        return -1  # refused by the room, with its own message


@get("/r/{code:str}/scribe", name="scribe-people")
async def people_page(request: Request, code: str) -> Template:
    found = await _scribe_room(request, code)
    return found if isinstance(found, Template) else _people(request, *found)


@post("/r/{code:str}/scribe", name="scribe-add-person")
async def add_person(request: Request, code: str) -> Template | Redirect:
    found = await _scribe_room(request, code)
    if isinstance(found, Template):
        return found
    actor, live = found
    form = await request.form()
    form_nonce = str(form.get("form_nonce", ""))[:64]
    # From the form's one-off nonce: pressing the button twice adds the person once.
    pid = derive(request.app.state.settings.secret_key, f"person:{code}:{form_nonce}")[:12]
    name = str(form.get("name", ""))
    command = AddPerson(pid=pid, name=name, table=_table_field(form.get("table")))
    result = await request.app.state.hub.execute(code, command, actor)
    if isinstance(result, Rejection) or result is None:
        return _people(request, actor, live, _refusal(request, result), name, 400)
    return Redirect(f"/r/{code}/scribe/{pid}", status_code=303)


@get("/r/{code:str}/scribe/{pid:str}", name="scribe-for")
async def scribe_for(request: Request, code: str, pid: str) -> Template:
    found = await _scribe_room(request, code)
    if isinstance(found, Template):
        return found
    actor, live = found
    person = live.state.participants.get(pid)
    if person is None or not person.scribed:
        return page(request, "error.html", status=404, status_code=404)
    entering = acting_for(actor, pid, request.app.state.settings.secret_key, code)
    if (problem := may_scribe(live.state, entering)) is not None:
        # A host's page for someone at another table would show that person's answers.
        return page(request, "error.html", status=403, status_code=403, message=_refusal(request, problem))
    views = request.app.state.views
    return page(
        request, "room/scribe.html", room=live.state, person=person,
        view=views.scribe(live.state, entering, language_of(request)),
    )


@post("/r/{code:str}/console/hosts", name="add-host")
async def add_host(request: Request, code: str) -> Template | Redirect:
    state = request.app.state
    if await identify(state.store, code, Audience.FACILITATOR, request.cookies) is None:
        return page(request, "home.html", error="bad_key", status_code=403)
    table = _table_field((await request.form()).get("table"))
    key = new_token()
    host = secrets.token_hex(4)
    result = await state.hub.execute(code, AddHost(host=host, table=table), FACILITATOR)
    if result is None or isinstance(result, Rejection):
        return page(request, "error.html", status=400, status_code=400, message=_refusal(request, result))
    await state.store.put(HostKey(key_hash=hash_token(key), room=code, host=host))
    link = f"{state.settings.base_url}/r/{code}/host?key={key}"
    title = translator(language_of(request)).gettext(N_("QR code for the table host's device"))
    return page(request, "room/host_link.html", code=code, table=table, link=link, qr=qr_svg(link, title))


@get("/r/{code:str}/host", name="host")
async def host_link(request: Request, code: str, key: str = "") -> Template | Redirect:
    found = await request.app.state.store.get(HostKey, hash_token(key)) if key else None
    if found is None or found.room != code:
        return page(request, "home.html", error="bad_key", status_code=403)
    # Keep the key out of the address bar and history: move it into a cookie.
    cookie = make_cookie(host_cookie_name(code), key, request.app.state.settings)
    return Redirect(f"/r/{code}/scribe", status_code=303, cookies=[cookie])


@get("/r/{code:str}/sheets/{index:int}", name="round-sheet")
async def round_sheet(request: Request, code: str, index: int) -> Template:
    found = await _scribe_room(request, code)
    if isinstance(found, Template):
        return found
    live = found[1]
    rnd = live.state.round(index)
    if rnd is None:
        return page(request, "error.html", status=404, status_code=404)
    views = request.app.state.views
    return page(request, "room/sheet.html", room=live.state, rnd=rnd, **views.helpers)


ROUTES = [people_page, add_person, scribe_for, add_host, host_link, round_sheet]
