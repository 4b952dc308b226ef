"""Helpers for tests of the pure domain: open a room, seat people, act, read refusals."""

from rooms import Actor, Rejection, Role, RoomState, apply_all, decide, new_room, replay
from rooms.actors import FACILITATOR, SYSTEM
from rooms.commands import Command, Join, StartRound

PEOPLE = [Actor(Role.PARTICIPANT, pid=f"p{n}", ballot=f"ballot-{n}") for n in range(4)]


def act(state: RoomState, command: Command, actor: Actor = FACILITATOR, now: float = 0.0):
    """Decide and, if accepted, apply: returns the events or the Rejection."""
    result = decide(state, command, actor, now)
    if not isinstance(result, Rejection):
        apply_all(state, result)
    return result


def opened(*plan, people: list[Actor] = PEOPLE, start: int | None = 0, members: bool = False) -> RoomState:
    """A room with `plan`, everyone in `people` joined (as panel members m-<pid> if `members`),
    and round `start` open (None: no round started)."""
    events = new_room("ROOM", "Møte", list(plan))
    assert not isinstance(events, Rejection), events
    state = replay(events)
    for p in people:
        act(state, Join(pid=p.pid or "", member=f"m-{p.pid}" if members else None), SYSTEM)
    if start is not None:
        act(state, StartRound(round=start))
    return state


def code(result) -> str:
    assert isinstance(result, Rejection), result
    return result.code
