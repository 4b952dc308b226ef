"""The member's side of a survey: one question per page through their personal link, saved as
they go, a review of their answers, sending them, and a receipt."""

from datetime import UTC, date, datetime

from litestar import Request, get, post
from litestar.datastructures import Cookie
from litestar.response import Redirect, Template

from rooms import Rejection
from rooms.rounds import ROUND_TYPES
from rooms.survey import is_open
from server.auth import STAFF_SESSION_COOKIE, session_user
from server.i18n import translator
from server.meetings.invitations import complete
from server.meetings.views import TEMPLATE_HELPERS
from server.pages import language_of, page
from server.store.records import HistoryEntry, Invitation, Meeting, Member
from server.surveys.forms import (
    HOW_TO,
    NOTHING_CHOSEN,
    answer_in_words,
    commands_from_form,
    in_survey_words,
)
from server.surveys.respondents import Question, questions_for, respondent, save
from server.surveys.results import results
from server.tokens import hash_token

PAPER_COOKIE = "ip_paper"


async def _found(request: Request, token: str) -> tuple[Invitation, Member | None, Meeting] | Template:
    store = request.app.state.store
    invitation = await store.get(Invitation, hash_token(token))
    meeting = await store.get(Meeting, invitation.meeting) if invitation is not None else None
    if invitation is None or meeting is None or not meeting.survey:
        return page(request, "home.html", error="bad_invitation", status_code=404)
    return invitation, await store.get(Member, invitation.member), meeting


async def _context(request: Request, token: str):
    """Everything a survey page needs, or the page that says why there is none."""
    found = await _found(request, token)
    if isinstance(found, Template):
        return found
    invitation, member, meeting = found
    live = await request.app.state.hub.room(meeting.code)
    if live is None:
        return page(request, "home.html", error="bad_invitation", status_code=404)
    paper = await paper_mode(request, token)
    actor = respondent(token, meeting.code, paper)
    state = live.state
    return {
        "invitation": invitation, "member": member, "meeting": meeting, "room": state, "actor": actor,
        "token": token, "rounds": TEMPLATE_HELPERS, "how_to": HOW_TO, "paper": paper, "questions": questions_for(state, actor),
        "open": is_open(state, datetime.now(UTC).timestamp()),
        "in_words": lambda rnd: answer_in_words(state, rnd, actor, translator(language_of(request))),
    }


def paper_cookie(token: str, settings) -> Cookie:
    """Set by staff who type in a member's paper answers; only for that member's pages."""
    return Cookie(key=PAPER_COOKIE, value=hash_token(token), path=f"/i/{token}", max_age=2 * 60 * 60,
                  httponly=True, secure=settings.cookie_secure, samesite="strict")


async def paper_mode(request: Request, token: str) -> bool:
    """Staff (logged in) typing in this member's paper answers."""
    if request.cookies.get(PAPER_COOKIE) != hash_token(token):
        return False
    return await session_user(request.app.state.store, request.cookies.get(STAFF_SESSION_COOKIE)) is not None


@get("/i/{token:str}/survey", name="survey")
async def survey_start(request: Request, token: str) -> Template:
    return await _page(request, token, "survey/intro.html")


def _question(context: dict, number: int) -> Question | None:
    questions = context["questions"]
    return questions[number - 1] if 1 <= number <= len(questions) else None


def _question_page(request: Request, context: dict, question: Question, rejection: Rejection | None = None,
                   sent: dict | None = None) -> Template:
    rnd, ballot = question.round, context["actor"].ballot or ""
    return page(
        request, "survey/question.html", question=question, sent=sent or {},
        rejection=in_survey_words(rejection) if rejection else None,
        mine=ROUND_TYPES[rnd.kind].answers(context["room"], rnd).get(ballot), other=rnd.notes.get(ballot, ""),
        saved="saved" in request.query_params and not rejection,
        status_code=400 if rejection else 200, **context,
    )


@get("/i/{token:str}/survey/q/{number:int}", name="survey-question")
async def survey_question(request: Request, token: str, number: int) -> Template | Redirect:
    context = await _context(request, token)
    if isinstance(context, Template):
        return context
    question = _question(context, number)
    if question is None or not context["open"]:
        return Redirect(f"/i/{token}/survey", status_code=303)
    return _question_page(request, context, question)


@post("/i/{token:str}/survey/q/{number:int}", name="survey-answer")
async def survey_answer(request: Request, token: str, number: int) -> Template | Redirect:
    context = await _context(request, token)
    if isinstance(context, Template):
        return context
    question = _question(context, number)
    if question is None or not context["open"]:
        return Redirect(f"/i/{token}/survey", status_code=303)
    form = await request.form()
    sent = {key: form.getall(key) for key in form}
    if "skip" not in sent:
        problem = await _save_form(request, context, question, sent)
        if problem is not None and not (problem is NOTHING_CHOSEN and "back" in sent):
            return _question_page(request, context, question, problem, sent)
    if "add" in sent:  # another idea or statement: stay on this question
        return Redirect(f"/i/{token}/survey/q/{number}?saved=1#saved", status_code=303)
    # The questions after this one may have changed with this answer: count them again.
    after = questions_for(context["room"], context["actor"])
    following = number + 1 if "back" not in sent else number - 1
    if 1 <= following <= len(after):
        return Redirect(f"/i/{token}/survey/q/{following}", status_code=303)
    return Redirect(f"/i/{token}/survey/review" if following > 0 else f"/i/{token}/survey", status_code=303)


async def _save_form(request: Request, context: dict, question: Question, sent: dict) -> Rejection | None:
    """Run what the form says, command by command; the first refusal stops it."""
    commands = commands_from_form(context["room"], question.round, sent, context["actor"])
    if isinstance(commands, Rejection):
        return commands
    for command in commands:
        problem = await save(request.app.state.hub, context["meeting"].code, context["actor"], context["member"], command)
        if problem is not None:
            return problem
    return None


async def _page(request: Request, token: str, template: str) -> Template:
    context = await _context(request, token)
    return context if isinstance(context, Template) else page(request, template, **context)


@get("/i/{token:str}/survey/review", name="survey-review")
async def survey_review(request: Request, token: str) -> Template:
    return await _page(request, token, "survey/review.html")


@post("/i/{token:str}/survey/review", name="survey-send")
async def survey_send(request: Request, token: str) -> Template | Redirect:
    context = await _context(request, token)
    if isinstance(context, Template):
        return context
    if not context["open"]:
        return Redirect(f"/i/{token}/survey", status_code=303)
    store = request.app.state.store
    invitation, meeting = context["invitation"], context["meeting"]
    await complete(store, invitation)
    await store.put(HistoryEntry(member=invitation.member, meeting=meeting.code, title=meeting.title,
                                 date=invitation.completed_at, attended=True, survey=True))
    return Redirect(f"/i/{token}/survey/receipt", status_code=303)


@get("/i/{token:str}/survey/receipt", name="survey-receipt")
async def survey_receipt(request: Request, token: str) -> Template:
    return await _page(request, token, "survey/receipt.html")


@get("/i/{token:str}/survey/results", name="survey-published")
async def published(request: Request, token: str) -> Template | Redirect:
    """What the panel said, once staff have published it: weighted figures, no free text."""
    context = await _context(request, token)
    if isinstance(context, Template):
        return context
    if context["meeting"].published_at is None:
        return Redirect(f"/i/{token}/survey", status_code=303)
    return page(request, "survey/published.html", results=results(context["room"], [], date.today()), **context)


ROUTES = [published, survey_start, survey_question, survey_answer, survey_review, survey_send, survey_receipt]
