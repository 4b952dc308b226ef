"""A survey's results as staff see them: response by group, and for every question the
unweighted and the weighted result side by side, with margins of error and breakdowns by group
in which small groups are hidden.

Respondents are the ballots that answered at least one question; they are raked once, and each
question's figures are over those who answered it (a domain of the whole design).
"""

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from rooms.rejection import N_
from rooms.rounds import consent, ideas, ranking, scale, statements
from rooms.state import RoomState, Round
from rooms.survey import GROUP_DIMENSIONS, answers_shown
from server.panel.composition import LABELS, category
from server.panel.fields import GENDERS
from server.panel.population import dimensions
from server.store.records import Member
from server.surveys.estimates import Estimate, mean
from server.surveys.suppression import hidden_groups
from server.surveys.weighting import Margin, Weighting, rake

DIMENSION_NAMES = {d.key: d.label for d in dimensions()}


@dataclass(frozen=True)
class Group:
    dimension: str
    category: str

    @property
    def label(self) -> tuple[str, bool]:
        """(text, whether it is a message id to translate)."""
        if not self.category:
            return N_("Not stated"), True
        if self.dimension == "gender":
            return GENDERS.get(self.category, self.category), True
        return LABELS.get(self.dimension, {}).get(self.category, (self.category, False))


@dataclass(frozen=True)
class Response:
    group: Group | None  # None: everyone
    invited: int
    responded: int
    hidden: bool

    @property
    def rate(self) -> float:
        return self.responded / self.invited if self.invited else 0.0


@dataclass(frozen=True)
class Figure:
    """What to estimate for a question: the value of one answer, over the answers in its domain
    (by default all of the question's; a statement's figures only over those who rated it)."""

    label: str
    translate: bool  # `label` is a message id
    kind: str  # share | mean
    value_of: Callable[[Any], float]
    counts: Callable[[Any], bool] = lambda answer: True  # whether an answer is in the domain
    subject: str = ""  # what the figure is about, when a question has several (a statement)


@dataclass(frozen=True)
class Row:
    """One figure of a question: an option's share, or a mean (of a scale, an amount, points)."""

    label: str
    translate: bool
    kind: str  # share | mean
    overall: Estimate
    by_group: dict[str, list[tuple[Group, Estimate | None]]]  # dimension -> groups (None: hidden)
    subject: str = ""  # rows with the same subject share a domain, so they are shown together


@dataclass(frozen=True)
class QuestionResult:
    round: Round
    answered: int  # respondents (for ideas: the people who wrote one)
    rows: list[Row]
    texts: list[str]  # free text, "other, please specify", shown ideas: for staff to read

    @property
    def parts(self) -> list[tuple[str, list[Row]]]:
        """The rows by subject, in order: one part for most questions, one per statement."""
        parts: list[tuple[str, list[Row]]] = []
        for row in self.rows:
            if not parts or parts[-1][0] != row.subject:
                parts.append((row.subject, []))
            parts[-1][1].append(row)
        return parts


@dataclass(frozen=True)
class Results:
    respondents: int
    weighting: Weighting | None
    response: list[Response]
    questions: list[QuestionResult]


def margins() -> list[Margin]:
    return [Margin(d.key, d.counts, ordered=d.key == "age") for d in dimensions()]


def response_by_group(invited: Sequence[Member], respondents: Sequence[dict[str, str]], today: date) -> list[Response]:
    """Response overall and per group: the invited by the register, respondents by their ballots' groups."""
    lines = [Response(None, len(invited), len(respondents), False)]
    for dimension in GROUP_DIMENSIONS:
        asked = Counter(category(m, dimension, today) for m in invited)
        answered = Counter(r.get(dimension, "") for r in respondents)
        hidden = hidden_groups({c: answered.get(c, 0) for c in asked})
        lines += [Response(Group(dimension, c), n, answered.get(c, 0), c in hidden) for c, n in sorted(asked.items())]
    return lines


def respondents(state: RoomState) -> tuple[list[str], list[dict[str, str]]]:
    """The ballots that answered at least one question, in key order, and each one's groups."""
    survey = state.survey
    groups = survey.groups if survey is not None else {}
    ballots = sorted({b for r in state.rounds for b in answers_shown(state, r)} & set(groups))
    return ballots, [groups[b] for b in ballots]


