"""Meetings for staff: creating them, inviting members, letters, answers, check-in, outcome."""

import csv
import io
from datetime import date

import msgspec
import segno
from litestar import Request, get, post
from litestar.response import Redirect, Response, Template

from rooms import Rejection
from rooms.actors import FACILITATOR, SYSTEM
from rooms.commands import AddPerson, SetRecap
from rooms.events import RecapLine
from rooms.people import MAX_NAME_LENGTH
from rooms.rejection import N_
from server.audit import record
from server.i18n import LANGUAGES, oslo_moment, translator
from server.meetings.follow_up import STATUSES, follow_ups, item_text, record_follow_up
from server.meetings.formats import FORMATS
from server.meetings.invitations import check_in, invitations_to, invite, revoke, token_for
from server.meetings.service import MeetingRefused, create_meeting, demo_plan
from server.pages import language_of, page
from server.panel import fields as f
from server.panel.composition import compare
from server.panel.csv_io import spreadsheet_safe
from server.panel.filters import choices, matches
from server.staff.accounts import Role, staff_or_refusal
from server.store.records import HistoryEntry, Invitation, Meeting, Member, Outcome, StaffUser
from server.surveys.staff_routes import survey_page
from server.tokens import derive


async def _meeting(request: Request, code: str, user: StaffUser) -> Meeting | Template:
    meeting = await request.app.state.store.get(Meeting, code)
    if meeting is None:
        return page(request, "error.html", status=404, status_code=404, user=user)
    return meeting


@get("/staff", name="staff-meetings")
async def meetings(request: Request) -> Template | Redirect:
    user = await staff_or_refusal(request, Role.FACILITATOR)
    if not isinstance(user, StaffUser):
        return user
    store = request.app.state.store
    all_meetings = sorted(await store.list(Meeting), key=lambda m: m.starts_at or m.created_at, reverse=True)
    return page(request, "staff/meetings.html", user=user, meetings=all_meetings)


@get("/staff/meetings/new", name="meeting-new")
async def new_meeting(request: Request) -> Template | Redirect:
    user = await staff_or_refusal(request, Role.COORDINATOR)
    if not isinstance(user, StaffUser):
        return user
    return page(request, "staff/meeting_new.html", user=user, formats=FORMATS, values={"language": "nb"})


@post("/staff/meetings/new", name="meeting-create")
async def create(request: Request) -> Template | Redirect:
    user = await staff_or_refusal(request, Role.COORDINATOR)
    if not isinstance(user, StaffUser):
        return user
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    language = form.get("language") if form.get("language") in LANGUAGES else "nb"
    starts_at = oslo_moment(form.get("date", ""), form.get("time", ""), "18:00")
    problems = []
    if not form.get("title", "").strip():
        problems.append("title")
    if starts_at is None:
        problems.append("date")
    chosen = FORMATS.get(form.get("format", ""))
    plan = chosen.build(translator(language)) if chosen else demo_plan()
    if not problems:
        try:
            created = await create_meeting(
                request.app.state.store, request.app.state.settings.secret_key, form["title"], plan,
                language=language, starts_at=starts_at, place=f.parse_text(form.get("place", ""), 200),
                description=f.parse_text(form.get("description", ""), 2000),
            )
        except (MeetingRefused, f.Invalid):
            problems.append("title")
        else:
            await record(request.app.state.store, user.username, "create_meeting", created.code)
            return Redirect(f"/staff/meetings/{created.code}", status_code=303)
    return page(request, "staff/meeting_new.html", user=user, formats=FORMATS, values=form, problems=problems, status_code=400)


async def _people(request: Request, meeting: Meeting) -> list[tuple[Invitation, Member]]:
    store = request.app.state.store
    members = {m.id: m for m in await store.list(Member)}
    pairs = [(i, members[i.member]) for i in await invitations_to(store, meeting.code) if i.member in members]
    return sorted(pairs, key=lambda pair: pair[1].name.casefold())


