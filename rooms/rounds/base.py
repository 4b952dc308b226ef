from collections.abc import Hashable
from typing import TYPE_CHECKING, Any, ClassVar

import msgspec

from rooms.rejection import N_, Rejection

if TYPE_CHECKING:
    from rooms.actors import Actor
    from rooms.commands import Command
    from rooms.events import Event
    from rooms.state import RoomState, Round


class SummaryRow(msgspec.Struct, frozen=True):
    """One line of a round's results as kept in the meeting's outcome: what (an option, a
    statement...), how many, and a short note. `translate` / `translate_note`: that text is a
    message id, shown in the reader's language."""

    label: str
    count: int | None = None
    note: str = ""
    translate: bool = False
    translate_note: bool = False


class RoundConfig(msgspec.Struct, tag_field="type", frozen=True, kw_only=True):
    """Settings of one round in a meeting's plan. Each round type subclasses it with a tag.

    `labels` names the settings a facilitator may edit (field -> message id for its label), in
    the order the form shows them; `choices` gives the allowed values of text settings.
    """

    labels: ClassVar[dict[str, str]] = {
        "title": N_("Title"),
        "prompt": N_("What participants are asked"),
        "instruction": N_("How to answer, in plain words (empty: the standard words for this kind of round)"),
        "live_results": N_("Show results while the round runs"),
        "tables": N_("Seat people at new tables of this size when the round starts (0: keep)"),
        "per_table": N_("Show results per table"),
        "show_if_round": N_("Ask only those who answered question number (empty: everyone)"),
        "show_if_options": N_("… with one of these option numbers (one per line)"),
    }
    choices: ClassVar[dict[str, tuple[tuple[str, str], ...]]] = {}
    # Settings a newly added round starts with, where the defaults alone would not work.
    starter: ClassVar[dict[str, object]] = {}
    # How to answer, in easy words, read first by a screen reader; `instruction` replaces it.
    how_to: ClassVar[str] = N_("Answer below. Ask the facilitator if anything is unclear.")

    title: str = ""
    # What participants are asked, shown at the top of their phone (plain language).
    prompt: str = ""
    instruction: str = ""
    # Show results to everyone while the round runs, instead of only after the reveal.
    live_results: bool = False
    # Seat everyone at new tables of this size when the round starts (World Café); 0 keeps them.
    tables: int = 0
    # Results per table as well as for the room; each phone sees its own table's.
    per_table: bool = False
    # In a survey: show this question only to those who chose one of `show_if_options` (option
    # numbers) in the earlier poll `show_if_round`.
    show_if_round: int | None = None
    show_if_options: list[int] = []

    @property
    def type(self) -> str:
        return type(self).__struct_config__.tag  # type: ignore[return-value]


class RoundType:
    """A kind of round: its config, commands, events, rules, and how it reports progress."""

    name: ClassVar[str]
    config: ClassVar[type[RoundConfig]]
    commands: ClassVar[tuple[type["Command"], ...]] = ()
    events: ClassVar[tuple[type["Event"], ...]] = ()
    # In rounds with results per table, what records a participant's table: their "ballot" (votes
    # stay unlinked to people) or, for rounds of signed text, their "pid".
    seat_by: ClassVar[str] = "ballot"

    def new_data(self, config: Any) -> Any:
        return None

    def check_config(self, config: Any, plan: list[RoundConfig], index: int) -> Rejection | None:
        """Refuse a plan in which this round cannot work (e.g. votes on a missing ideas round)."""
        return None

    def on_start(self, room: "RoomState", rnd: "Round") -> list["Event"]:
        """Events that must happen before this round can start (e.g. revealing its inputs)."""
        return []

    def decide(
        self, room: "RoomState", rnd: "Round", command: "Command", actor: "Actor"
    ) -> list["Event"] | Rejection:
        """Only called for this type's commands aimed at this round. For participants the room has
        already checked that they joined and that the round is open."""
        raise NotImplementedError

    def apply(self, room: "RoomState", rnd: "Round", event: "Event") -> None:
        raise NotImplementedError

    def contributors(self, room: "RoomState", rnd: "Round") -> int:
        """How many participants have taken part in this round so far."""
        return 0

    def contributed(self, room: "RoomState", rnd: "Round", pid: str | None, ballot: str | None) -> bool:
        """Whether one participant has taken part (counted, never named, for the facilitator)."""
        return False

    def answers(self, room: "RoomState", rnd: "Round") -> dict[str, Any]:
        """Each ballot's answer, by ballot key: what a survey's results and exports count. Rounds
        of signed text (ideas) have none: their text belongs to its author's pseudonym."""
        return {}

    def restrict(self, room: "RoomState", rnd: "Round", seated: set[str]) -> Any:
        """This round's data as if only the participants with these seat keys (see `seat_by`)
        had taken part; None if the type has no per-table view."""
        return None

    def personal_key(self, room: "RoomState", rnd: "Round", pid: str | None, ballot: str | None) -> Hashable:
        """Everything one participant's own view of this round depends on; equal keys, equal views."""
        return None

    def touches(self, room: "RoomState", rnd: "Round", event: "Event") -> frozenset[str] | None:
        """Whose `personal_key` this round's event can change, by ballot or participant id, when
        it can change no one else's; None when it may change anyone's (the safe default). What
        every participant sees alike is compared apart, so a vote that also moves a live tally
        still names only the voter. Lets the server look at one phone after a vote, not all."""
        return None

    def summary(self, room: "RoomState", rnd: "Round") -> list[SummaryRow]:
        """The round's results for the meeting's outcome: totals only, never who chose what."""
        return []

