"""Dot voting: each participant spreads a few dots over the ideas of an earlier ideas round."""

from collections.abc import Hashable
from dataclasses import dataclass, field

from rooms.actors import Actor
from rooms.commands import Command
from rooms.events import Event
from rooms.rejection import N_, NOT_JOINED, Rejection
from rooms.rounds.base import RoundConfig, RoundType
from rooms.rounds.ideas import OVER, Option, reveal_source, source_index, stands_for, vote_options
from rooms.state import RoomState, Round


class DotsConfig(RoundConfig, tag="dots"):
    how_to = N_("Press “Give a dot” on the ideas you like best. You can take a dot back.")
    labels = {
        **RoundConfig.labels,
        "dots": N_("Dots per person"),
        "max_per_idea": N_("Most dots on one idea"),
        "allow_own": N_("Allow votes on one's own idea"),
        "over": N_("Vote on"),
    }
    choices = {
        "over": (("ideas", N_("Ideas")), ("themes", N_("Themes"))),
    }

    dots: int = 3
    max_per_idea: int = 3
    allow_own: bool = True
    # Index of the ideas round voted on; None means the nearest ideas round before this one.
    source: int | None = None
    # Vote on the source round's "ideas" or on its "themes".
    over: str = "ideas"


class CastDot(Command, tag="dot"):
    """Add (delta 1) or take back (delta -1) one dot on an idea."""

    idea: str
    delta: int = 1
    round: int | None = None


class DotsCast(Event, tag="dots_cast"):
    """A ballot's dot moved. `ballot` is a secret-ballot key, never a participant's pseudonym."""

    round: int
    ballot: str
    idea: str
    delta: int


@dataclass
class DotsData:
    ballots: dict[str, dict[str, int]] = field(default_factory=dict)
    tally: dict[str, int] = field(default_factory=dict)


class Dots(RoundType):
    name = "dots"
    config = DotsConfig
    commands = (CastDot,)
    events = (DotsCast,)

    def new_data(self, config: DotsConfig) -> DotsData:
        return DotsData()

    def check_config(self, config: DotsConfig, plan: list[RoundConfig], index: int) -> Rejection | None:
        if source_index(plan, index, config.source) is None or config.over not in OVER:
            return Rejection(
                "bad_plan", N_("A dot-voting round needs an ideas round before it to vote on.")
            )
        if config.dots < 1 or config.max_per_idea < 1:
            return Rejection("bad_plan", N_("A dot-voting round needs at least one dot."))
        return None

    def on_start(self, room: RoomState, rnd: Round) -> list[Event]:
        return reveal_source(room, rnd)

    def decide(
        self, room: RoomState, rnd: Round, command: Command, actor: Actor
    ) -> list[Event] | Rejection:
        assert isinstance(command, CastDot)
        if actor.ballot is None:
            return NOT_JOINED
        cfg: DotsConfig = rnd.config  # type: ignore[assignment]
        idea = next((i for i in options(room, rnd) if i.id == command.idea), None)
        if idea is None:
            return Rejection("no_such_idea", N_("That idea does not exist."))
        mine = rnd.data.ballots.get(actor.ballot, {})
        # Dots on an idea merged away count for the idea it was merged into.
        held = [k for k, n in mine.items() if n and stands_for(room, rnd, k) == idea.id]
        on_idea = sum(mine[k] for k in held)
        if command.delta == 1:
            if not cfg.allow_own and idea.author == actor.pid:
                return Rejection("own_idea", N_("In this round you cannot vote for your own idea."))
            if sum(mine.values()) >= cfg.dots:
                return Rejection(
                    "no_dots_left",
                    N_("You have used all your dots. Take one back to move it."),
                )
            if on_idea >= cfg.max_per_idea:
                return Rejection(
                    "idea_full",
                    N_("You can give at most %(max)d dots to one idea."),
                    {"max": cfg.max_per_idea},
                )
        elif command.delta == -1:
            if on_idea == 0:
                return Rejection("no_dot_here", N_("You have no dot on that idea to take back."))
            key = idea.id if idea.id in held else held[0]
            return [DotsCast(round=rnd.index, ballot=actor.ballot, idea=key, delta=-1)]
        else:
            return Rejection("bad_delta", N_("A dot can only be added or taken back one at a time."))
        return [DotsCast(round=rnd.index, ballot=actor.ballot, idea=idea.id, delta=1)]

    def apply(self, room: RoomState, rnd: Round, event: Event) -> None:
        assert isinstance(event, DotsCast)
        data: DotsData = rnd.data
        mine = data.ballots.setdefault(event.ballot, {})
        mine[event.idea] = mine.get(event.idea, 0) + event.delta
        if not mine[event.idea]:
            del mine[event.idea]
        data.tally[event.idea] = data.tally.get(event.idea, 0) + event.delta

    def contributors(self, room: RoomState, rnd: Round) -> int:
        return sum(1 for dots in rnd.data.ballots.values() if dots)

    def personal_key(self, room: RoomState, rnd: Round, pid: str | None, ballot: str | None) -> Hashable:
        mine = tuple(sorted(rnd.data.ballots.get(ballot, {}).items()))
        if rnd.config.allow_own:  # type: ignore[attr-defined]
            return mine
        # Own ideas are shown without vote buttons, so they belong to this person's view.
        return mine, tuple(i.id for i in options(room, rnd) if i.author == pid)

    def contributed(self, room: RoomState, rnd: Round, pid: str | None, ballot: str | None) -> bool:
        return bool(rnd.data.ballots.get(ballot or ""))

    def touches(self, room: RoomState, rnd: Round, event: Event) -> frozenset[str] | None:
        return frozenset((event.ballot,)) if isinstance(event, DotsCast) else None

    def restrict(self, room: RoomState, rnd: Round, seated: set[str]) -> DotsData:
        ballots = {b: dict(d) for b, d in rnd.data.ballots.items() if b in seated}
        tally: dict[str, int] = {}
        for dots in ballots.values():
            for idea, n in dots.items():
                tally[idea] = tally.get(idea, 0) + n
        return DotsData(ballots, tally)


ROUND_TYPE = Dots()


def options(room: RoomState, rnd: Round) -> list[Option]:
    """What one can vote on: the visible ideas (or themes) of the source round."""
    return vote_options(room, rnd)


def dots_left(rnd: Round, ballot: str | None) -> int:
    cfg: DotsConfig = rnd.config  # type: ignore[assignment]
    return cfg.dots - sum(rnd.data.ballots.get(ballot, {}).values())


def my_dots(room: RoomState, rnd: Round, ballot: str | None) -> dict[str, int]:
    """This ballot's dots per option, with dots on merged ideas counted for their target."""
    return _resolved(room, rnd, rnd.data.ballots.get(ballot, {}))


def _resolved(room: RoomState, rnd: Round, dots: dict[str, int]) -> dict[str, int]:
    resolved: dict[str, int] = {}
    for key, n in dots.items():
        target = stands_for(room, rnd, key)
        resolved[target] = resolved.get(target, 0) + n
    return resolved


def results(room: RoomState, rnd: Round) -> list[tuple[Option, int]]:
    """Visible ideas with their dots, most first; ties keep the order ideas were posted."""
    tally = _resolved(room, rnd, rnd.data.tally)
    ranked = [(idea, tally.get(idea.id, 0)) for idea in options(room, rnd)]
    return sorted(ranked, key=lambda pair: -pair[1])


def bars(room: RoomState, rnd: Round) -> list[tuple[str, int]]:
    return [(idea.text, n) for idea, n in results(room, rnd)]
