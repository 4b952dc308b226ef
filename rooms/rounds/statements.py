"""Statements (Pol.is style): participants answer short statements agree / disagree / don't know,
one at a time in their own shuffled order, and may add statements of their own. After the reveal
the board shows what most agree on, what divides, and the opinion groups the votes fall into
(rooms/rounds/statements_analysis.py)."""

import hashlib
from collections.abc import Hashable
from dataclasses import dataclass, field

import numpy as np

from rooms.actors import Actor
from rooms.commands import Command
from rooms.events import Event
from rooms.rejection import N_, NOT_JOINED, Rejection
from rooms.rounds import statements_analysis as analysis
from rooms.rounds import texts
from rooms.rounds.base import RoundConfig, RoundType, SummaryRow
from rooms.rounds.statements_analysis import Counts
from rooms.rounds.texts import Item, Items
from rooms.state import RoomState, Round
from rooms.text import clean_text

VOTES = ("agree", "disagree", "pass")
# The answers in words, as rounds/statements/_vote_label.html says them.
VOTE_NAMES = {"agree": N_("Agree"), "disagree": N_("Disagree"), "pass": N_("Don't know")}
_VALUES = {"agree": 1.0, "disagree": -1.0, "pass": 0.0}


class StatementsConfig(RoundConfig, tag="statements"):
    how_to = N_("Read each statement and answer Agree, Disagree or Pass. You can also add a statement of your own.")
    labels = {
        **RoundConfig.labels,
        "statements": N_("Statements to answer (one per line)"),
        "allow_new": N_("Participants may add statements of their own"),
        "moderated": N_("Hold added statements until I let them through"),
        "max_length": N_("Longest statement (characters)"),
        "max_per_person": N_("Statements each participant may add"),
    }
    # Written by staff before the meeting; everyone can answer them from the start.
    statements: list[str] = []
    allow_new: bool = True
    # Hold each participant's statement until the facilitator approves it.
    moderated: bool = True
    max_length: int = 140
    max_per_person: int = 2


class AddStatement(Command, tag="add_statement"):
    text: str
    round: int | None = None


class RateStatement(Command, tag="rate"):
    """Answer a statement, or change one's answer while the round is open."""

    statement: str
    vote: str  # one of VOTES
    round: int | None = None


class StatementRated(Event, tag="statement_rated"):
    """A ballot's answer to a statement. `ballot` is a secret-ballot key, never a pseudonym."""

    round: int
    ballot: str
    statement: str
    vote: str


@dataclass
class StatementsData(Items):
    # ballot -> statement -> vote; each ballot's statements in the order first answered.
    votes: dict[str, dict[str, str]] = field(default_factory=dict)
    # When each statement first became visible: 0 for the seeds, then 1, 2, 3...
    arrival: dict[str, int] = field(default_factory=dict)
    arrivals: int = 0
    # ballot -> `arrivals` at its latest answer; see `order`.
    horizon: dict[str, int] = field(default_factory=dict)


NO_SUCH_STATEMENT = Rejection("no_such_statement", N_("That statement does not exist."))
BAD_VOTE = Rejection("bad_vote", N_("Please answer agree, disagree or don't know."))
NO_NEW = Rejection("no_new_statements", N_("In this round you cannot add statements."))


class Statements(RoundType):
    name = "statements"
    config = StatementsConfig
    commands = (AddStatement, RateStatement, *texts.MODERATION_COMMANDS)
    events = (*texts.ITEM_EVENTS, StatementRated)

    def new_data(self, config: StatementsConfig) -> StatementsData:
        data = StatementsData()
        for n, text in enumerate(config.statements, 1):
            item = Item(f"s{n}", "", clean_text(text))
            data.items[item.id] = item
            data.arrival[item.id] = 0
        return data

    def check_config(self, config: StatementsConfig, plan: list[RoundConfig], index: int) -> Rejection | None:
        if config.max_length < 1 or config.max_per_person < 0:
            return Rejection("bad_plan", N_("A statements round needs a length limit of at least 1."))
        if any(not 0 < len(clean_text(s)) <= config.max_length for s in config.statements):
            return Rejection(
                "bad_plan",
                N_("Every statement in the plan must have between 1 and %(max)d characters."),
                {"max": config.max_length},
            )
        if not config.statements and not (config.allow_new and config.max_per_person):
            return Rejection(
                "bad_plan", N_("A statements round needs statements, or must let participants add them.")
            )
        return None

    def decide(self, room: RoomState, rnd: Round, command: Command, actor: Actor) -> list[Event] | Rejection:
        cfg: StatementsConfig = rnd.config  # type: ignore[assignment]
        data: StatementsData = rnd.data
        match command:
            case AddStatement(text=text):
                if not cfg.allow_new:
                    return NO_NEW
                return texts.post(rnd, data, actor, text, cfg.max_length, cfg.max_per_person, cfg.moderated)
            case RateStatement(statement=statement, vote=vote):
                if actor.ballot is None:
                    return NOT_JOINED
                if vote not in VOTES:
                    return BAD_VOTE
                item = data.items.get(statement)
                if item is None or not item.visible:
                    return NO_SUCH_STATEMENT
                if data.votes.get(actor.ballot, {}).get(item.id) == vote:
                    return []
                return [StatementRated(round=rnd.index, ballot=actor.ballot, statement=item.id, vote=vote)]
        return texts.moderate(rnd, data, command)

    def apply(self, room: RoomState, rnd: Round, event: Event) -> None:
        data: StatementsData = rnd.data
        if isinstance(event, StatementRated):
            data.votes.setdefault(event.ballot, {})[event.statement] = event.vote
            data.horizon[event.ballot] = data.arrivals
            return
        texts.apply_item_event(data, event)
        item = data.items[event.item]  # type: ignore[attr-defined]
        if item.visible and item.id not in data.arrival:
            data.arrivals += 1
            data.arrival[item.id] = data.arrivals

    def contributors(self, room: RoomState, rnd: Round) -> int:
        return len(rnd.data.votes)

    def answers(self, room: RoomState, rnd: Round) -> dict[str, dict[str, str]]:
        """Each ballot's votes on the statements shown now (statement id -> vote); a ballot that
        answered only statements since hidden has none."""
        visible = {item.id for item in shown(rnd)}
        found = {b: {s: v for s, v in votes.items() if s in visible} for b, votes in rnd.data.votes.items()}
        return {b: votes for b, votes in found.items() if votes}

    def contributed(self, room: RoomState, rnd: Round, pid: str | None, ballot: str | None) -> bool:
        return ballot in rnd.data.votes

    def touches(self, room: RoomState, rnd: Round, event: Event) -> frozenset[str] | None:
        # A rating moves only the rater's own place in the statements (see `order`).
        return frozenset((event.ballot,)) if isinstance(event, StatementRated) else None

    def personal_key(self, room: RoomState, rnd: Round, pid: str | None, ballot: str | None) -> Hashable:
        mine = progress(rnd, ballot)
        return (
            mine.current.id if mine.current else None,
            mine.total,
            tuple((item.id, vote) for item, vote in mine.answered),
            texts.personal_key(rnd.data, pid),
        )

    def summary(self, room: RoomState, rnd: Round) -> list[SummaryRow]:
        found = results(rnd)
        return [
            SummaryRow(line.item.text, line.counts.answered, f"{line.pct('agree')}% / {line.pct('disagree')}%")
            for line in found.lines
        ]