@get("/staff/meetings/{code:str}", name="staff-meeting")
async def meeting_page(request: Request, code: str) -> Template | Redirect:
    user = await staff_or_refusal(request, Role.FACILITATOR)
    if not isinstance(user, StaffUser):
        return user
    meeting = await _meeting(request, code, user)
    if isinstance(meeting, Template):
        return meeting
    if meeting.survey:
        return await survey_page(request, user, meeting)
    people = await _people(request, meeting)
    answers = {"yes": 0, "no": 0, "": 0}
    for invitation, _ in people:
        answers[invitation.answer] = answers.get(invitation.answer, 0) + 1
    store = request.app.state.store
    outcome = await store.get(Outcome, code)
    attendees = None
    if outcome is not None:
        came = {e.member for e in await store.list(HistoryEntry) if e.meeting == code and e.attended}
        attendees = compare([m for m in await store.list(Member) if m.id in came], date.today()) if came else None
    return page(request, "staff/meeting.html", user=user, meeting=meeting, invited=len(people), answers=answers,
                checked_in=sum(1 for i, _ in people if i.checked_in_at), outcome=outcome, attendees=attendees,
                follow_ups=await follow_ups(store, code), statuses=STATUSES)


@post("/staff/meetings/{code:str}/follow-up", name="meeting-follow-up")
async def follow_up(request: Request, code: str) -> Template | Redirect:
    user = await staff_or_refusal(request, Role.COORDINATOR)
    if not isinstance(user, StaffUser):
        return user
    meeting = await _meeting(request, code, user)
    if isinstance(meeting, Template):
        return meeting
    store = request.app.state.store
    outcome = await store.get(Outcome, code)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    item, status = form.get("item", ""), form.get("status", "")
    try:
        explanation = f.parse_text(form.get("explanation", ""), 1000)
        decided_on = date.fromisoformat(form["decided_on"]) if form.get("decided_on") else None
    except (f.Invalid, ValueError):
        explanation, decided_on, status = "", None, ""
    if outcome is None or status not in STATUSES or not item_text(outcome, item):
        return page(request, "error.html", status=400, status_code=400, user=user)
    await record_follow_up(store, code, item, status, explanation, decided_on, user.username)
    await record(store, user.username, "follow_up", f"{code}/{item}", ["status", "explanation", "decided_on"])
    return Redirect(f"/staff/meetings/{code}#outcome-title", status_code=303)


@post("/staff/meetings/{code:str}/recap", name="meeting-recap")
async def recap(request: Request, code: str) -> Template | Redirect:
    """Put what became of earlier meetings' outcomes on this meeting's board."""
    user = await staff_or_refusal(request, Role.COORDINATOR)
    if not isinstance(user, StaffUser):
        return user
    meeting = await _meeting(request, code, user)
    if isinstance(meeting, Template):
        return meeting
    store = request.app.state.store
    earlier = sorted(
        (m for m in await store.list(Meeting) if m.ended_at and m.code != code),
        key=lambda m: m.ended_at, reverse=True,  # type: ignore[arg-type, return-value]
    )
    lines: list[RecapLine] = []
    for past in earlier:
        outcome = await store.get(Outcome, past.code)
        if outcome is None:
            continue
        for done in (await follow_ups(store, past.code)).values():
            lines.append(RecapLine(text=item_text(outcome, done.item), status=STATUSES[done.status], explanation=done.explanation))
    result = await request.app.state.hub.execute(code, SetRecap(lines=lines), FACILITATOR)
    if isinstance(result, Rejection):
        return page(request, "error.html", status=409, status_code=409, user=user)
    return Redirect(f"/staff/meetings/{code}?recap={len(lines)}", status_code=303)


@get("/staff/meetings/{code:str}/outcome.json", name="meeting-outcome-json")
async def outcome_json(request: Request, code: str) -> Response | Template | Redirect:
    user = await staff_or_refusal(request, Role.FACILITATOR)
    if not isinstance(user, StaffUser):
        return user
    store = request.app.state.store
    outcome = await store.get(Outcome, code)
    if outcome is None:
        return page(request, "error.html", status=404, status_code=404, user=user)
    data = {"outcome": msgspec.to_builtins(outcome), "follow_up": [msgspec.to_builtins(f) for f in (await follow_ups(store, code)).values()]}
    return Response(msgspec.json.encode(data), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="resultat-{code}.json"'})


@get("/staff/meetings/{code:str}/outcome.csv", name="meeting-outcome-csv")
async def outcome_csv(request: Request, code: str) -> Response | Template | Redirect:
    user = await staff_or_refusal(request, Role.FACILITATOR)
    if not isinstance(user, StaffUser):
        return user
    store = request.app.state.store
    outcome = await store.get(Outcome, code)
    if outcome is None:
        return page(request, "error.html", status=404, status_code=404, user=user)
    done = await follow_ups(store, code)
    tr = translator(language_of(request))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["runde", "type", "tittel", "tekst", "antall", "merknad", "oppfølging"])
    for r in outcome.rounds:
        for idea in r.ideas:
            status = done.get(idea.id)
            writer.writerow(spreadsheet_safe(str(v)) for v in (r.index + 1, r.type, r.title, idea.text, "" if idea.votes is None else idea.votes, "", tr(STATUSES[status.status]) if status else ""))
        for row in r.rows:
            label = tr(row.label) if row.translate else row.label
            note = tr(row.note) if row.translate_note and row.note else row.note
            writer.writerow(spreadsheet_safe(str(v)) for v in (r.index + 1, r.type, r.title, label, "" if row.count is None else row.count, note, ""))
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="resultat-{code}.csv"'})