def weigh(people: list[dict[str, str]]) -> Weighting | None:
    return rake(people, margins()) if people else None


def results(state: RoomState, invited: Sequence[Member], today: date) -> Results:
    ballots, people = respondents(state)
    weighting = weigh(people)
    position = {b: i for i, b in enumerate(ballots)}
    questions = [_question(state, rnd, ballots, position, people, weighting) for rnd in state.rounds]
    return Results(len(ballots), weighting, response_by_group(invited, people, today), questions)


def _question(state: RoomState, rnd: Round, ballots: list[str], position: dict[str, int],
              people: list[dict[str, str]], weighting: Weighting | None) -> QuestionResult:
    if rnd.kind == "ideas":  # signed by their authors, not by ballot: counted and read, not weighted
        return QuestionResult(rnd, ideas.ROUND_TYPE.contributors(state, rnd), [], [i.text for i in ideas.visible_ideas(rnd)])
    answers = {b: a for b, a in answers_shown(state, rnd).items() if b in position}
    rows = []
    for figure in _figures(state, rnd):
        values, domain = np.zeros(len(ballots)), np.zeros(len(ballots), dtype=bool)
        for b, a in answers.items():
            if figure.counts(a):
                values[position[b]], domain[position[b]] = figure.value_of(a), True
        rows.append(_row(figure, values, domain, people, weighting))
    texts = list(answers.values()) if rnd.kind == "text" else [rnd.notes[b] for b in answers if b in rnd.notes]
    return QuestionResult(rnd, len(answers), rows, texts)


def _figures(state: RoomState, rnd: Round) -> list[Figure]:
    """What to estimate for a question."""
    cfg = rnd.config
    match rnd.kind:
        case "poll":
            options = [*cfg.options, *([N_("Other")] if cfg.other else [])]  # type: ignore[attr-defined]
            return [
                Figure(text, i >= len(cfg.options), "share", lambda a, i=i: float(i in a))  # type: ignore[attr-defined]
                for i, text in enumerate(options)
            ]
        case "scale":
            steps = [Figure(str(v), False, "share", lambda a, v=v: float(a == v)) for v in scale.steps(rnd)]
            return [Figure(N_("Average"), True, "mean", float), *steps]
        case "consent":
            return [
                Figure(name, True, "share", lambda a, level=level: float(a.level == level))
                for level, name in consent.LEVEL_NAMES.items()
            ]
        case "ranking":
            k = ranking.limit(state, rnd)
            return [
                Figure(o.text, False, "mean", lambda a, o=o.id: float(k - a.index(o)) if o in a[:k] else 0.0)
                for o in ranking.options(state, rnd)
            ]
        case "budget":
            return [
                Figure(text, False, "mean", lambda a, i=i: float(a.get(i, 0)))
                for i, text in enumerate(cfg.options)  # type: ignore[attr-defined]
            ]
        case "statements":
            # Each statement over the ballots that answered it: shares agreeing, disagreeing, not knowing.
            return [
                Figure(statements.VOTE_NAMES[vote], True, "share", lambda a, s=item.id, vote=vote: float(a[s] == vote),
                       counts=lambda a, s=item.id: s in a, subject=item.text)
                for item in statements.shown(rnd)
                for vote in statements.VOTES
            ]
    return []


def _row(figure: Figure, values: np.ndarray, answered: np.ndarray,
         people: list[dict[str, str]], weighting: Weighting | None) -> Row:
    overall = _estimate(values, answered, weighting)
    by_group: dict[str, list[tuple[Group, Estimate | None]]] = {}
    for dimension in GROUP_DIMENSIONS:
        cats = np.array([p.get(dimension, "") for p in people])
        present = sorted(set(cats[answered]))
        counts = {c: int((answered & (cats == c)).sum()) for c in present}
        hidden = hidden_groups(counts)
        by_group[dimension] = [
            (Group(dimension, c), None if c in hidden else _estimate(values, answered & (cats == c), weighting))
            for c in present
        ]
    return Row(figure.label, figure.translate, figure.kind, overall, by_group, figure.subject)


def _estimate(values: np.ndarray, domain: np.ndarray, weighting: Weighting | None) -> Estimate:
    if weighting is None or not domain.any():
        return Estimate(float("nan"), float("nan"), float("nan"), 0)
    return mean(weighting, values, domain)
