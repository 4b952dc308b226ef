"""Staff build a survey from the round types, preview it as a phone shows it, open it for a
period, close it, and read the results (weighted beside unweighted)."""

import smtplib
from datetime import UTC, date, datetime

from litestar import Request, get, post
from litestar.response import Redirect, Response, Template

from rooms import Rejection
from rooms.actors import FACILITATOR, SYSTEM
from rooms.plan import AddRound, MoveRound, RemoveRound
from rooms.rejection import N_
from rooms.rounds.free_text import TextConfig
from rooms.rounds.poll import PollConfig
from rooms.rounds.scale import ScaleConfig
from rooms.rounds.texts import ApproveItem, HideItem, ShowItem
from rooms.survey import SURVEY_TYPES, CloseSurvey, OpenSurvey, answers_shown
from server import mail
from server.audit import record
from server.i18n import LANGUAGES, oslo_moment, translator
from server.meetings.invitations import invitations_to, token_for
from server.meetings.service import MeetingRefused, create_meeting
from server.meetings.views import TEMPLATE_HELPERS
from server.pages import language_of, page
from server.panel import fields as f
from server.staff.accounts import Role, staff_or_refusal
from server.store.records import Meeting, Member, StaffUser
from server.surveys import mailing
from server.surveys.exports import table, to_csv, to_sav, to_xlsx
from server.surveys.forms import HOW_TO
from server.surveys.mailing import Mailing
from server.surveys.member_routes import paper_cookie
from server.surveys.respondents import Question
from server.surveys.results import DIMENSION_NAMES, results


def starter_questions(_) -> list:
    """A first survey to change: one of each of the commonest kinds of question."""
    return [
        PollConfig(title=_("Use"), prompt=_("How often do you use the library?"),
                   options=[_("Every week"), _("Every month"), _("More seldom"), _("Never")], other=False),
        ScaleConfig(title=_("Satisfaction"), prompt=_("How satisfied are you with the opening hours?"),
                    low_label=_("Not at all"), high_label=_("Very")),
        TextConfig(title=_("Ideas"), prompt=_("What would make you use the library more?")),
    ]


@get("/staff/surveys/new", name="survey-new")
async def new_survey(request: Request) -> Template | Redirect:
    user = await staff_or_refusal(request, Role.COORDINATOR)
    if not isinstance(user, StaffUser):
        return user
    return page(request, "staff/survey_new.html", user=user, values={"language": "nb"})


@post("/staff/surveys/new", name="survey-create")
async def create_survey(request: Request) -> Template | Redirect:
    user = await staff_or_refusal(request, Role.COORDINATOR)
    if not isinstance(user, StaffUser):
        return user
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    language = form.get("language") if form.get("language") in LANGUAGES else "nb"
    try:
        created = await create_meeting(
            request.app.state.store, request.app.state.settings.secret_key, form.get("title", ""),
            starter_questions(translator(language)), language=language,
            description=f.parse_text(form.get("description", ""), 2000), mode="survey",
        )
    except (MeetingRefused, f.Invalid):
        return page(request, "staff/survey_new.html", user=user, values=form, problem=True, status_code=400)
    await record(request.app.state.store, user.username, "create_survey", created.code)
    return Redirect(f"/staff/meetings/{created.code}", status_code=303)


async def _survey(request: Request, code: str, role: Role):
    """(user, meeting, live room) for a survey, or the page that says why not."""
    user = await staff_or_refusal(request, role)
    if not isinstance(user, StaffUser):
        return user
    meeting = await request.app.state.store.get(Meeting, code)
    live = await request.app.state.hub.room(code) if meeting is not None else None
    if meeting is None or live is None or not meeting.survey:
        return page(request, "error.html", status=404, status_code=404, user=user)
    return user, meeting, live


async def survey_page(request: Request, user: StaffUser, meeting: Meeting, problem: Rejection | None = None,
                      mailing: Mailing | None = None) -> Template:
    store = request.app.state.store
    invitations = await invitations_to(store, meeting.code)
    live = await request.app.state.hub.room(meeting.code)
    return page(
        request, "staff/survey.html", user=user, meeting=meeting, room=live.state, types=sorted(SURVEY_TYPES),
        invited=len(invitations), completed=sum(1 for i in invitations if i.completed_at),
        answered=len({b for r in live.state.rounds for b in answers_shown(live.state, r)}), problem=problem, mailing=mailing,
        mail_on=mail.enabled(request.app.state.settings), status_code=400 if problem else 200,
    )