@get("/staff/meetings/{code:str}/invitees", name="meeting-invitees")
async def invitees(request: Request, code: str) -> Template | Redirect:
    user = await staff_or_refusal(request, Role.COORDINATOR)
    if not isinstance(user, StaffUser):
        return user
    meeting = await _meeting(request, code, user)
    if isinstance(meeting, Template):
        return meeting
    people = await _people(request, meeting)
    invited = {m.id for _, m in people}
    q = {k: str(v) for k, v in request.query_params.items() if k in ("q", "district", "gender", "background", "age")}
    q["status"] = "active"
    today = date.today()
    candidates = sorted(
        (m for m in await request.app.state.store.list(Member) if m.id not in invited and matches(m, q, today)),
        key=lambda m: m.name.casefold(),
    )
    members = {m.id: m for _, m in people} | {m.id: m for m in await request.app.state.store.list(Member)}
    withdrawn = [
        (i, members.get(i.member)) for i in await invitations_to(request.app.state.store, code, include_revoked=True)
        if i.revoked_at is not None
    ]
    return page(request, "staff/invitees.html", user=user, meeting=meeting, people=people, candidates=candidates,
                withdrawn=withdrawn, q=q, district_names=f.DISTRICT_NAMES, **choices())


@post("/staff/meetings/{code:str}/invitations/{invitation_id:str}/withdraw", name="meeting-withdraw-invitation")
async def withdraw(request: Request, code: str, invitation_id: str) -> Template | Redirect:
    """Take an invitation back: its link stops working at once (a lost letter, a mistake)."""
    user = await staff_or_refusal(request, Role.COORDINATOR)
    if not isinstance(user, StaffUser):
        return user
    store = request.app.state.store
    invitation = next((i for i in await invitations_to(store, code) if i.id == invitation_id), None)
    if invitation is None:
        return page(request, "error.html", status=404, status_code=404, user=user)
    await revoke(store, request.app.state.settings.secret_key, invitation)
    await record(store, user.username, "withdraw_invitation", f"{code}:{invitation_id}")
    return Redirect(f"/staff/meetings/{code}/invitees#withdrawn-title", status_code=303)


@post("/staff/meetings/{code:str}/invite", name="meeting-invite")
async def invite_members(request: Request, code: str) -> Template | Redirect:
    user = await staff_or_refusal(request, Role.COORDINATOR)
    if not isinstance(user, StaffUser):
        return user
    meeting = await _meeting(request, code, user)
    if isinstance(meeting, Template):
        return meeting
    store = request.app.state.store
    chosen = set((await request.form()).getall("member", []))
    members = [m for m in await store.list(Member) if m.id in chosen and m.status == "active"]
    for member in members:
        await invite(store, request.app.state.settings.secret_key, meeting, member)
    await record(store, user.username, "invite_members", f"{meeting.code}:{len(members)}")
    return Redirect(f"/staff/meetings/{code}/invitees", status_code=303)


def _qr(link: str, title: str) -> str:
    return segno.make(link, error="m").svg_inline(scale=1, border=2, title=title, svgclass="qr", lineclass=None, omitsize=True)


@get("/staff/meetings/{code:str}/letters", name="meeting-letters")
async def letters(request: Request, code: str, without_email: bool = False, not_sent: bool = False) -> Template | Redirect:
    """Letters for everyone invited, or (for survey reminders) those without e-mail who have not
    sent their answers."""
    user = await staff_or_refusal(request, Role.COORDINATOR)
    if not isinstance(user, StaffUser):
        return user
    meeting = await _meeting(request, code, user)
    if isinstance(meeting, Template):
        return meeting
    settings = request.app.state.settings
    sheets = []
    for invitation, member in await _people(request, meeting):
        if (without_email and member.email) or (not_sent and invitation.completed_at):
            continue
        # Each letter in the member's own language.
        tr = translator(member.language)
        link = f"{settings.base_url}/i/{token_for(settings.secret_key, invitation.id)}"
        sheets.append((member, link, _qr(link, tr(N_("QR code for your personal invitation"))), tr))
    return page(request, "staff/letters.html", user=user, meeting=meeting, sheets=sheets)


