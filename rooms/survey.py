"""A survey: a room whose questions are all open at once, for a period, answered at each
member's own pace through their personal link instead of together in a meeting.

Staff open it until a closing time (and may move that time, or close it early); every round of
the plan opens together. A question may be shown only to those whose answer to an earlier poll
was one of some options (`show_if_round`, `show_if_options`). For weighting, the server describes
each ballot by the groups its member belongs to (gender, age band, district, background): the
ballot is linked to those groups, never to the member.
"""

from rooms.actors import Actor, Role
from rooms.commands import Command
from rooms.events import Event
from rooms.rejection import N_, Rejection
from rooms.rounds import ROUND_TYPES
from rooms.state import RoomState, Round, RoundStatus, Survey

SYSTEM_ONLY = frozenset({Role.SYSTEM})
# Round types that stand on their own, so they can all be open at once. Ideas and statements
# work as in a meeting: text is signed by the member's pseudonym (and may wait for staff's
# approval), votes on statements by the ballot. Rounds that vote on an ideas round's ideas
# (dots, a ranking without its own options) need those ideas first, so they cannot run beside it.
SURVEY_TYPES = frozenset({"poll", "scale", "consent", "ranking", "budget", "text", "ideas", "statements"})
GROUP_DIMENSIONS = ("gender", "age", "district", "background")

SURVEY_CLOSED = Rejection("survey_closed", N_("This survey is closed. Thank you for your interest."))
NOT_SHOWN = Rejection("not_shown", N_("This question is not for you, given your earlier answers."))
NOT_A_SURVEY = Rejection("not_a_survey", N_("That is not possible in a survey."))
QUESTIONS_FIXED = Rejection(
    "questions_fixed", N_("The questions cannot change once the survey is open: people may have answered them.")
)
NOT_OPEN_YET = Rejection("survey_not_open", N_("This survey has not opened yet."))
BAD_CLOSING = Rejection("bad_closing_time", N_("The closing time must be in the future."))
PLAN_UNFIT = Rejection(
    "plan_unfit_for_survey",
    N_(
        "A survey can hold polls, scales, consent, rankings with their own options, budgets, ideas,"
        " statements and free text."
    ),
)


class OpenSurvey(Command, tag="open_survey"):
    """Open every question until `closes_at`; again, to move the closing time."""

    roles = SYSTEM_ONLY
    closes_at: float


class CloseSurvey(Command, tag="close_survey"):
    roles = SYSTEM_ONLY


class Describe(Command, tag="describe"):
    """The groups a ballot's member belongs to, from the register (first answer only)."""

    roles = SYSTEM_ONLY
    ballot: str
    groups: dict[str, str]


class SurveyOpened(Event, tag="survey_opened"):
    closes_at: float


class SurveyClosed(Event, tag="survey_closed"):
    pass


class RespondentDescribed(Event, tag="respondent_described"):
    ballot: str
    groups: dict[str, str]


SURVEY_COMMANDS: tuple[type[Command], ...] = (OpenSurvey, CloseSurvey, Describe)
SURVEY_EVENTS: tuple[type[Event], ...] = (SurveyOpened, SurveyClosed, RespondentDescribed)


def decide_survey(state: RoomState, command: Command, now: float) -> list[Event] | Rejection:
    survey = state.survey
    if survey is not None and survey.closed:
        return SURVEY_CLOSED
    match command:
        case OpenSurvey(closes_at=closes_at):
            if closes_at <= now:
                return BAD_CLOSING
            if not fits_survey(state):
                return PLAN_UNFIT
            return [SurveyOpened(closes_at=closes_at)]
        case CloseSurvey():
            return NOT_OPEN_YET if survey is None else [SurveyClosed()]
        case Describe(ballot=ballot, groups=groups):
            if survey is None:
                return NOT_OPEN_YET
            if ballot in survey.groups:
                return []
            return [RespondentDescribed(ballot=ballot, groups={d: groups.get(d, "") for d in GROUP_DIMENSIONS})]
    raise TypeError(f"no survey rule for {type(command).__name__}")


def apply_survey(state: RoomState, event: Event) -> bool:
    """Folds a survey event into the state; False if it is some other event."""
    match event:
        case SurveyOpened(closes_at=closes_at):
            if state.survey is None:
                state.survey = Survey(closes_at)
                for rnd in state.rounds:
                    rnd.status = RoundStatus.OPEN
            state.survey.closes_at = closes_at
        case SurveyClosed():
            state.survey.closed = True  # type: ignore[union-attr]
            for rnd in state.rounds:
                rnd.status = RoundStatus.CLOSED
        case RespondentDescribed(ballot=ballot, groups=groups):
            state.survey.groups[ballot] = dict(groups)  # type: ignore[union-attr]
        case _:
            return False
    return True


def fits_survey(state: RoomState) -> bool:
    return bool(state.rounds) and all(
        r.kind in SURVEY_TYPES and (r.kind != "ranking" or r.config.options)  # type: ignore[attr-defined]
        for r in state.rounds
    )


def is_open(state: RoomState, now: float) -> bool:
    survey = state.survey
    return survey is not None and not survey.closed and now < survey.closes_at


def refusal(state: RoomState, rnd: Round, actor: Actor, now: float) -> Rejection | None:
    """Why a respondent may not answer this question now, if so."""
    if not is_open(state, now):
        return NOT_OPEN_YET if state.survey is None else SURVEY_CLOSED
    if not shown(state, rnd, actor.ballot):
        return NOT_SHOWN
    return None


def shown(state: RoomState, rnd: Round, ballot: str | None) -> bool:
    """Whether the question is for this ballot, given its answer to the question it depends on."""
    cfg = rnd.config
    if cfg.show_if_round is None:
        return True
    earlier = state.round(cfg.show_if_round)
    answer = earlier.data.get(ballot or "") if earlier is not None else None
    return bool(answer) and any(o in answer for o in cfg.show_if_options)


def answers_shown(state: RoomState, rnd: Round) -> dict[str, object]:
    """The answers that count, by ballot: those of ballots the question is (still) shown to."""
    answers = ROUND_TYPES[rnd.kind].answers(state, rnd)
    return {ballot: answer for ballot, answer in answers.items() if shown(state, rnd, ballot)}


def answered(state: RoomState, rnd: Round, actor: Actor) -> bool:
    """Whether this respondent has answered the question: an answer, a vote on a statement, or
    at least one idea of their own (ideas are theirs by pseudonym, not by ballot)."""
    return ROUND_TYPES[rnd.kind].contributed(state, rnd, actor.pid, actor.ballot)
