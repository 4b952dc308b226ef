"""A survey question as a plain HTML form (works without JavaScript, on any phone or on paper
typed in by staff): turning what the form sends into a whole answer, and an answer back into
words for the member's review page and receipt."""

from collections.abc import Callable, Mapping

from rooms import Actor, Rejection
from rooms.commands import Command
from rooms.rejection import N_
from rooms.rounds import consent, ideas, ranking, statements, texts
from rooms.rounds.answers import Answer
from rooms.rounds.ideas import PostIdea
from rooms.rounds.statements import AddStatement, RateStatement
from rooms.state import RoomState, Round
from rooms.survey import answered

NOTHING_CHOSEN = Rejection("nothing_chosen", N_("Please answer, or press “Skip this question”."))
PLACE_TWICE = Rejection("place_twice", N_("Each place can be given to one option only."))
NOT_A_NUMBER = Rejection("not_a_number", N_("Please write whole numbers only."))

# How to answer each kind of question on a survey page (the meeting's words speak of rounds and
# taps); a question's own `instruction` replaces them.
HOW_TO = {
    "poll": N_("Choose the answer that fits best, then press “Save and go on”."),
    "scale": N_("Choose the number that fits what you think, then press “Save and go on”."),
    "consent": N_("Choose how much you agree. If you choose 4 or 5, please say why."),
    "ranking": N_("Put the options in order by giving each a place."),
    "budget": N_("Share out the amount between the options as you think best."),
    "text": N_("Write your answer in your own words."),
    "ideas": N_("Write an idea and press “Add idea”. You can add more than one, then press “Save and go on”."),
    "statements": N_("Say whether you agree with each statement, then press “Save and go on”."),
}

# Refusals whose meeting words ("this round") would puzzle someone answering a survey.
IN_SURVEY_WORDS = {"too_many": N_("You have written %(max)d, the most this question allows.")}

Form = Mapping[str, list[str]]  # field -> every value sent under that name


def _one(form: Form, name: str) -> str:
    values = form.get(name) or [""]
    return values[0].strip()


def _number(text: str) -> int | None:
    text = text.strip()
    if text.startswith("-") and text[1:].isdigit():
        return int(text)
    return int(text) if text.isdigit() else None


def commands_from_form(state: RoomState, rnd: Round, form: Form, actor: Actor) -> list[Command] | Rejection:
    """The commands the form describes (each checked in full by the round type), or why it
    describes none: a whole Answer; or, for ideas and statements, every vote that changed and
    the text written. Those may be sent with nothing new once the member has taken part."""
    if rnd.kind not in ("ideas", "statements"):
        answer = _answer(state, rnd, form)
        return answer if isinstance(answer, Rejection) else [answer]
    commands = _text_commands(rnd, form, actor)
    if "add" in form and not _one(form, "text"):
        # "Add" with an empty box (or Enter on a statement's answer, which presses the first
        # button): the votes are saved; with nothing else, say what is missing.
        return commands or texts.EMPTY
    if not commands and not answered(state, rnd, actor):
        return NOTHING_CHOSEN
    return commands


def _text_commands(rnd: Round, form: Form, actor: Actor) -> list[Command]:
    text = _one(form, "text")
    if rnd.kind == "ideas":
        return [PostIdea(text=text, round=rnd.index)] if text else []
    mine = rnd.data.votes.get(actor.ballot or "", {})
    commands: list[Command] = [
        RateStatement(statement=item.id, vote=vote, round=rnd.index)
        for item in statements.shown(rnd)
        if (vote := _one(form, f"vote_{item.id}")) and vote != mine.get(item.id)
    ]
    return [*commands, AddStatement(text=text, round=rnd.index)] if text else commands


