"""decide and apply: every rule of a live meeting, and how its events fold into state."""

import hashlib
from collections.abc import Iterable

from rooms.actors import Actor, Role
from rooms.commands import (
    CloseRound,
    Command,
    EndMeeting,
    Join,
    PauseRound,
    ResumeRound,
    RevealResults,
    SetRecap,
    SetTimer,
    ShowLive,
    SplitTables,
    StartRound,
)
from rooms.events import (
    BallotSeated,
    Event,
    HelpCleared,
    HelpRequested,
    LiveResultsSet,
    MeetingEnded,
    ParticipantJoined,
    RecapSet,
    ResultsRevealed,
    RoundClosed,
    RoundPaused,
    RoundResumed,
    RoundStarted,
    ScribeEntry,
    TableAssigned,
    TablesAssigned,
    TimerSet,
)
from rooms.people import admit
from rooms.plan import (
    PLAN_COMMANDS,
    AnyRoundConfig,
    PlanChanged,
    RoomOpened,
    check_plan,
    decide_plan,
)
from rooms.rejection import (
    MEETING_ENDED,
    N_,
    NO_SUCH_ROUND,
    NOT_ALLOWED,
    NOT_JOINED,
    ROUND_NOT_OPEN,
    ROUND_PAUSED,
    Rejection,
)
from rooms.rounds import ROUND_TYPES
from rooms.scribes import (
    SCRIBE_COMMANDS,
    SCRIBE_STATUSES,
    apply_scribes,
    decide_scribes,
    mark,
    may_scribe,
)
from rooms.state import Participant, RoomState, Round, RoundStatus
from rooms.survey import NOT_A_SURVEY, QUESTIONS_FIXED, SURVEY_COMMANDS, apply_survey, decide_survey, refusal
from rooms.text import clean_text

MAX_TITLE_LENGTH = 120
MAX_TIMER_SECONDS = 4 * 60 * 60
MAX_RECAP_LINES = 8

# The facilitator's running of a live meeting, which a survey (all questions open) has no use for.
FACILITATOR_FLOW = (StartRound, PauseRound, ResumeRound, CloseRound, SetTimer, RevealResults, SplitTables, ShowLive)
ROUND_COMMANDS: frozenset[type[Command]] = frozenset(
    c for t in ROUND_TYPES.values() for c in t.commands
)

ROUND_ALREADY_STARTED = Rejection("round_started", N_("That round has already been started."))
ROUND_NOT_STARTED = Rejection("round_not_started", N_("That round has not been started yet."))
ALREADY_REVEALED = Rejection("already_revealed", N_("The results are already shown."))
MAX_TABLE_SIZE = 50
BAD_TABLE_SIZE = Rejection("bad_table_size", N_("A table must seat between 1 and 50 people."))
NO_ONE_TO_SEAT = Rejection("no_one_to_seat", N_("Nobody has joined yet, so there is no one to seat."))
BAD_TIMER = Rejection("bad_timer", N_("A countdown must be between 0 seconds and 4 hours."))
# Results per table keep a vote secret only among enough people: a ballot is tied to its table (in
# the log, and so on the screens) only at tables of at least this many, and a table's own tally is
# shown only once this many ballots there count. Fewer count for the whole room alone.
MIN_SECRET_TABLE = 3


def new_room(
    code: str, title: str, plan: list[AnyRoundConfig], language: str = "nb"
) -> list[Event] | Rejection:
    """The first event of a room, if its plan is sound."""
    title = clean_text(title)
    if not title or len(title) > MAX_TITLE_LENGTH:
        return Rejection("bad_title", N_("A meeting needs a title of at most 120 characters."))
    problem = check_plan(plan)
    if problem is not None:
        return problem
    return [RoomOpened(code=code, title=title, plan=list(plan), language=language)]


