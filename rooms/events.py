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


class RoundStarted(Event, tag="round_started"):
    round: int


class RoundClosed(Event, tag="round_closed"):
    round: int


class ResultsRevealed(Event, tag="results_revealed"):
    round: int


class MeetingEnded(Event, tag="meeting_ended"):
    pass


ROOM_EVENTS: tuple[type[Event], ...] = (
    ParticipantJoined,
    RoundStarted,
    RoundClosed,
    ResultsRevealed,
    MeetingEnded,
)