async def _run(request: Request, code: str, command, actor=FACILITATOR, role: Role = Role.COORDINATOR,
               back: str = "questions"):
    found = await _survey(request, code, role)
    if not isinstance(found, tuple):
        return found
    user, meeting, live = found
    result = await request.app.state.hub.execute(code, command, actor)
    if isinstance(result, Rejection):
        return await survey_page(request, user, meeting, result)
    await record(request.app.state.store, user.username, type(command).__struct_config__.tag, code)
    return Redirect(f"/staff/meetings/{code}#{back}", status_code=303)


@post("/staff/surveys/{code:str}/questions", name="survey-add-question")
async def add_question(request: Request, code: str) -> Template | Redirect:
    kind = str((await request.form()).get("type", ""))
    return await _run(request, code, AddRound(type=kind if kind in SURVEY_TYPES else ""))


@post("/staff/surveys/{code:str}/questions/{index:int}/remove", name="survey-remove-question")
async def remove_question(request: Request, code: str, index: int) -> Template | Redirect:
    return await _run(request, code, RemoveRound(round=index))


@post("/staff/surveys/{code:str}/questions/{index:int}/move", name="survey-move-question")
async def move_question(request: Request, code: str, index: int) -> Template | Redirect:
    by = -1 if (await request.form()).get("by") == "up" else 1
    return await _run(request, code, MoveRound(round=index, by=by))


MODERATION = {"approve": ApproveItem, "hide": HideItem, "show": ShowItem}


@post("/staff/surveys/{code:str}/questions/{index:int}/items/{item:str}/{action:str}", name="survey-moderate")
async def moderate(request: Request, code: str, index: int, item: str, action: str) -> Template | Redirect:
    """Let a member's idea or statement through, or hide it (the room's own moderation commands,
    run as the facilitator, as in a meeting)."""
    if action not in MODERATION:
        return Redirect(f"/staff/meetings/{code}#moderation", status_code=303)
    return await _run(request, code, MODERATION[action](item=item, round=index), role=Role.FACILITATOR,
                      back=f"moderation-{index}")


@post("/staff/surveys/{code:str}/open", name="survey-open")
async def open_survey(request: Request, code: str) -> Template | Redirect:
    form = await request.form()
    closes = oslo_moment(str(form.get("date", "")), str(form.get("time", "")), "23:59")
    if closes is None:
        found = await _survey(request, code, Role.COORDINATOR)
        if not isinstance(found, tuple):
            return found
        return await survey_page(request, found[0], found[1], Rejection("bad_date", N_("Please give the closing date as a date.")))
    response = await _run(request, code, OpenSurvey(closes_at=closes.timestamp()), SYSTEM)
    if isinstance(response, Redirect):
        meeting = await request.app.state.store.get(Meeting, code)
        meeting.closes_at = closes
        await request.app.state.store.put(meeting)
    return response


@post("/staff/surveys/{code:str}/close", name="survey-close")
async def close_survey(request: Request, code: str) -> Template | Redirect:
    response = await _run(request, code, CloseSurvey(), SYSTEM)
    if isinstance(response, Redirect):
        meeting = await request.app.state.store.get(Meeting, code)
        meeting.closes_at = min(meeting.closes_at or datetime.now(UTC), datetime.now(UTC))
        meeting.ended_at = datetime.now(UTC)
        await request.app.state.store.put(meeting)
    return response


@get("/staff/surveys/{code:str}/preview/{number:int}", name="survey-preview")
async def preview(request: Request, code: str, number: int) -> Template | Redirect:
    """The question as a member's phone shows it; nothing is saved."""
    found = await _survey(request, code, Role.FACILITATOR)
    if not isinstance(found, tuple):
        return found
    user, meeting, live = found
    rounds = live.state.rounds
    if not 1 <= number <= len(rounds):
        return Redirect(f"/staff/meetings/{code}#questions", status_code=303)
    questions = [Question(n, r, False) for n, r in enumerate(rounds, start=1)]
    return page(
        request, "survey/question.html", question=questions[number - 1], questions=questions, meeting=meeting,
        room=live.state, preview=True, mine=None, other="", sent={}, rejection=None, token="", member=None, actor=None,
        rounds=TEMPLATE_HELPERS, how_to=HOW_TO,
    )