def decide(state: RoomState, command: Command, actor: Actor, now: float = 0.0) -> list[Event] | Rejection:
    """The events a command causes, or why it is refused. Never changes `state`.

    `now` (seconds since the epoch) is the only clock a rule may read, so that deciding stays pure.
    """
    if actor.role not in command.roles:
        return NOT_ALLOWED
    if state.ended:
        return MEETING_ENDED
    if type(command) in SURVEY_COMMANDS:
        return decide_survey(state, command, now)
    if state.survey is not None and type(command) in FACILITATOR_FLOW:
        return NOT_A_SURVEY
    if state.survey is not None and type(command) in PLAN_COMMANDS:
        return QUESTIONS_FIXED
    match command:
        case Join():
            return admit(state, command.pid, command.name, command.member)
        case StartRound(round=index):
            return _start(state, index)
        case PauseRound(round=index) | ResumeRound(round=index) | CloseRound(round=index):
            return _pause_resume_close(state, command, index)
        case SetTimer(round=index, seconds=seconds):
            rnd = state.round(index)
            if rnd is None:
                return NO_SUCH_ROUND
            if not rnd.status.running:
                return ROUND_NOT_OPEN
            if not 0 <= seconds <= MAX_TIMER_SECONDS:
                return BAD_TIMER
            return [TimerSet(round=index, ends_at=now + seconds if seconds else None)]
        case RevealResults(round=index):
            return _reveal(state, index)
        case SplitTables(size=size):
            return _split(state, size, salt=f"seq:{state.seq}")
        case SetRecap(lines=lines):
            return [RecapSet(lines=lines[:MAX_RECAP_LINES])]
        case ShowLive(round=index, live=live):
            rnd = state.round(index)
            if rnd is None:
                return NO_SUCH_ROUND
            if rnd.status is RoundStatus.PENDING:
                return ROUND_NOT_STARTED
            return [] if rnd.results_shown == live else [LiveResultsSet(round=index, live=live)]
        case EndMeeting():
            return [*_close_running_round(state), MeetingEnded()]
    if type(command) in SCRIBE_COMMANDS:
        return decide_scribes(state, command, actor)
    if type(command) in PLAN_COMMANDS:
        plan = [r.config for r in state.rounds]
        return decide_plan(plan, [r.status is not RoundStatus.PENDING for r in state.rounds], command)
    if type(command) not in ROUND_COMMANDS:
        raise TypeError(f"no rule for {type(command).__name__}")
    return _round_command(state, command, actor, now)


def _round_command(state: RoomState, command: Command, actor: Actor, now: float) -> list[Event] | Rejection:
    participant = actor.role is Role.PARTICIPANT
    if participant and actor.pid not in state.participants:
        return NOT_JOINED
    # In a survey, staff type in paper answers: the server has checked who may.
    if actor.scribe and state.survey is None and (problem := may_scribe(state, actor)):
        return problem
    index = getattr(command, "round", None)
    if index is None:
        index = state.current
    rnd = state.round(index) if index is not None else None
    if rnd is None or type(command) not in ROUND_TYPES[rnd.kind].commands:
        return ROUND_NOT_OPEN if participant else NO_SUCH_ROUND
    if participant and state.survey is not None and (problem := refusal(state, rnd, actor, now)):
        return problem
    if participant and rnd.status not in (SCRIBE_STATUSES if actor.scribe else (RoundStatus.OPEN,)):
        return ROUND_PAUSED if rnd.status is RoundStatus.PAUSED else ROUND_NOT_OPEN
    round_type = ROUND_TYPES[rnd.kind]
    events = round_type.decide(state, rnd, command, actor)
    table = state.tables.get(actor.pid or "")
    seat = actor.pid if round_type.seat_by == "pid" else actor.ballot
    if events and not isinstance(events, Rejection) and rnd.config.per_table and table and seat:
        secret = round_type.seat_by == "ballot"
        if seat not in rnd.ballot_tables and (not secret or state.table_sizes().get(table, 0) >= MIN_SECRET_TABLE):
            events = [BallotSeated(round=rnd.index, ballot=seat, table=table), *events]
    return mark(events, actor) if isinstance(events, list) else events