@get("/staff/meetings/{code:str}/invitations.csv", name="meeting-mail-merge")
async def mail_merge(request: Request, code: str) -> Response | Template | Redirect:
    user = await staff_or_refusal(request, Role.COORDINATOR)
    if not isinstance(user, StaffUser):
        return user
    meeting = await _meeting(request, code, user)
    if isinstance(meeting, Template):
        return meeting
    settings = request.app.state.settings
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["navn", "epost", "telefon", "språk", "lenke", "svar"])
    for invitation, member in await _people(request, meeting):
        link = f"{settings.base_url}/i/{token_for(settings.secret_key, invitation.id)}"
        writer.writerow(spreadsheet_safe(v) for v in (member.name, member.email, member.phone, member.language, link, invitation.answer))
    await record(request.app.state.store, user.username, "export_invitations", meeting.code)
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="invitasjoner-{meeting.code}.csv"'})


@get("/staff/meetings/{code:str}/checkin", name="meeting-checkin")
async def checkin_page(request: Request, code: str) -> Template | Redirect:
    user = await staff_or_refusal(request, Role.FACILITATOR)
    if not isinstance(user, StaffUser):
        return user
    meeting = await _meeting(request, code, user)
    if isinstance(meeting, Template):
        return meeting
    people = [(i, m) for i, m in await _people(request, meeting) if i.answer != "no" or i.checked_in_at]
    live = await request.app.state.hub.room(code)
    scribed = {p.member for p in live.state.participants.values() if p.scribed} if live else set()
    return page(request, "staff/checkin.html", user=user, meeting=meeting, people=people, scribed_members=scribed)


@post("/staff/meetings/{code:str}/checkin/{invitation_id:str}", name="meeting-checkin-post")
async def checkin(request: Request, code: str, invitation_id: str) -> Template | Redirect:
    user = await staff_or_refusal(request, Role.FACILITATOR)
    if not isinstance(user, StaffUser):
        return user
    store = request.app.state.store
    invitation = next((i for i in await invitations_to(store, code) if i.id == invitation_id), None)
    if invitation is None:
        return page(request, "error.html", status=404, status_code=404, user=user)
    arrived = (await request.form()).get("arrived") == "yes"
    await check_in(store, invitation, arrived)
    return Redirect(f"/staff/meetings/{code}/checkin#inv-{invitation_id}", status_code=303)


@post("/staff/meetings/{code:str}/checkin/{invitation_id:str}/without-phone", name="meeting-checkin-scribed")
async def checkin_without_phone(request: Request, code: str, invitation_id: str) -> Template | Redirect:
    """A member at the door without a phone: in the room as someone a scribe enters for, linked to
    their invitation so their ideas reach their history like anyone else's."""
    user = await staff_or_refusal(request, Role.FACILITATOR)
    if not isinstance(user, StaffUser):
        return user
    state = request.app.state
    invitation = next((i for i in await invitations_to(state.store, code) if i.id == invitation_id), None)
    member = await state.store.get(Member, invitation.member) if invitation else None
    if invitation is None or member is None:
        return page(request, "error.html", status=404, status_code=404, user=user)
    await check_in(state.store, invitation, True)
    pid = derive(state.settings.secret_key, f"person:{code}:invitation:{invitation.id}")[:12]
    # The first name only: enough for the scribe to find them, no more in the room's log.
    first_name = (member.name.split() or [""])[0][:MAX_NAME_LENGTH]
    result = await state.hub.execute(code, AddPerson(pid=pid, name=first_name, member=member.id), SYSTEM)
    if result is None or isinstance(result, Rejection):
        message = translator(language_of(request))(result.message, **result.params) if result else None
        return page(request, "error.html", status=409, status_code=409, user=user, message=message)
    return Redirect(f"/staff/meetings/{code}/checkin#inv-{invitation_id}", status_code=303)


ROUTES = [
    meetings, new_meeting, create, meeting_page, follow_up, recap, outcome_json, outcome_csv,
    invitees, invite_members, withdraw, letters, mail_merge, checkin_page, checkin, checkin_without_phone,
]
