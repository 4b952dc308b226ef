"""Rounds where each participant gives one answer they may change while the round is open
(poll, scale, consent). The answer is kept under the ballot key, never the pseudonym.

A subclass names its config, its one command and its one event (with fields `round`, `ballot`,
`answer`), and turns a command into an answer or a refusal in `answer_from`. Every answer round
also takes `Answer`, the whole answer at once (a survey page, a paper form), checked by `whole`.
"""

from collections.abc import Callable, Hashable, Iterable
from typing import Any, ClassVar

from rooms.actors import Actor
from rooms.commands import Command
from rooms.events import Event
from rooms.rejection import N_, NOT_JOINED, Rejection
from rooms.rounds.base import RoundType
from rooms.state import RoomState, Round

BAD_ANSWER = Rejection("bad_answer", N_("That answer does not fit this question. Please try again."))


class Answer(Command, tag="answer"):
    """A whole answer at once, replacing the ballot's earlier one; None takes it back. Its shape
    is the round type's: a list of option numbers (poll), a number (scale), a level and reason
    (consent), option ids in order (ranking), option number -> amount (budget), a text (text)."""

    round: int
    answer: Any = None
    other: str = ""  # a poll's "other, please specify"


class AnswerRound(RoundType):
    answer_event: ClassVar[type[Event]]

    def new_data(self, config: Any) -> dict[str, Any]:
        return {}  # ballot -> answer

    def answer_from(self, room: RoomState, rnd: Round, current: Any, command: Command) -> Any | Rejection:
        """The ballot's new answer (given its current one, or None), or why not."""
        raise NotImplementedError

    def whole(self, room: RoomState, rnd: Round, command: Answer) -> Any | Rejection:
        """The answer an `Answer` command gives (not None), or why not. Any JSON may arrive."""
        raise NotImplementedError

    def decide(self, room: RoomState, rnd: Round, command: Command, actor: Actor):
        if actor.ballot is None:
            return NOT_JOINED
        current = rnd.data.get(actor.ballot)
        if isinstance(command, Answer):
            answer = None if command.answer is None else self.whole(room, rnd, command)
        else:
            answer = self.answer_from(room, rnd, current, command)
        if isinstance(answer, Rejection):
            return answer
        other = self.other_from(rnd, answer, command, rnd.notes.get(actor.ballot, ""))
        if isinstance(other, Rejection):
            return other
        if answer == current and other == rnd.notes.get(actor.ballot, ""):
            return []
        extra = {"other": other} if other else {}
        return [self.answer_event(round=rnd.index, ballot=actor.ballot, answer=answer, **extra)]  # type: ignore[call-arg]

    def other_from(self, rnd: Round, answer: Any, command: Command, current: str) -> str | Rejection:
        """The free text that goes with an answer (a poll's "other, please specify")."""
        return ""

    def apply(self, room: RoomState, rnd: Round, event: Event) -> None:
        answer = event.answer  # type: ignore[attr-defined]
        ballot = event.ballot  # type: ignore[attr-defined]
        if answer is None:
            rnd.data.pop(ballot, None)
        else:
            rnd.data[ballot] = answer
        other = getattr(event, "other", "")
        if other and answer is not None:
            rnd.notes[ballot] = other
        else:
            rnd.notes.pop(ballot, None)

    def contributed(self, room: RoomState, rnd: Round, pid: str | None, ballot: str | None) -> bool:
        return ballot in rnd.data

    def touches(self, room: RoomState, rnd: Round, event: Event) -> frozenset[str] | None:
        return frozenset((event.ballot,)) if isinstance(event, self.answer_event) else None  # type: ignore[attr-defined]

    def answers(self, room: RoomState, rnd: Round) -> dict[str, Any]:
        return dict(rnd.data)

    def restrict(self, room: RoomState, rnd: Round, seated: set[str]) -> dict[str, Any]:
        return {ballot: answer for ballot, answer in rnd.data.items() if ballot in seated}

    def contributors(self, room: RoomState, rnd: Round) -> int:
        return len(rnd.data)

    def personal_key(self, room: RoomState, rnd: Round, pid: str | None, ballot: str | None) -> Hashable:
        answer = rnd.data.get(ballot or "")
        return tuple(answer) if isinstance(answer, list) else answer  # lists are not hashable


def my_answer(rnd: Round, ballot: str | None) -> Any:
    return rnd.data.get(ballot or "")


def counts(
    rnd: Round, values: Iterable[int], chosen: Callable[[Any], Iterable[int]]
) -> list[tuple[int, int]]:
    """(value, how many chose it) for every value, in order. `chosen` gives the values an answer
    counts for (one for a scale, several for a multiple-choice poll)."""
    tally = dict.fromkeys(values, 0)
    for answer in rnd.data.values():
        for value in chosen(answer):
            if value in tally:
                tally[value] += 1
    return list(tally.items())
