from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # rooms.rounds imports this module
    from rooms.rounds.base import RoundConfig


class RoundStatus(StrEnum):
    PENDING = "pending"
    OPEN = "open"
    PAUSED = "paused"  # started, but not taking input for the moment
    CLOSED = "closed"
    REVEALED = "revealed"

    @property
    def running(self) -> bool:
        return self in (RoundStatus.OPEN, RoundStatus.PAUSED)


@dataclass
class Participant:
    pid: str
    number: int  # 1, 2, 3... in joining order; gives a friendly default name ("Participant 3")
    name: str = ""
    member: str | None = None
    scribed: bool = False  # takes part without a phone, through a scribe


@dataclass
class Round:
    index: int
    config: RoundConfig
    status: RoundStatus = RoundStatus.PENDING
    # The round type's own state (e.g. ideas or ballots); see rooms/rounds/.
    data: Any = None
    # When the facilitator's countdown ends (seconds since the epoch, UTC), if one is running.
    ends_at: float | None = None
    # For rounds with results per table: the table each ballot voted from.
    ballot_tables: dict[str, int] = field(default_factory=dict)
    # The facilitator's choice to show results live, overriding the round's setting.
    live: bool | None = None
    # Free text a ballot gave with its answer (a poll's "other, please specify").
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.config.type

    @property
    def results_shown(self) -> bool:
        """Results are for everyone once revealed, or while running if the round shows them live."""
        if self.status is RoundStatus.REVEALED:
            return True
        live = self.config.live_results if self.live is None else self.live
        return live and self.status is not RoundStatus.PENDING


@dataclass
class Survey:
    """A room run as a survey (rooms/survey.py): every question open until `closes_at`."""

    closes_at: float  # seconds since the epoch, UTC
    closed: bool = False
    groups: dict[str, dict[str, str]] = field(default_factory=dict)  # ballot -> dimension -> category


@dataclass
class RoomState:
    code: str = ""
    title: str = ""
    language: str = "nb"
    seq: int = 0  # sequence number of the last event applied
    rounds: list[Round] = field(default_factory=list)
    participants: dict[str, Participant] = field(default_factory=dict)
    current: int | None = None  # the round most recently started
    ended: bool = False
    tables: dict[str, int] = field(default_factory=dict)  # pid -> table number (1, 2, ...)
    recap: list[Any] = field(default_factory=list)  # RecapLine: what happened since last time
    hosts: dict[str, int] = field(default_factory=dict)  # table host id -> table (0: every table)
    help: dict[str, None] = field(default_factory=dict)  # pids asking for help, oldest first
    survey: Survey | None = None  # set when the room is opened as a survey

    @property
    def opened(self) -> bool:
        return bool(self.code)

    def round(self, index: int) -> Round | None:
        if 0 <= index < len(self.rounds):
            return self.rounds[index]
        return None

    @property
    def table_count(self) -> int:
        return max(self.tables.values(), default=0)

    def table_sizes(self) -> dict[int, int]:
        sizes = dict.fromkeys(range(1, self.table_count + 1), 0)
        for table in self.tables.values():
            sizes[table] += 1
        return sizes

    @property
    def current_round(self) -> Round | None:
        return None if self.current is None else self.rounds[self.current]

    @property
    def running_round(self) -> Round | None:
        """The round that is open or paused, if any."""
        r = self.current_round
        return r if r is not None and r.status.running else None