@get("/staff/surveys/{code:str}/results", name="survey-results")
async def survey_results(request: Request, code: str) -> Template | Redirect:
    found = await _survey(request, code, Role.FACILITATOR)
    if not isinstance(found, tuple):
        return found
    user, meeting, live = found
    store = request.app.state.store
    members = {m.id: m for m in await store.list(Member)}
    invited = [members[i.member] for i in await invitations_to(store, code) if i.member in members]
    return page(
        request, "staff/survey_results.html", user=user, meeting=meeting, room=live.state,
        results=results(live.state, invited, date.today()), dimension_names=DIMENSION_NAMES,
    )


@post("/staff/surveys/{code:str}/mail", name="survey-mail")
async def mail_members(request: Request, code: str) -> Template | Redirect:
    found = await _survey(request, code, Role.COORDINATOR)
    if not isinstance(found, tuple):
        return found
    user, meeting, live = found
    settings = request.app.state.settings
    reminder = (await request.form()).get("kind") == "reminder"
    if not mail.enabled(settings):
        return await survey_page(request, user, meeting, Rejection("mail_off", mailing.MAIL_OFF))
    if live.state.survey is None or live.state.survey.closed:
        return await survey_page(request, user, meeting, Rejection("survey_not_open", N_("Open the survey before you invite people to it.")))
    try:
        sent = await mailing.send(request.app.state.store, settings, meeting, reminder)
    except (OSError, smtplib.SMTPException):
        return await survey_page(request, user, meeting, Rejection("mail_down", mailing.MAIL_DOWN))
    await record(request.app.state.store, user.username, "survey_reminder" if reminder else "survey_invitation", f"{code}:{sent.sent}")
    return await survey_page(request, user, meeting, mailing=sent)


@post("/staff/surveys/{code:str}/publish", name="survey-publish")
async def publish(request: Request, code: str) -> Template | Redirect:
    """Show the results to the panel, from each member's history, with a few words from staff."""
    found = await _survey(request, code, Role.COORDINATOR)
    if not isinstance(found, tuple):
        return found
    user, meeting, live = found
    if live.state.survey is None or not live.state.survey.closed:
        return await survey_page(request, user, meeting, Rejection("survey_open", N_("Close the survey before you publish its results.")))
    try:
        meeting.summary = f.parse_text(str((await request.form()).get("summary", "")), 2000)
    except f.Invalid:
        return await survey_page(request, user, meeting, Rejection("text_too_long", N_("Please keep it to %(max)d characters or fewer."), {"max": 2000}))
    meeting.published_at = datetime.now(UTC)
    await request.app.state.store.put(meeting)
    await record(request.app.state.store, user.username, "survey_publish", code)
    return Redirect(f"/staff/meetings/{code}#publish-title", status_code=303)


@post("/staff/surveys/{code:str}/paper/{invitation_id:str}", name="survey-paper")
async def paper_answers(request: Request, code: str, invitation_id: str) -> Template | Redirect:
    """Type in a member's answers from the paper form: their own survey pages, marked as staff's."""
    found = await _survey(request, code, Role.COORDINATOR)
    if not isinstance(found, tuple):
        return found
    user, meeting, live = found
    invitation = next((i for i in await invitations_to(request.app.state.store, code) if i.id == invitation_id), None)
    if invitation is None:
        return page(request, "error.html", status=404, status_code=404, user=user)
    settings = request.app.state.settings
    token = token_for(settings.secret_key, invitation.id)
    await record(request.app.state.store, user.username, "survey_paper_answers", f"{code}:{invitation.member}")
    return Redirect(f"/i/{token}/survey", status_code=303, cookies=[paper_cookie(token, settings)])


EXPORTS = {
    "csv": ("text/csv; charset=utf-8", lambda columns, _: to_csv(columns)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", to_xlsx),
    "sav": ("application/x-spss-sav", lambda columns, _: to_sav(columns)),
}


@get("/staff/surveys/{code:str}/answers/{kind:str}", name="survey-export")
async def export(request: Request, code: str, kind: str) -> Response | Template | Redirect:
    found = await _survey(request, code, Role.COORDINATOR)
    if not isinstance(found, tuple):
        return found
    user, meeting, live = found
    if kind not in EXPORTS:
        return page(request, "error.html", status=404, status_code=404, user=user)
    media_type, write = EXPORTS[kind]
    _ = translator(language_of(request))
    body = write(table(live.state, _), _)
    await record(request.app.state.store, user.username, f"export_survey_{kind}", code)
    return Response(body, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="svar-{code}.{kind}"'})


ROUTES = [moderate, publish, paper_answers, mail_members, export, new_survey, create_survey, add_question, remove_question, move_question, open_survey, close_survey,
          preview, survey_results]
