from litestar import Request, get
from litestar.response import Template

from server.meetings.follow_up import STATUSES, follow_ups, item_text
from server.meetings.invitations import invitation_of, token_for
from server.meetings.routes import find_invitation
from server.pages import page
from server.store.records import HistoryEntry, Meeting, Outcome


@get("/i/{token:str}/history", name="member-history")
async def history(request: Request, token: str) -> Template:
    store = request.app.state.store
    found = await find_invitation(request, token)
    if isinstance(found, Template):
        return found
    invitation, member, _ = found
    entries = await store.list(HistoryEntry, prefix=f"{invitation.member}/")
    entries.sort(key=lambda e: e.date, reverse=True)
    done = {e.meeting: await follow_ups(store, e.meeting) for e in entries}
    # Follow-ups of whole rounds (a proposal, a poll), with the round's title.
    rounds = {}
    for e in entries:
        outcome = await store.get(Outcome, e.meeting)
        rounds[e.meeting] = [
            (item_text(outcome, item), f) for item, f in done[e.meeting].items() if outcome and item.startswith("round-")
        ]
    # A published survey's results are reached with the member's link to that survey.
    key = request.app.state.settings.secret_key
    published = {}
    for e in entries:
        meeting = await store.get(Meeting, e.meeting) if e.survey else None
        invitation_there = await invitation_of(store, e.meeting, invitation.member) if meeting and meeting.published_at else None
        if invitation_there is not None:
            published[e.meeting] = token_for(key, invitation_there.id)
    return page(request, "members/history.html", member=member, entries=entries, token=token,
                follow_ups=done, round_follow_ups=rounds, statuses=STATUSES, published=published)


ROUTES = [history]
