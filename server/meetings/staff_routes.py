"""Meetings for staff: creating them, inviting members, letters, answers, check-in, outcome."""

import csv
import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import segno
from litestar import Request, get, post
from litestar.response import Redirect, Response, Template

from rooms.rejection import N_

from server.audit import record
from server.i18n import LANGUAGES, translator
from server.meetings.formats import FORMATS
from server.meetings.invitations import check_in, invitations_to, invite, token_for
from server.meetings.service import MeetingRefused, create_meeting, demo_plan
from server.pages import page
from server.panel import fields as f
from server.panel.csv_io import spreadsheet_safe
from server.panel.filters import choices, matches
from server.staff.accounts import Role, staff_or_refusal
from server.store.records import Invitation, Meeting, Member, Outcome, StaffUser

OSLO = ZoneInfo("Europe/Oslo")


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


def _when(day: str, clock: str) -> datetime | None:
    """A local date and time (Europe/Oslo) as UTC, or None if either is missing or unreadable."""
    try:
        local = datetime.strptime(f"{day.strip()} {clock.strip() or '18:00'}", "%Y-%m-%d %H:%M")
    except ValueError:
        return None
    return local.replace(tzinfo=OSLO).astimezone(UTC)


@post("/staff/meetings/new", name="meeting-create")
async def create(request: Request) -> Template | Redirect:
    user = await staff_or_refusal(request, Role.COORDINATOR)
    if not isinstance(user, StaffUser):
        return user
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    language = form.get("language") if form.get("language") in LANGUAGES else "nb"
    starts_at = _when(form.get("date", ""), form.get("time", ""))
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
    people = await _people(request, meeting)
    answers = {"yes": 0, "no": 0, "": 0}
    for invitation, _ in people:
        answers[invitation.answer] = answers.get(invitation.answer, 0) + 1
    outcome = await request.app.state.store.get(Outcome, code)
    return page(request, "staff/meeting.html", user=user, meeting=meeting, invited=len(people), answers=answers,
                checked_in=sum(1 for i, _ in people if i.checked_in_at), outcome=outcome)


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
    return page(request, "staff/invitees.html", user=user, meeting=meeting, people=people, candidates=candidates,
                q=q, district_names=f.DISTRICT_NAMES, **choices())


@post("/staff/meetings/{code:str}/invite", name="meeting-invite")
async def invite_members(request: Request, code: str) -> Template | Redirect:
    user = await staff_or_refusal(request, Role.COORDINATOR)
    if not isinstance(user, StaffUser):
        return user
    meeting = await _meeting(request, code, user)
    if isinstance(meeting, Template):
        return meeting
    store = request.app.state.store
    chosen = set((await request.form()).getall("member"))
    members = [m for m in await store.list(Member) if m.id in chosen and m.status == "active"]
    for member in members:
        await invite(store, request.app.state.settings.secret_key, meeting, member)
    await record(store, user.username, "invite_members", f"{meeting.code}:{len(members)}")
    return Redirect(f"/staff/meetings/{code}/invitees", status_code=303)


def _qr(link: str, title: str) -> str:
    return segno.make(link, error="m").svg_inline(scale=1, border=2, title=title, svgclass="qr", lineclass=None, omitsize=True)


@get("/staff/meetings/{code:str}/letters", name="meeting-letters")
async def letters(request: Request, code: str) -> Template | Redirect:
    user = await staff_or_refusal(request, Role.COORDINATOR)
    if not isinstance(user, StaffUser):
        return user
    meeting = await _meeting(request, code, user)
    if isinstance(meeting, Template):
        return meeting
    settings = request.app.state.settings
    sheets = []
    for invitation, member in await _people(request, meeting):
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
    return page(request, "staff/checkin.html", user=user, meeting=meeting, people=people)


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


ROUTES = [meetings, new_meeting, create, meeting_page, invitees, invite_members, letters, mail_merge, checkin_page, checkin]
