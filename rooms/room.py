"""decide and apply: every rule of a live meeting, and how its events fold into state."""

from collections.abc import Iterable

from rooms.actors import Actor, Role
from rooms.commands import CloseRound, Command, EndMeeting, Join, RevealResults, StartRound
from rooms.events import (
    Event,
    MeetingEnded,
    ParticipantJoined,
    ResultsRevealed,
    RoundClosed,
    RoundStarted,
)
from rooms.plan import AnyRoundConfig, RoomOpened
from rooms.rejection import (
    MEETING_ENDED,
    N_,
    NO_SUCH_ROUND,
    NOT_ALLOWED,
    NOT_JOINED,
    ROUND_NOT_OPEN,
    Rejection,
)
from rooms.rounds import ROUND_TYPES
from rooms.rounds.base import RoundType
from rooms.state import Participant, RoomState, Round, RoundStatus
from rooms.text import clean_text

MAX_NAME_LENGTH = 40
MAX_TITLE_LENGTH = 120

_TYPE_OF_COMMAND: dict[type[Command], RoundType] = {
    c: t for t in ROUND_TYPES.values() for c in t.commands
}
_TYPE_OF_EVENT: dict[type[Event], RoundType] = {e: t for t in ROUND_TYPES.values() for e in t.events}

ROUND_ALREADY_STARTED = Rejection("round_started", N_("That round has already been started."))
ROUND_NOT_STARTED = Rejection("round_not_started", N_("That round has not been started yet."))
ALREADY_REVEALED = Rejection("already_revealed", N_("The results are already shown."))


def new_room(
    code: str, title: str, plan: list[AnyRoundConfig], language: str = "nb"
) -> list[Event] | Rejection:
    """The first event of a room, if its plan is sound."""
    title = clean_text(title)
    if not title or len(title) > MAX_TITLE_LENGTH:
        return Rejection("bad_title", N_("A meeting needs a title of at most 120 characters."))
    if not plan:
        return Rejection("bad_plan", N_("A meeting needs at least one round."))
    for index, config in enumerate(plan):
        problem = ROUND_TYPES[config.type].check_config(config, plan, index)
        if problem is not None:
            return problem
    return [RoomOpened(code=code, title=title, plan=list(plan), language=language)]


def decide(state: RoomState, command: Command, actor: Actor) -> list[Event] | Rejection:
    """The events a command causes, or why it is refused. Never changes `state`."""
    if actor.role not in command.roles:
        return NOT_ALLOWED
    if state.ended:
        return MEETING_ENDED
    match command:
        case Join():
            return _join(state, command)
        case StartRound(round=index):
            return _start(state, index)
        case CloseRound(round=index):
            rnd = state.round(index)
            if rnd is None:
                return NO_SUCH_ROUND
            if rnd.status is not RoundStatus.OPEN:
                return ROUND_NOT_OPEN
            return [RoundClosed(round=index)]
        case RevealResults(round=index):
            return _reveal(state, index)
        case EndMeeting():
            return [*_close_open_round(state), MeetingEnded()]
    round_type = _TYPE_OF_COMMAND.get(type(command))
    if round_type is None:
        raise TypeError(f"no rule for {type(command).__name__}")
    if actor.role is Role.PARTICIPANT and actor.pid not in state.participants:
        return NOT_JOINED
    index = getattr(command, "round", None)
    if index is None:
        index = state.current
    rnd = state.round(index) if index is not None else None
    if rnd is None or rnd.kind != round_type.name:
        return ROUND_NOT_OPEN if actor.role is Role.PARTICIPANT else NO_SUCH_ROUND
    return round_type.decide(state, rnd, command, actor)


def _join(state: RoomState, command: Join) -> list[Event] | Rejection:
    if command.pid in state.participants:
        return []
    name = clean_text(command.name)
    if len(name) > MAX_NAME_LENGTH:
        return Rejection(
            "name_too_long",
            N_("Please keep your name to %(max)d characters or fewer."),
            {"max": MAX_NAME_LENGTH},
        )
    return [ParticipantJoined(pid=command.pid, name=name, member=command.member)]


def _close_open_round(state: RoomState) -> list[Event]:
    rnd = state.open_round
    return [RoundClosed(round=rnd.index)] if rnd is not None else []


def _start(state: RoomState, index: int) -> list[Event] | Rejection:
    rnd = state.round(index)
    if rnd is None:
        return NO_SUCH_ROUND
    if rnd.status is not RoundStatus.PENDING:
        return ROUND_ALREADY_STARTED
    events = _close_open_round(state)
    # What a round type needs first (e.g. dots reveal their ideas) is judged on the state after
    # the close, so the two never emit the same event twice.
    closing = replay_onto(_copy_statuses(state), events)
    events += ROUND_TYPES[rnd.kind].on_start(closing, closing.rounds[index])
    return [*events, RoundStarted(round=index)]


def _reveal(state: RoomState, index: int) -> list[Event] | Rejection:
    rnd = state.round(index)
    if rnd is None:
        return NO_SUCH_ROUND
    match rnd.status:
        case RoundStatus.PENDING:
            return ROUND_NOT_STARTED
        case RoundStatus.REVEALED:
            return ALREADY_REVEALED
        case RoundStatus.OPEN:
            return [RoundClosed(round=index), ResultsRevealed(round=index)]
    return [ResultsRevealed(round=index)]


def _copy_statuses(state: RoomState) -> RoomState:
    """A copy deep enough for status changes; round data is shared and must not be mutated."""
    rounds = [Round(r.index, r.config, r.status, r.data) for r in state.rounds]
    return RoomState(
        code=state.code,
        title=state.title,
        language=state.language,
        seq=state.seq,
        rounds=rounds,
        participants=state.participants,
        current=state.current,
        ended=state.ended,
    )


def replay_onto(state: RoomState, events: Iterable[Event]) -> RoomState:
    for event in events:
        _apply_status(state, event)
    return state


def _apply_status(state: RoomState, event: Event) -> bool:
    """Applies an event that changes a round's status; False if it is some other event."""
    match event:
        case RoundStarted(round=index):
            state.rounds[index].status = RoundStatus.OPEN
            state.current = index
        case RoundClosed(round=index):
            state.rounds[index].status = RoundStatus.CLOSED
        case ResultsRevealed(round=index):
            state.rounds[index].status = RoundStatus.REVEALED
        case _:
            return False
    return True


def apply(state: RoomState, event: Event) -> RoomState:
    """Folds one event into the state (in place) and returns it."""
    state.seq += 1
    if _apply_status(state, event):
        return state
    match event:
        case RoomOpened():
            state.code = event.code
            state.title = event.title
            state.language = event.language
            state.rounds = [
                Round(i, cfg, data=ROUND_TYPES[cfg.type].new_data(cfg))
                for i, cfg in enumerate(event.plan)
            ]
        case ParticipantJoined(pid=pid, name=name, member=member):
            state.participants[pid] = Participant(pid, len(state.participants) + 1, name, member)
        case MeetingEnded():
            state.ended = True
        case _:
            round_type = _TYPE_OF_EVENT[type(event)]
            round_type.apply(state, state.rounds[event.round], event)  # type: ignore[attr-defined]
    return state


def apply_all(state: RoomState, events: Iterable[Event]) -> RoomState:
    for event in events:
        apply(state, event)
    return state


def replay(events: Iterable[Event]) -> RoomState:
    return apply_all(RoomState(), events)


def contributors(state: RoomState, rnd: Round) -> int:
    return ROUND_TYPES[rnd.kind].contributors(state, rnd)
