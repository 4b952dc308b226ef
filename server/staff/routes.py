"""Ended meetings and their outcomes, for municipal staff."""

from litestar import Request, get
from litestar.response import Redirect, Template

from server.auth import make_cookie
from server.pages import page
from server.store.records import Meeting, Outcome
from server.tokens import derive, same

STAFF_COOKIE = "ip_staff"


def staff_key(secret_key: str) -> str:
    return derive(secret_key, "staff")


def _allowed(request: Request) -> bool:
    cookie = request.cookies.get(STAFF_COOKIE, "")
    return bool(cookie) and same(cookie, staff_key(request.app.state.settings.secret_key))


@get("/staff", name="staff-meetings")
async def meetings(request: Request, key: str = "") -> Template | Redirect:
    settings = request.app.state.settings
    if key:
        if not same(key, staff_key(settings.secret_key)):
            return page(request, "home.html", error="bad_key", status_code=403)
        return Redirect("/staff", status_code=303, cookies=[make_cookie(STAFF_COOKIE, key, settings)])
    if not _allowed(request):
        return page(request, "home.html", error="bad_key", status_code=403)
    store = request.app.state.store
    all_meetings = sorted(await store.list(Meeting), key=lambda m: m.created_at, reverse=True)
    return page(request, "staff/meetings.html", meetings=all_meetings)


@get("/staff/meetings/{code:str}", name="staff-outcome")
async def outcome(request: Request, code: str) -> Template:
    if not _allowed(request):
        return page(request, "home.html", error="bad_key", status_code=403)
    store = request.app.state.store
    meeting = await store.get(Meeting, code)
    result = await store.get(Outcome, code)
    if meeting is None:
        return page(request, "home.html", error="no_meeting", status_code=404)
    return page(request, "staff/outcome.html", meeting=meeting, outcome=result)


ROUTES = [meetings, outcome]
