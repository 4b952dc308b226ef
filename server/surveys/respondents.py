"""A member answering a survey through their personal link: who they are in the room, saving an
answer, and which questions are theirs.

The link's token is the only credential: the member's pseudonym and ballot key in the room are
derived from it, as for a live meeting's invitation, so the same link on another device (or next
week) finds the same answers, and no stored record links the ballot to the member. The member is
not named in the room's log at all (their Join carries no member id); only the invitation record
says that they have sent their answers, which is what reminders need.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from rooms import Actor, Rejection, Role
from rooms.actors import SYSTEM
from rooms.commands import Command, Join
from rooms.state import RoomState, Round
from rooms.survey import GROUP_DIMENSIONS, Describe, answered, shown
from server.auth import ballot_of, invitation_seat
from server.panel.composition import category
from server.realtime.hub import Hub
from server.store.records import Member

PAPER = "staff"  # the scribe mark of answers staff type in from a paper form


def respondent(token: str, code: str, paper: bool = False) -> Actor:
    """The member behind a personal link; `paper`: staff typing in their paper answers."""
    secret, pid = invitation_seat(token, code)
    return Actor(Role.PARTICIPANT, pid=pid, ballot=ballot_of(secret, code), scribe=PAPER if paper else None)


def groups_of(member: Member | None, today: date) -> dict[str, str]:
    """What weighting needs of a member: their group in each dimension, nothing more."""
    if member is None:
        return {}
    return {key: category(member, key, today) for key in GROUP_DIMENSIONS}


@dataclass(frozen=True)
class Question:
    number: int  # 1, 2, ... among the questions this respondent is shown
    round: Round
    answered: bool


def questions_for(state: RoomState, actor: Actor) -> list[Question]:
    """The questions this respondent is shown, in order, given their answers so far."""
    rounds = [r for r in state.rounds if shown(state, r, actor.ballot)]
    return [Question(n, r, answered(state, r, actor)) for n, r in enumerate(rounds, start=1)]


async def save(hub: Hub, code: str, actor: Actor, member: Member | None, command: Command) -> Rejection | None:
    """Admit the respondent if new, describe their ballot if new, then run the answer."""
    live = await hub.room(code)
    if live is None:
        return None
    if actor.pid not in live.state.participants:
        joined = await hub.execute(code, Join(pid=actor.pid or ""), SYSTEM)
        if isinstance(joined, Rejection):
            return joined
    survey = live.state.survey
    if survey is not None and actor.ballot not in survey.groups:
        described = await hub.execute(
            code, Describe(ballot=actor.ballot or "", groups=groups_of(member, datetime.now(UTC).date())), SYSTEM
        )
        if isinstance(described, Rejection):
            return described
    result = await hub.execute(code, command, actor)
    return result if isinstance(result, Rejection) else None