def _answer(state: RoomState, rnd: Round, form: Form) -> Answer | Rejection:
    """The Answer the form describes (checked in full by the round type), or why it cannot be one."""
    cfg = rnd.config
    match rnd.kind:
        case "poll":
            chosen = [_number(v) for v in form.get("choice", []) if v.strip()]
            if not chosen:
                return NOTHING_CHOSEN
            if None in chosen:
                return NOT_A_NUMBER
            return Answer(round=rnd.index, answer=chosen, other=_one(form, "other"))
        case "scale":
            value = _number(_one(form, "value"))
            return NOTHING_CHOSEN if value is None else Answer(round=rnd.index, answer=value)
        case "consent":
            level = _number(_one(form, "level"))
            if level is None:
                return NOTHING_CHOSEN
            return Answer(round=rnd.index, answer={"level": level, "reason": _one(form, "reason")})
        case "ranking":
            places: dict[int, str] = {}
            for option in ranking.options(state, rnd):
                text = _one(form, f"place_{option.id}")
                if not text:
                    continue
                place = _number(text)
                if place is None:
                    return NOT_A_NUMBER
                if place in places:
                    return PLACE_TWICE
                places[place] = option.id
            if not places:
                return NOTHING_CHOSEN
            return Answer(round=rnd.index, answer=[places[p] for p in sorted(places)])
        case "budget":
            amounts: dict[int, int] = {}
            for i in range(len(cfg.options)):  # type: ignore[attr-defined]
                text = _one(form, f"amount_{i}")
                amount = _number(text) if text else 0
                if amount is None:
                    return NOT_A_NUMBER
                amounts[i] = amount
            if not any(amounts.values()):
                return NOTHING_CHOSEN
            return Answer(round=rnd.index, answer=amounts)
        case "text":
            text = _one(form, "text")
            return Answer(round=rnd.index, answer=text) if text else NOTHING_CHOSEN
    return NOTHING_CHOSEN


def in_survey_words(rejection: Rejection) -> Rejection:
    message = IN_SURVEY_WORDS.get(rejection.code)
    return rejection if message is None else Rejection(rejection.code, message, rejection.params)


def answer_in_words(state: RoomState, rnd: Round, actor: Actor, _: Callable[..., str]) -> str:
    """The member's answer as they would say it ("" if none), in the reader's language."""
    if rnd.kind == "ideas":
        return "; ".join(_item_in_words(item, _) for item in ideas.ideas_by(rnd, actor.pid))
    if rnd.kind == "statements":
        votes = rnd.data.votes.get(actor.ballot or "", {})
        said = [f"{item.text}: {_(statements.VOTE_NAMES[votes[item.id]])}" for item in statements.shown(rnd) if item.id in votes]
        written = [_item_in_words(item, _) for item in statements.statements_by(rnd, actor.pid)]
        return "; ".join(said + ([_("Your statements: %(list)s", list="; ".join(written))] if written else []))
    ballot = actor.ballot or ""
    answer = rnd.data.get(ballot)
    if answer is None:
        return ""
    cfg = rnd.config
    match rnd.kind:
        case "poll":
            names = [cfg.options[i] if i < len(cfg.options) else _("Other") for i in answer]  # type: ignore[attr-defined]
            other = rnd.notes.get(ballot)
            return ", ".join(names) + (f": {other}" if other else "")
        case "consent":
            words = f"{answer.level}. {_(consent.LEVEL_NAMES[answer.level])}"
            return f"{words}: {answer.reason}" if answer.reason else words
        case "ranking":
            text_of = {o.id: o.text for o in ranking.options(state, rnd)}
            return ", ".join(f"{n}. {text_of.get(o, o)}" for n, o in enumerate(answer, start=1))
        case "budget":
            return ", ".join(f"{cfg.options[i]}: {amount}" for i, amount in sorted(answer.items()))  # type: ignore[attr-defined]
    return str(answer)


def _item_in_words(item, _: Callable[..., str]) -> str:
    """An idea or statement the member wrote, with what became of it if it is not shown."""
    if item.hidden:
        return _("%(text)s (taken away by staff)", text=item.text)
    if item.pending:
        return _("%(text)s (waiting for approval)", text=item.text)
    return item.text