ROUND_TYPE = Statements()


def shown(rnd: Round) -> list[Item]:
    """The statements everyone can answer, in the order they came."""
    return texts.visible(rnd.data)


def order(rnd: Round, ballot: str) -> list[Item]:
    """The visible statements in this ballot's own order: shuffled by a hash of the ballot and the
    round, so each person sees them differently and again the same way after a reload.

    Statements that arrive after the ballot's latest answer wait at the end, in arrival order:
    a new statement never takes the place of the one on the phone's screen, under a thumb about
    to tap. At the next answer they join the shuffle."""
    data: StatementsData = rnd.data
    horizon = data.horizon.get(ballot, 0)

    def key(item: Item) -> tuple[int, bytes]:
        late = max(data.arrival[item.id] - horizon, 0)
        return late, hashlib.sha256(f"{rnd.index}:{ballot}:{item.id}".encode()).digest()

    return sorted(shown(rnd), key=key)


@dataclass(frozen=True)
class Progress:
    current: Item | None  # the next statement to answer
    answered: list[tuple[Item, str]]  # visible statements answered, in the order first answered
    total: int  # visible statements


def progress(rnd: Round, ballot: str | None) -> Progress:
    if ballot is None:
        return Progress(None, [], len(shown(rnd)))
    mine = rnd.data.votes.get(ballot, {})
    items = order(rnd, ballot)
    visible = {item.id: item for item in items}
    answered = [(visible[s], vote) for s, vote in mine.items() if s in visible]
    current = next((item for item in items if item.id not in mine), None)
    return Progress(current, answered, len(items))


def statements_by(rnd: Round, pid: str | None) -> list[Item]:
    return texts.written_by(rnd.data, pid)


def can_add(rnd: Round, pid: str | None) -> bool:
    cfg: StatementsConfig = rnd.config  # type: ignore[assignment]
    return cfg.allow_new and len(statements_by(rnd, pid)) < cfg.max_per_person


@dataclass(frozen=True)
class Line:
    item: Item
    counts: Counts

    def pct(self, stance: str) -> int:
        return round(100 * self.counts.share(stance))


@dataclass(frozen=True)
class Stance:
    line: Line
    stance: str  # "agree" or "disagree"
    group_pct: int
    rest_pct: int


@dataclass(frozen=True)
class OpinionGroup:
    number: int
    size: int
    stances: tuple[Stance, ...]


@dataclass(frozen=True)
class Results:
    voters: int
    lines: tuple[Line, ...]  # every visible statement, in the order they came
    broad: tuple[Line, ...]
    divisive: tuple[Line, ...]
    groups: tuple[OpinionGroup, ...]


def vote_matrix(rnd: Round) -> tuple[list[Item], np.ndarray]:
    """Visible statements (columns) and the answers of every ballot that answered one of them
    (rows): +1 agree, -1 disagree, 0 don't know, NaN not answered."""
    items = shown(rnd)
    column = {item.id: j for j, item in enumerate(items)}
    rows = [r for r in rnd.data.votes.values() if any(s in column for s in r)]
    matrix = np.full((len(rows), len(items)), np.nan)
    for i, answers in enumerate(rows):
        for statement, vote in answers.items():
            if statement in column:
                matrix[i, column[statement]] = _VALUES[vote]
    return items, matrix


def results(rnd: Round) -> Results:
    items, matrix = vote_matrix(rnd)
    found = analysis.analyse(matrix)
    lines = tuple(Line(item, counts) for item, counts in zip(items, found.counts))
    groups = tuple(
        OpinionGroup(
            n,
            group.size,
            tuple(
                Stance(lines[r.statement], r.stance, round(100 * r.group_share), round(100 * r.rest_share))
                for r in group.representative
            ),
        )
        for n, group in enumerate(found.groups, 1)
    )
    return Results(
        voters=len(matrix),
        lines=lines,
        broad=tuple(lines[j] for j in found.broad),
        divisive=tuple(lines[j] for j in found.divisive),
        groups=groups,
    )
