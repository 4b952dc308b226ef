"""Questions to a speaker: participants ask, everyone gives +1 to the questions they want answered
too, and the facilitator lets questions through, hides them and marks them answered.

Unlike ideas, questions are public while the round runs: that is the point of a Q&A. So are the
counts of +1s, but never who gave them: an upvote is stored under the ballot key, never the pid.
Nobody can give +1 to their own question: asking already says "I want to know".
"""

from collections.abc import Hashable
from dataclasses import dataclass, field

from rooms.actors import Actor
from rooms.commands import FACILITATOR_ONLY, Command
from rooms.events import Event
from rooms.rejection import N_, NOT_JOINED, Rejection
from rooms.rounds import texts
from rooms.rounds.base import RoundConfig, RoundType, SummaryRow
from rooms.rounds.texts import Item, Items
from rooms.state import RoomState, Round

# How many unanswered questions the projector has room for, in large type.
BOARD_LIMIT = 8


class QaConfig(RoundConfig, tag="qa"):
    how_to = N_("Write your question and send it. You can also support other people’s questions.")
    max_length: int = 200
    max_per_person: int = 3
    # Hold each question until the facilitator lets it through.
    moderated: bool = False


class AskQuestion(Command, tag="ask"):
    text: str
    round: int | None = None


class Upvote(Command, tag="upvote"):
    """Give (delta 1) or take back (delta -1) one's +1 on a question."""

    item: str
    delta: int = 1
    round: int | None = None


class MarkAnswered(Command, tag="answered"):
    """Move a question to the answered list on every screen, or back (answered false)."""

    roles = FACILITATOR_ONLY
    item: str
    answered: bool = True
    round: int | None = None


class QuestionUpvoted(Event, tag="question_upvoted"):
    """A ballot's +1 given or taken back. `ballot` is a secret-ballot key, never a pseudonym."""

    round: int
    ballot: str
    item: str
    delta: int


class QuestionAnswered(Event, tag="question_answered"):
    round: int
    item: str
    answered: bool


@dataclass
class QaData(Items):
    """The questions themselves are texts.Items, so the shared moderation view works on them."""

    # ballot -> the questions it gave +1 (at most one each)
    upvoted: dict[str, set[str]] = field(default_factory=dict)
    tally: dict[str, int] = field(default_factory=dict)
    answered: set[str] = field(default_factory=set)


NO_SUCH_QUESTION = Rejection("no_such_item", N_("That question is not on the list."))
OWN_QUESTION = Rejection("own_question", N_("This is your own question, so it already counts."))
ANSWERED = Rejection("question_answered", N_("That question has already been answered."))
ALREADY_UPVOTED = Rejection("already_upvoted", N_("You have already given this question your +1."))
NOT_UPVOTED = Rejection("not_upvoted", N_("You have not given this question a +1 to take back."))
BAD_DELTA = Rejection("bad_delta", N_("A +1 can only be given or taken back."))


