"""Rounds where each participant gives one answer they may change while the round is open
(poll, scale, consent). The answer is kept under the ballot key, never the pseudonym.

A subclass names its config, its one command and its one event (with fields `round`, `ballot`,
`answer`), and turns a command into an answer or a refusal in `answer_from`.
"""

from collections.abc import Callable, Hashable, Iterable
from typing import Any, ClassVar

from rooms.actors import Actor
from rooms.commands import Command
from rooms.events import Event
from rooms.rejection import NOT_JOINED, Rejection
from rooms.rounds.base import RoundType
from rooms.state import RoomState, Round


class AnswerRound(RoundType):
    answer_event: ClassVar[type[Event]]

    def new_data(self, config: Any) -> dict[str, Any]:
        return {}  # ballot -> answer

    def answer_from(self, room: RoomState, rnd: Round, current: Any, command: Command) -> Any | Rejection:
        """The ballot's new answer (given its current one, or None), or why not."""
        raise NotImplementedError

    def decide(self, room: RoomState, rnd: Round, command: Command, actor: Actor):
        if actor.ballot is None:
            return NOT_JOINED
        current = rnd.data.get(actor.ballot)
        answer = self.answer_from(room, rnd, current, command)
        if isinstance(answer, Rejection):
            return answer
        if answer == current:
            return []
        return [self.answer_event(round=rnd.index, ballot=actor.ballot, answer=answer)]  # type: ignore[call-arg]

    def apply(self, room: RoomState, rnd: Round, event: Event) -> None:
        answer = event.answer  # type: ignore[attr-defined]
        if answer is None:
            rnd.data.pop(event.ballot, None)  # type: ignore[attr-defined]
        else:
            rnd.data[event.ballot] = answer  # type: ignore[attr-defined]

    def contributed(self, room: RoomState, rnd: Round, pid: str | None, ballot: str | None) -> bool:
        return ballot in rnd.data

    def touches(self, room: RoomState, rnd: Round, event: Event) -> frozenset[str] | None:
        return frozenset((event.ballot,)) if isinstance(event, self.answer_event) else None  # type: ignore[attr-defined]

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
