"""Ranking: put up to K options in order by tapping them one after another; the result is a Borda
count with the full table. Options come from the plan, or from the ideas of an earlier round."""

from dataclasses import dataclass

from rooms.commands import Command
from rooms.events import Event
from rooms.rejection import N_, Rejection
from rooms.rounds.answers import BAD_ANSWER, Answer, AnswerRound
from rooms.rounds.base import RoundConfig, SummaryRow
from rooms.rounds.ideas import OVER, Option, reveal_source, source_index, stands_for, vote_options
from rooms.state import RoomState, Round

MAX_OPTIONS = 20


class RankingConfig(RoundConfig, tag="ranking"):
    how_to = N_("Tap the options in the order you like them, the best first. Tap again to take one out.")
    labels = {
        **RoundConfig.labels,
        "options": N_("Options (one per line; empty: the ideas of the round before)"),
        "max_ranked": N_("How many each may rank (empty: all)"),
        "over": N_("Rank"),
    }
    choices = {
        "over": (("ideas", N_("Ideas")), ("themes", N_("Themes"))),
    }

    # Options written in the plan; when empty, the visible ideas (or themes, see `over`) of the
    # `source` ideas round.
    options: list[str] = []
    source: int | None = None
    over: str = "ideas"
    # How many one may rank (K); None means all of them.
    max_ranked: int | None = None


class Rank(Command, tag="rank"):
    """Tap an option: it goes to the end of one's order; tap a ranked one to take it out."""

    option: str
    round: int | None = None


class RankingGiven(Event, tag="ranking_given"):
    round: int
    ballot: str
    answer: list[str] | None


@dataclass(frozen=True)
class Standing:
    option: Option
    points: int  # Borda points
    first: int  # how many put it first
    ranked: int  # how many ranked it at all


class Ranking(AnswerRound):
    name = "ranking"
    config = RankingConfig
    commands = (Rank, Answer)
    events = (RankingGiven,)
    answer_event = RankingGiven

    def check_config(self, config: RankingConfig, plan, index) -> Rejection | None:
        if config.options:
            if not 2 <= len(config.options) <= MAX_OPTIONS or not all(o.strip() for o in config.options):
                return Rejection("bad_plan", N_("A ranking needs between 2 and 20 options."))
        elif source_index(plan, index, config.source) is None or config.over not in OVER:
            return Rejection(
                "bad_plan", N_("A ranking needs options, or an ideas round before it to rank.")
            )
        if config.max_ranked is not None and config.max_ranked < 1:
            return Rejection("bad_plan", N_("A ranking must let people rank at least one option."))
        return None

    def on_start(self, room: RoomState, rnd: Round) -> list[Event]:
        return [] if rnd.config.options else reveal_source(room, rnd)  # type: ignore[attr-defined]

    def answer_from(self, room: RoomState, rnd: Round, current: list[str] | None, command: Command):
        option = command.option  # type: ignore[attr-defined]
        if option not in {o.id for o in options(room, rnd)}:
            return Rejection("no_such_option", N_("That choice does not exist."))
        order = _live(room, rnd, current or [])
        if option in order:
            order.remove(option)
            return order or None
        if len(order) >= limit(room, rnd):
            return Rejection(
                "ranking_full",
                N_("You have ranked %(max)d, the most this round allows. Tap one to take it out."),
                {"max": limit(room, rnd)},
            )
        return [*order, option]

    def whole(self, room: RoomState, rnd: Round, command: Answer):
        order = command.answer
        known = {o.id for o in options(room, rnd)}
        if not isinstance(order, list) or not order or not all(isinstance(o, str) and o in known for o in order):
            return Rejection("no_such_option", N_("That choice does not exist."))
        if len(set(order)) != len(order):
            return BAD_ANSWER
        if len(order) > limit(room, rnd):
            return Rejection("ranking_full", N_("You can rank at most %(max)d."), {"max": limit(room, rnd)})
        return list(order)

    def summary(self, room: RoomState, rnd: Round) -> list[SummaryRow]:
        return [SummaryRow(s.option.text, s.points, f"{s.first}/{s.ranked}") for s in standings(room, rnd)]


ROUND_TYPE = Ranking()


def options(room: RoomState, rnd: Round) -> list[Option]:
    cfg: RankingConfig = rnd.config  # type: ignore[assignment]
    if cfg.options:
        return [Option(f"o{i}", text) for i, text in enumerate(cfg.options)]
    return vote_options(room, rnd)


def _live(room: RoomState, rnd: Round, order: list[str]) -> list[str]:
    """An order as it counts now: merged ideas stand for their target (once), hidden ones drop."""
    known = {o.id for o in options(room, rnd)}
    live: list[str] = []
    for option in order:
        target = option if rnd.config.options else stands_for(room, rnd, option)  # type: ignore[attr-defined]
        if target in known and target not in live:
            live.append(target)
    return live


def limit(room: RoomState, rnd: Round) -> int:
    count = len(options(room, rnd))
    k = rnd.config.max_ranked  # type: ignore[attr-defined]
    return count if k is None else min(k, count)


def my_order(room: RoomState, rnd: Round, ballot: str | None) -> list[Option]:
    by_id = {o.id: o for o in options(room, rnd)}
    return [by_id[i] for i in _live(room, rnd, rnd.data.get(ballot or "") or [])]


def standings(room: RoomState, rnd: Round) -> list[Standing]:
    """Borda count: with K places, 1st gets K points, 2nd K-1, ... ; unranked options get 0.
    Ties keep the order of the options."""
    opts = options(room, rnd)
    k = limit(room, rnd)
    points = dict.fromkeys((o.id for o in opts), 0)
    first = dict.fromkeys(points, 0)
    ranked = dict.fromkeys(points, 0)
    for order in rnd.data.values():
        live = _live(room, rnd, order)  # hidden ideas drop out; the rest move up
        for place, option in enumerate(live[:k]):
            points[option] += k - place
            ranked[option] += 1
        if live:
            first[live[0]] += 1
    table = [Standing(o, points[o.id], first[o.id], ranked[o.id]) for o in opts]
    return sorted(table, key=lambda s: -s.points)