class Qa(RoundType):
    name = "qa"
    config = QaConfig
    commands = (AskQuestion, Upvote, MarkAnswered, *texts.MODERATION_COMMANDS)
    events = (*texts.ITEM_EVENTS, QuestionUpvoted, QuestionAnswered)

    def new_data(self, config: QaConfig) -> QaData:
        return QaData()

    def decide(self, room: RoomState, rnd: Round, command: Command, actor: Actor):
        data: QaData = rnd.data
        match command:
            case AskQuestion(text=text):
                cfg: QaConfig = rnd.config  # type: ignore[assignment]
                return texts.post(
                    rnd, data, actor, text, cfg.max_length, cfg.max_per_person, cfg.moderated
                )
            case Upvote():
                return _upvote(rnd, data, command, actor)
            case MarkAnswered(item=item_id, answered=answered):
                if item_id not in data.items:
                    return texts.NO_SUCH_ITEM
                if (item_id in data.answered) == answered:
                    return []
                return [QuestionAnswered(round=rnd.index, item=item_id, answered=answered)]
        return texts.moderate(rnd, data, command)

    def apply(self, room: RoomState, rnd: Round, event: Event) -> None:
        data: QaData = rnd.data
        match event:
            case QuestionUpvoted(ballot=ballot, item=item_id, delta=delta):
                mine = data.upvoted.setdefault(ballot, set())
                if delta > 0:
                    mine.add(item_id)
                else:
                    mine.discard(item_id)
                data.tally[item_id] = data.tally.get(item_id, 0) + delta
            case QuestionAnswered(item=item_id, answered=answered):
                if answered:
                    data.answered.add(item_id)
                else:
                    data.answered.discard(item_id)
            case _:
                texts.apply_item_event(data, event)

    def touches(self, room: RoomState, rnd: Round, event: Event) -> frozenset[str] | None:
        return frozenset((event.ballot,)) if isinstance(event, QuestionUpvoted) else None

    def contributed(self, room: RoomState, rnd: Round, pid: str | None, ballot: str | None) -> bool:
        # As with dots, a +1 taken back no longer counts: the monitor shows who is in it now.
        return bool(rnd.data.by_author.get(pid or "")) or bool(rnd.data.upvoted.get(ballot or ""))

    def contributors(self, room: RoomState, rnd: Round) -> int:
        """Those who asked or those who gave a +1, whichever are more. Pseudonyms and ballots are
        never linked, so people who did both cannot be counted once: this is a floor, never an
        overcount. (The facilitator's monitor is exact: it asks each present person.)"""
        askers = len(rnd.data.by_author)
        upvoters = sum(1 for items in rnd.data.upvoted.values() if items)
        return max(askers, upvoters)

    def personal_key(self, room: RoomState, rnd: Round, pid: str | None, ballot: str | None) -> Hashable:
        return texts.personal_key(rnd.data, pid), frozenset(rnd.data.upvoted.get(ballot or "", ()))

    def summary(self, room: RoomState, rnd: Round) -> list[SummaryRow]:
        answered = {q.id for q, _ in answered_questions(rnd)}
        ranked = [*open_questions(rnd), *answered_questions(rnd)]
        return [SummaryRow(q.text, n, N_("Answered") if q.id in answered else "", translate_note=True) for q, n in ranked]


ROUND_TYPE = Qa()


def _upvote(rnd: Round, data: QaData, command: Upvote, actor: Actor) -> list[Event] | Rejection:
    if actor.ballot is None:
        return NOT_JOINED
    item = data.items.get(command.item)
    if item is None or not item.visible:
        return NO_SUCH_QUESTION
    given = item.id in data.upvoted.get(actor.ballot, ())
    if command.delta == 1:
        if item.author == actor.pid:
            return OWN_QUESTION
        if item.id in data.answered:
            return ANSWERED
        if given:
            return ALREADY_UPVOTED
    elif command.delta == -1:
        if not given:
            return NOT_UPVOTED
    else:
        return BAD_DELTA
    return [
        QuestionUpvoted(round=rnd.index, ballot=actor.ballot, item=item.id, delta=command.delta)
    ]


def _ranked(rnd: Round, questions: list[Item]) -> list[tuple[Item, int]]:
    """Most +1s first; ties keep the order questions were asked (sorting is stable)."""
    tally = rnd.data.tally
    return sorted(((q, tally.get(q.id, 0)) for q in questions), key=lambda pair: -pair[1])


def open_questions(rnd: Round) -> list[tuple[Item, int]]:
    """Visible questions not yet answered, with their +1s, most first."""
    shown = texts.visible(rnd.data)
    return _ranked(rnd, [q for q in shown if q.id not in rnd.data.answered])


def answered_questions(rnd: Round) -> list[tuple[Item, int]]:
    shown = texts.visible(rnd.data)
    return _ranked(rnd, [q for q in shown if q.id in rnd.data.answered])


def asked_by(rnd: Round, pid: str | None) -> list[Item]:
    return texts.written_by(rnd.data, pid)


def upvoted_by(rnd: Round, ballot: str | None) -> set[str]:
    return set(rnd.data.upvoted.get(ballot or "", ()))
