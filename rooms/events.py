"""Events that belong to the room as a whole. Round types define their own in rooms/rounds/;
RoomOpened, which carries the plan, lives in rooms/plan.py."""

import msgspec


class Event(msgspec.Struct, tag_field="t", frozen=True, kw_only=True):
    """A fact about a room. Stored in the room's log; the room's state is their fold."""


class ParticipantJoined(Event, tag="participant_joined"):
    pid: str
    name: str = ""
    # The panel member this participant is, when they came through a personal invitation link.
    member: str | None = None
    # Takes part without a phone: a scribe enters their answers.
    scribed: bool = False


class RoundStarted(Event, tag="round_started"):
    round: int


class RoundPaused(Event, tag="round_paused"):
    round: int


class RoundResumed(Event, tag="round_resumed"):
    round: int


class RoundClosed(Event, tag="round_closed"):
    round: int


class TimerSet(Event, tag="timer_set"):
    """A countdown on every screen; `ends_at` is seconds since the epoch (UTC), None to stop it."""

    round: int
    ends_at: float | None


class ResultsRevealed(Event, tag="results_revealed"):
    round: int


class LiveResultsSet(Event, tag="live_results_set"):
    round: int
    live: bool


class TablesAssigned(Event, tag="tables_assigned"):
    """Who sits at which table (pid -> table number); replaces any earlier split.
    An empty mapping clears the tables."""

    tables: dict[str, int]


class TableAssigned(Event, tag="table_assigned"):
    """One participant seated, e.g. someone who came after the split."""

    pid: str
    table: int


class BallotSeated(Event, tag="ballot_seated"):
    """In a round with results per table: the table a participant takes part from, keyed by
    their ballot (or, in rounds of signed text, their pseudonym) — see RoundType.seat_by."""

    round: int
    ballot: str
    table: int


class RecapLine(msgspec.Struct, frozen=True):
    """One outcome of an earlier meeting and what became of it (`status` is a message id)."""

    text: str
    status: str
    explanation: str = ""


class RecapSet(Event, tag="recap_set"):
    """What happened since last time, shown on the board and phones before the first round."""

    lines: list[RecapLine]


class MeetingEnded(Event, tag="meeting_ended"):
    pass


class HostAdded(Event, tag="host_added"):
    host: str
    table: int  # 0: every table


class HostRemoved(Event, tag="host_removed"):
    host: str


class HelpRequested(Event, tag="help_requested"):
    pid: str


class HelpCleared(Event, tag="help_cleared"):
    pid: str


class ScribeEntry(Event, tag="scribe_entry"):
    """The next `events` events were entered by a scribe for someone without a phone. Says
    neither who the scribe nor who the person is: a marker for the record, never shown."""

    events: int


ROOM_EVENTS: tuple[type[Event], ...] = (
    ParticipantJoined,
    RoundStarted,
    RoundPaused,
    RoundResumed,
    RoundClosed,
    TimerSet,
    ResultsRevealed,
    LiveResultsSet,
    TablesAssigned,
    TableAssigned,
    BallotSeated,
    RecapSet,
    MeetingEnded,
    HostAdded,
    HostRemoved,
    HelpRequested,
    HelpCleared,
    ScribeEntry,
)
