"""Commands that concern the room as a whole. Round types define their own in rooms/rounds/."""

from typing import ClassVar

import msgspec

from rooms.actors import Role
from rooms.events import RecapLine


class Command(msgspec.Struct, tag_field="cmd", frozen=True, kw_only=True):
    """A request to change a room. `nonce` is chosen by the client: a repeat is not applied twice."""

    roles: ClassVar[frozenset[Role]] = frozenset({Role.PARTICIPANT})
    nonce: str = ""


FACILITATOR_ONLY = frozenset({Role.FACILITATOR})


class StartRound(Command, tag="start_round"):
    """Start a round from the plan; a round still open is closed first."""

    roles = FACILITATOR_ONLY
    round: int


class PauseRound(Command, tag="pause_round"):
    roles = FACILITATOR_ONLY
    round: int


class ResumeRound(Command, tag="resume_round"):
    roles = FACILITATOR_ONLY
    round: int


class CloseRound(Command, tag="close_round"):
    roles = FACILITATOR_ONLY
    round: int


class SetTimer(Command, tag="timer"):
    """Start a countdown of `seconds` on every screen (0 stops it). Informational: the
    facilitator still closes the round."""

    roles = FACILITATOR_ONLY
    round: int
    seconds: int


class RevealResults(Command, tag="reveal"):
    roles = FACILITATOR_ONLY
    round: int


class SplitTables(Command, tag="split_tables"):
    """Seat everyone who has joined at tables of at most `size` (0 clears the tables), in a
    shuffled order, so each split mixes people anew."""

    roles = FACILITATOR_ONLY
    size: int


class ShowLive(Command, tag="live_results"):
    """Show (or stop showing) a running round's results to everyone while it runs."""

    roles = FACILITATOR_ONLY
    round: int
    live: bool


class EndMeeting(Command, tag="end_meeting"):
    roles = FACILITATOR_ONLY


class SetRecap(Command, tag="set_recap"):
    """Sent by the server from the staff pages, with lines it has written from follow-ups."""

    roles = FACILITATOR_ONLY
    lines: list[RecapLine]


class Join(Command, tag="join"):
    """Sent by the server when someone joins over HTTP; never accepted from a socket."""

    roles = frozenset({Role.SYSTEM})
    pid: str
    name: str = ""
    member: str | None = None


class AddPerson(Command, tag="add_person"):
    """Someone taking part without a phone, whose answers a scribe enters. Sent by the server
    from the scribe pages and check-in (it chooses `pid`); never accepted from a socket."""

    roles = frozenset({Role.FACILITATOR, Role.HOST, Role.SYSTEM})
    pid: str
    name: str = ""
    table: int = 0  # 0: the smallest table, as for anyone who arrives late
    member: str | None = None


class AddHost(Command, tag="add_host"):
    """Let a device act as table host (sent by the server, which gives the device its key)."""

    roles = FACILITATOR_ONLY
    host: str
    table: int = 0  # 0: every table


class RemoveHost(Command, tag="remove_host"):
    roles = FACILITATOR_ONLY
    host: str


class RequestHelp(Command, tag="request_help"):
    """A participant's "I need help": shown to the facilitator only, never on the board."""


class CancelHelp(Command, tag="cancel_help"):
    pass


class AnswerHelp(Command, tag="answer_help"):
    roles = FACILITATOR_ONLY
    pid: str


ROOM_COMMANDS: tuple[type[Command], ...] = (
    StartRound,
    PauseRound,
    ResumeRound,
    CloseRound,
    SetTimer,
    RevealResults,
    SplitTables,
    ShowLive,
    EndMeeting,
    RemoveHost,
    RequestHelp,
    CancelHelp,
    AnswerHelp,
)
