from litestar import Request, get
from litestar.response import Template

from server.pages import page
from server.store.records import HistoryEntry, Invitation, Member
from server.tokens import hash_token


@get("/i/{token:str}/history", name="member-history")
async def history(request: Request, token: str) -> Template:
    store = request.app.state.store
    invitation = await store.get(Invitation, hash_token(token))
    if invitation is None:
        return page(request, "home.html", error="bad_invitation", status_code=404)
    member = await store.get(Member, invitation.member)
    entries = await store.list(HistoryEntry, prefix=f"{invitation.member}/")
    entries.sort(key=lambda e: e.date, reverse=True)
    return page(request, "members/history.html", member=member, entries=entries, token=token)


ROUTES = [history]
