"""Pages of a meeting: join by code or invitation, the phone, the board and the console."""

import secrets
from typing import Annotated

import msgspec
import segno
from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from rooms import Join, Rejection
from rooms.actors import SYSTEM
from rooms.rejection import N_
from server.auth import (
    identify,
    invitation_seat,
    key_matches,
    make_cookie,
    participant,
    role_cookie_name,
    seat_cookie_name,
)
from server.i18n import DEFAULT_LANGUAGE, LANGUAGES, translator
from server.meetings.formats import FORMATS
from server.meetings.invitations import answer, link_problem
from server.pages import language_of, page
from server.panel.fields import Invalid, parse_text
from server.realtime.connection import Audience
from server.store.records import Invitation, Meeting, Member, Seat
from server.tokens import derive, hash_token, normalise_join_code

NO_SUCH_MEETING = "no_meeting"
TOO_MANY_GUESSES = "too_many_guesses"


class JoinForm(msgspec.Struct):
    join_nonce: str = ""
    name: str = ""


Form = Annotated[JoinForm, Body(media_type=RequestEncodingType.URL_ENCODED)]


def _state(request: Request):
    return request.app.state


def join_url(request: Request, code: str) -> str:
    return f"{_state(request).settings.base_url}/j/{code}"


@get("/", name="home")
async def home(request: Request, code: str = "", error: str = "") -> Template:
    return page(request, "home.html", code=code, error=error)


def _address(request: Request) -> str:
    # Behind a proxy, uvicorn puts the client's own address here (FORWARDED_ALLOW_IPS).
    return request.client.host if request.client else ""


def _slow_down(request: Request) -> Template | None:
    """The refusal for an address that has guessed wrong too often this minute, if it has."""
    guesses = _state(request).guesses
    address = _address(request)
    if not guesses.blocked(address):
        return None
    return page(request, "home.html", error=TOO_MANY_GUESSES, status_code=429,
                headers={"Retry-After": str(guesses.retry_after(address))})


@get("/join", name="join-by-code")
async def join_by_code(request: Request, code: str = "") -> Redirect | Template:
    if (refused := _slow_down(request)) is not None:
        return refused
    normalised = normalise_join_code(code)
    if normalised and await _state(request).store.get(Meeting, normalised) is not None:
        return Redirect(f"/j/{normalised}", status_code=303)
    _state(request).guesses.wrong(_address(request))
    return page(request, "home.html", code=code, error=NO_SUCH_MEETING, status_code=404)


async def _meeting_or_404(request: Request, code: str) -> Meeting | Template:
    """Every page that looks a meeting up by its code: a wrong code counts as a guess. A survey
    is answered by personal link only, never joined by its code."""
    if (refused := _slow_down(request)) is not None:
        return refused
    meeting = await _state(request).store.get(Meeting, code)
    if meeting is None:
        _state(request).guesses.wrong(_address(request))
        return page(request, "home.html", code=code, error=NO_SUCH_MEETING, status_code=404)
    if meeting.survey:
        return page(request, "home.html", code=code, error="survey_by_link", status_code=403)
    return meeting


@get("/j/{code:str}", name="join")
async def join_page(request: Request, code: str) -> Template | Redirect:
    meeting = await _meeting_or_404(request, code)
    if isinstance(meeting, Template):
        return meeting
    store = _state(request).store
    if await participant(store, code, request.cookies.get(seat_cookie_name(code))):
        return Redirect(f"/r/{code}", status_code=303)
    return page(request, "join.html", meeting=meeting, join_nonce=secrets.token_urlsafe(16))


async def _seat(request: Request, code: str, secret: str, pid: str, name: str, member: str | None):
    """Admit a participant: the join event first (durable), then the seat that finds it again."""
    state = _state(request)
    result = await state.hub.execute(code, Join(pid=pid, name=name, member=member), SYSTEM)
    if result is None or isinstance(result, Rejection):
        return result
    await state.store.put(Seat(secret_hash=hash_token(secret), room=code, pid=pid))
    return Redirect(
        f"/r/{code}",
        status_code=303,
        cookies=[make_cookie(seat_cookie_name(code), secret, state.settings)],
    )


@post("/j/{code:str}", name="join-post")
async def join_post(request: Request, code: str, data: Form) -> Redirect | Template:
    meeting = await _meeting_or_404(request, code)
    if isinstance(meeting, Template):
        return meeting
    if not data.join_nonce or len(data.join_nonce) > 64:
        return Redirect(f"/j/{code}", status_code=303)
    # Derived from the form's one-off nonce, so pressing the button twice joins once.
    key = _state(request).settings.secret_key
    secret = derive(key, f"seat:{code}:{data.join_nonce}")
    pid = derive(key, f"pid:{code}:{data.join_nonce}")[:12]
    result = await _seat(request, code, secret, pid, data.name, None)
    if isinstance(result, Redirect):
        return result
    return page(
        request, "join.html", meeting=meeting, join_nonce=data.join_nonce, name=data.name,
        rejection=result, status_code=400,
    )


async def find_invitation(request: Request, token: str) -> tuple[Invitation, Member | None, Meeting] | Template:
    """The invitation behind a link, or the page that says why the link does not work (a wrong
    link counts as a guess; a withdrawn or expired one says so)."""
    if (refused := _slow_down(request)) is not None:
        return refused
    state = _state(request)
    invitation = await state.store.get(Invitation, hash_token(token))
    meeting = await state.store.get(Meeting, invitation.meeting) if invitation else None
    if invitation is None or meeting is None:
        state.guesses.wrong(_address(request))
        return page(request, "home.html", error="bad_invitation", status_code=404)
    problem = link_problem(invitation, meeting, state.settings.invitation_grace_days)
    if problem is not None:
        return page(request, "home.html", error=problem, status_code=410)
    return invitation, await state.store.get(Member, invitation.member), meeting


