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

import numpy as np

from rooms.rejection import N_
from rooms.rounds import consent, ranking, scale
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
class Row:
    """One figure of a question: an option's share, or a mean (of a scale, an amount, points)."""

    label: str
    translate: bool
    kind: str  # share | mean
    overall: Estimate
    by_group: dict[str, list[tuple[Group, Estimate | None]]]  # dimension -> groups (None: hidden)


@dataclass(frozen=True)
class QuestionResult:
    round: Round
    answered: int
    rows: list[Row]
    texts: list[str]  # free text and "other, please specify", for staff to read


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
    answers = {b: a for b, a in answers_shown(state, rnd).items() if b in position}
    answered = np.zeros(len(ballots), dtype=bool)
    for b in answers:
        answered[position[b]] = True
    rows = []
    for label, translate, kind, value_of in _figures(state, rnd):
        values = np.zeros(len(ballots))
        for b, a in answers.items():
            values[position[b]] = value_of(a)
        rows.append(_row(label, translate, kind, values, answered, people, weighting))
    texts = list(answers.values()) if rnd.kind == "text" else [rnd.notes[b] for b in answers if b in rnd.notes]
    return QuestionResult(rnd, len(answers), rows, texts)


Figure = tuple[str, bool, str, Callable[[object], float]]


def _figures(state: RoomState, rnd: Round) -> list[Figure]:
    """What to estimate for a question: (label, translate?, share|mean, value of one answer)."""
    cfg = rnd.config
    match rnd.kind:
        case "poll":
            options = [*cfg.options, *([N_("Other")] if cfg.other else [])]  # type: ignore[attr-defined]
            return [
                (text, i >= len(cfg.options), "share", lambda a, i=i: float(i in a))  # type: ignore[attr-defined]
                for i, text in enumerate(options)
            ]
        case "scale":
            steps = [(str(v), False, "share", lambda a, v=v: float(a == v)) for v in scale.steps(rnd)]
            return [(N_("Average"), True, "mean", float), *steps]
        case "consent":
            return [
                (name, True, "share", lambda a, level=level: float(a.level == level))
                for level, name in consent.LEVEL_NAMES.items()
            ]
        case "ranking":
            k = ranking.limit(state, rnd)
            return [
                (o.text, False, "mean", lambda a, o=o.id: float(k - a.index(o)) if o in a[:k] else 0.0)
                for o in ranking.options(state, rnd)
            ]
        case "budget":
            return [
                (text, False, "mean", lambda a, i=i: float(a.get(i, 0)))
                for i, text in enumerate(cfg.options)  # type: ignore[attr-defined]
            ]
    return []


def _row(label: str, translate: bool, kind: str, values: np.ndarray, answered: np.ndarray,
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
    return Row(label, translate, kind, overall, by_group)


def _estimate(values: np.ndarray, domain: np.ndarray, weighting: Weighting | None) -> Estimate:
    if weighting is None or not domain.any():
        return Estimate(float("nan"), float("nan"), float("nan"), 0)
    return mean(weighting, values, domain)