def _split(state: RoomState, size: int, salt: str) -> list[Event] | Rejection:
    """Seat everyone at tables of at most `size`, dealt round in an order shuffled by `salt`
    (so each new split mixes people anew, yet replaying the log gives the same tables)."""
    if not 0 <= size <= MAX_TABLE_SIZE:
        return BAD_TABLE_SIZE
    if size == 0:
        return [TablesAssigned(tables={})] if state.tables else []
    people = sorted(state.participants, key=lambda pid: hashlib.sha256(f"{salt}:{pid}".encode()).digest())
    if not people:
        return NO_ONE_TO_SEAT
    count = -(-len(people) // size)  # ceiling: no table larger than asked
    return [TablesAssigned(tables={pid: i % count + 1 for i, pid in enumerate(people)})]


def _close_running_round(state: RoomState) -> list[Event]:
    rnd = state.running_round
    return [RoundClosed(round=rnd.index)] if rnd is not None else []


def _start(state: RoomState, index: int) -> list[Event] | Rejection:
    rnd = state.round(index)
    if rnd is None:
        return NO_SUCH_ROUND
    if rnd.status is not RoundStatus.PENDING:
        return ROUND_ALREADY_STARTED
    events = _close_running_round(state)
    # What a round type needs first (e.g. dots reveal their ideas) is judged on the state after
    # the close, so the two never emit the same event twice.
    closing = _with_statuses(state, events)
    events += ROUND_TYPES[rnd.kind].on_start(closing, closing.rounds[index])
    if rnd.config.tables and state.participants:
        seated = _split(state, rnd.config.tables, salt=f"round:{index}")
        if not isinstance(seated, Rejection):
            events += seated
    return [*events, RoundStarted(round=index)]


def _pause_resume_close(state: RoomState, command: Command, index: int) -> list[Event] | Rejection:
    rnd = state.round(index)
    if rnd is None:
        return NO_SUCH_ROUND
    match command:
        case PauseRound() if rnd.status is RoundStatus.OPEN:
            return [RoundPaused(round=index)]
        case ResumeRound() if rnd.status is RoundStatus.PAUSED:
            return [RoundResumed(round=index)]
        case CloseRound() if rnd.status.running:
            return [RoundClosed(round=index)]
    return ROUND_NOT_OPEN


def _reveal(state: RoomState, index: int) -> list[Event] | Rejection:
    rnd = state.round(index)
    if rnd is None:
        return NO_SUCH_ROUND
    if rnd.status is RoundStatus.PENDING:
        return ROUND_NOT_STARTED
    if rnd.status is RoundStatus.REVEALED:
        return ALREADY_REVEALED
    closing = [RoundClosed(round=index)] if rnd.status.running else []
    return [*closing, ResultsRevealed(round=index)]


def _with_statuses(state: RoomState, events: list[Event]) -> RoomState:
    """A copy with `events` applied to round statuses only; round data is shared, not copied."""
    copy = RoomState(
        code=state.code,
        title=state.title,
        language=state.language,
        seq=state.seq,
        rounds=[Round(r.index, r.config, r.status, r.data, r.ends_at, r.ballot_tables, r.live) for r in state.rounds],
        participants=state.participants,
        current=state.current,
        ended=state.ended,
        tables=state.tables,
        recap=state.recap,
        hosts=state.hosts,
        help=state.help,
    )
    for event in events:
        _apply_status(copy, event)
    return copy


def _apply_status(state: RoomState, event: Event) -> bool:
    """Applies an event that changes a round's status; False if it is some other event."""
    match event:
        case RoundStarted(round=index):
            state.rounds[index].status = RoundStatus.OPEN
            state.current = index
        case RoundPaused(round=index):
            state.rounds[index].status = RoundStatus.PAUSED
        case RoundResumed(round=index):
            state.rounds[index].status = RoundStatus.OPEN
        case RoundClosed(round=index):
            state.rounds[index].status = RoundStatus.CLOSED
            state.rounds[index].ends_at = None
        case ResultsRevealed(round=index):
            state.rounds[index].status = RoundStatus.REVEALED
        case TimerSet(round=index, ends_at=ends_at):
            state.rounds[index].ends_at = ends_at
        case LiveResultsSet(round=index, live=live):
            state.rounds[index].live = live
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
        case PlanChanged(plan=plan):
            # Rounds keep their state where their settings did not change (started ones never do).
            old = state.rounds
            state.rounds = [
                old[i] if i < len(old) and old[i].config == cfg
                else Round(i, cfg, data=ROUND_TYPES[cfg.type].new_data(cfg))
                for i, cfg in enumerate(plan)
            ]
        case ParticipantJoined(pid=pid, name=name, member=member, scribed=scribed):
            state.participants[pid] = Participant(pid, len(state.participants) + 1, name, member, scribed)
        case TablesAssigned(tables=tables):
            state.tables = dict(tables)
        case TableAssigned(pid=pid, table=table):
            state.tables[pid] = table
        case BallotSeated(round=index, ballot=ballot, table=table):
            state.rounds[index].ballot_tables[ballot] = table
        case RecapSet(lines=lines):
            state.recap = list(lines)
        case MeetingEnded():
            state.ended = True
        case _ if apply_scribes(state, event) or apply_survey(state, event):
            pass
        case _:
            rnd = state.rounds[event.round]  # type: ignore[attr-defined]
            ROUND_TYPES[rnd.kind].apply(state, rnd, event)
    return state


def apply_all(state: RoomState, events: Iterable[Event]) -> RoomState:
    for event in events:
        apply(state, event)
    return state


def replay(events: Iterable[Event]) -> RoomState:
    return apply_all(RoomState(), events)


def touches(state: RoomState, event: Event) -> frozenset[str] | None:
    """Participants (by pid or ballot) whose own view this event can change, beyond what every
    participant sees alike; None when it may be anyone's. A vote names its ballot only, so the
    server looks at the voter's phone after a vote instead of every phone in the room."""
    match event:
        case ParticipantJoined(pid=pid) | HelpRequested(pid=pid) | HelpCleared(pid=pid):
            return frozenset((pid,))
        case ScribeEntry():
            return frozenset()
    index = getattr(event, "round", None)
    if type(index) is int and 0 <= index < len(state.rounds):
        rnd = state.rounds[index]
        return ROUND_TYPES[rnd.kind].touches(state, rnd, event)
    return None


def contributors(state: RoomState, rnd: Round) -> int:
    return ROUND_TYPES[rnd.kind].contributors(state, rnd)


def contributed(state: RoomState, rnd: Round, actor: Actor) -> bool:
    """Whether this participant has taken part in the round (for the facilitator's monitor)."""
    return ROUND_TYPES[rnd.kind].contributed(state, rnd, actor.pid, actor.ballot)


def by_table(state: RoomState, rnd: Round) -> list[tuple[int, Round]]:
    """The round as each table saw it: (table, a copy of the round holding only that table's
    contributions). Empty when the round type has no per-table view or nobody is seated; a table
    with fewer than MIN_SECRET_TABLE secret ballots is left out."""
    round_type = ROUND_TYPES[rnd.kind]
    tables: list[tuple[int, Round]] = []
    for table in sorted(set(rnd.ballot_tables.values())):
        seated = {key for key, t in rnd.ballot_tables.items() if t == table}
        if round_type.seat_by == "ballot" and len(seated) < MIN_SECRET_TABLE:
            continue  # two ballots at a table would tell each voter the other's vote
        data = round_type.restrict(state, rnd, seated)
        if data is None:
            return []
        tables.append((table, Round(rnd.index, rnd.config, rnd.status, data, rnd.ends_at, live=rnd.live)))
    return tables