@get("/i/{token:str}", name="invitation")
async def invitation_page(request: Request, token: str, answered: str = "") -> Template | Redirect:
    found = await find_invitation(request, token)
    if isinstance(found, Template):
        return found
    invitation, member, meeting = found
    if meeting.survey:
        return Redirect(f"/i/{token}/survey", status_code=303)
    joined = await participant(_state(request).store, meeting.code, request.cookies.get(seat_cookie_name(meeting.code)))
    return page(request, "invitation.html", meeting=meeting, member=member, token=token,
                invitation=invitation, joined=joined is not None, answered=bool(answered))


@post("/i/{token:str}/answer", name="invitation-answer")
async def invitation_answer(request: Request, token: str) -> Template | Redirect:
    found = await find_invitation(request, token)
    if isinstance(found, Template):
        return found
    invitation, member, meeting = found
    if meeting.survey:
        return Redirect(f"/i/{token}/survey", status_code=303)
    form = await request.form()
    coming = str(form.get("coming", ""))
    try:
        needs = parse_text(str(form.get("accessibility", "")), 500)
        dietary = parse_text(str(form.get("dietary", "")), 300)
    except Invalid:
        coming = ""
    if coming not in ("yes", "no"):
        return page(request, "invitation.html", meeting=meeting, member=member, token=token,
                    invitation=invitation, joined=False, problem=True, status_code=400)
    await answer(_state(request).store, invitation, coming == "yes", needs, dietary)
    return Redirect(f"/i/{token}?answered=1", status_code=303)


@post("/i/{token:str}", name="invitation-post")
async def invitation_join(request: Request, token: str) -> Template | Redirect:
    found = await find_invitation(request, token)
    if isinstance(found, Template):
        return found
    invitation, member, meeting = found
    if meeting.survey:
        return Redirect(f"/i/{token}/survey", status_code=303)
    secret, pid = invitation_seat(token, meeting.code)
    result = await _seat(request, meeting.code, secret, pid, "", invitation.member)
    if isinstance(result, Redirect):
        return result
    return page(request, "invitation.html", meeting=meeting, member=member, token=token,
                rejection=result, status_code=400)


@get("/r/{code:str}", name="participant")
async def participant_page(request: Request, code: str) -> Template | Redirect:
    state = _state(request)
    actor = await participant(state.store, code, request.cookies.get(seat_cookie_name(code)))
    if actor is None:
        return Redirect(f"/j/{code}", status_code=303)
    live = await state.hub.room(code)
    if live is None:
        return Redirect("/", status_code=303)
    language = language_of(request)
    me = live.state.participants.get(actor.pid)
    return page(
        request, "room/participant.html", room=live.state, me=me,
        view=state.views.participant(live.state, actor, language),
    )


async def _role_page(request: Request, code: str, key: str, audience: Audience) -> Template | Redirect:
    state = _state(request)
    meeting = await _meeting_or_404(request, code)
    if isinstance(meeting, Template):
        return meeting
    path = f"/r/{code}/{'board' if audience is Audience.BOARD else 'console'}"
    if key:
        # Keep the key out of the address bar and history: move it into a cookie.
        if not key_matches(meeting, audience, key):
            return page(request, "home.html", error="bad_key", status_code=403)
        return Redirect(path, status_code=303,
                        cookies=[make_cookie(role_cookie_name(code, audience), key, state.settings)])
    if await identify(state.store, code, audience, request.cookies) is None:
        return page(request, "home.html", error="bad_key", status_code=403)
    live = await state.hub.room(code)
    if live is None:
        return Redirect("/", status_code=303)
    language = language_of(request) if audience is Audience.FACILITATOR else live.state.language
    template = "room/board.html" if audience is Audience.BOARD else "room/console.html"
    return page(
        request, template, room=live.state, join_url=join_url(request, code), formats=FORMATS,
        qr=qr_svg(join_url(request, code), translator(language).gettext(N_("QR code to join the meeting"))),
        view=state.views.shared(audience, live.state, language),
    )


def qr_svg(url: str, title: str) -> str:
    qr = segno.make(url, error="m")
    return qr.svg_inline(scale=1, border=2, title=title, svgclass="qr", lineclass=None, omitsize=True)


@get("/r/{code:str}/board", name="board")
async def board_page(request: Request, code: str, key: str = "") -> Template | Redirect:
    return await _role_page(request, code, key, Audience.BOARD)


@get("/r/{code:str}/console", name="console")
async def console_page(request: Request, code: str, key: str = "") -> Template | Redirect:
    return await _role_page(request, code, key, Audience.FACILITATOR)


@get("/lang", name="language")
async def switch_language(request: Request, to: str = "nb", next: str = "/") -> Redirect:
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    settings = _state(request).settings
    cookie = make_cookie("lang", to if to in LANGUAGES else DEFAULT_LANGUAGE, settings)
    cookie.max_age = 60 * 60 * 24 * 365
    return Redirect(target, status_code=303, cookies=[cookie])


ROUTES = [
    home, join_by_code, join_page, join_post, invitation_page, invitation_answer, invitation_join,
    participant_page, board_page, console_page, switch_language,
]
