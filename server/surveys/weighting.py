"""Weights that make a survey's respondents add up to the population, and their diagnostics.

Raking (iterative proportional fitting): the respondents' weights are adjusted one dimension at a
time (gender, age band, district, background) until each dimension's weighted totals equal the
population's. The rules, also stated in docs/surveys.md:

- Unknown values. Respondents whose category in a dimension is not one the population figures have
  (not stated, gender "other") form a cell of their own, held at their share of the respondents;
  the known categories share the rest of the population in the population's proportions.
- Thin categories. A category with fewer than `min_respondents` respondents is merged, smallest
  first: in an ordered dimension (age bands) with the neighbour that has fewer respondents (ties:
  the younger), otherwise with the smallest other category (ties: the first in the figures' order).
  A dimension left with a single category carries no information and is not raked on.
- Figures from different tables and years (districts from another year than ages, say) are used as
  shares of the first margin's total.
- Caps. After every adjustment the weights are clipped to [low, high] x the mean weight, so no
  respondent counts for more than `high` or less than `low` average respondents. If no weights
  within the caps meet every margin, raking stops at `max_iterations` and reports the largest
  margin error instead of claiming convergence.

Weights sum to the population total, so a weighted count estimates people in the municipality.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

MIN_RESPONDENTS = 10
CAPS = (0.2, 5.0)
TOLERANCE = 1e-12  # largest relative difference between a weighted margin and its target
MAX_ITERATIONS = 5000
UNKNOWN = "?"  # the cell of respondents whose category the population figures do not have


@dataclass(frozen=True)
class Margin:
    """One dimension's population figures: category -> people."""

    dimension: str
    targets: Mapping[str, float]
    ordered: bool = False


@dataclass(frozen=True)
class Cell:
    """A category raked on: one or more population categories merged, or the unknown cell."""

    categories: tuple[str, ...]
    target: float
    respondents: int


@dataclass(frozen=True)
class Dimension:
    """A margin as raked: its cells and each respondent's cell."""

    dimension: str
    cells: tuple[Cell, ...]
    index: np.ndarray  # respondent -> position in cells

    @property
    def merged(self) -> tuple[Cell, ...]:
        return tuple(c for c in self.cells if len(c.categories) > 1)


@dataclass(frozen=True)
class Weighting:
    weights: np.ndarray
    dimensions: tuple[Dimension, ...]  # the margins raked on
    dropped: tuple[str, ...]  # dimensions left with one cell, not raked on
    iterations: int
    converged: bool
    largest_margin_error: float  # relative, over every cell
    capped: int  # respondents whose weight sits at a cap

    @property
    def mean(self) -> float:
        return float(self.weights.mean())

    @property
    def design_effect(self) -> float:
        """Kish's design effect of unequal weights: n * sum(w^2) / sum(w)^2."""
        w = self.weights
        return float(len(w) * (w @ w) / w.sum() ** 2)

    @property
    def effective_n(self) -> float:
        return len(self.weights) / self.design_effect

    @property
    def weight_range(self) -> tuple[float, float]:
        """The smallest and largest weight, as multiples of the mean weight."""
        return float(self.weights.min() / self.mean), float(self.weights.max() / self.mean)


def prepare(
    respondents: Sequence[Mapping[str, str]], margins: Sequence[Margin], min_respondents: int = MIN_RESPONDENTS
) -> tuple[tuple[Dimension, ...], tuple[str, ...]]:
    """Turn each margin into the cells raked on, merging thin ones; return them and the dropped."""
    n = len(respondents)
    dimensions, dropped = [], []
    population = None  # the first margin's total: figures from other years are used as shares of it
    for margin in margins:
        # A category with no people in the figures cannot be raked to; its respondents are unknown.
        known = {c: t for c, t in margin.targets.items() if t > 0}
        values = [r.get(margin.dimension, "") for r in respondents]
        groups = [[c] for c in known]
        counts = [sum(v == c for v in values) for c in known]
        _merge_thin(groups, counts, max(1, min_respondents), margin.ordered)
        unknown = sum(v not in known for v in values)
        if len(groups) < 2:
            dropped.append(margin.dimension)
            continue
        total = sum(known.values())
        population = population or total
        known_share = (n - unknown) / n
        cells = [
            Cell(tuple(g), population * known_share * sum(known[c] for c in g) / total, k)
            for g, k in zip(groups, counts, strict=True)
        ]
        if unknown:
            cells.append(Cell((UNKNOWN,), population * (1 - known_share), unknown))
        position = {c: i for i, cell in enumerate(cells) for c in cell.categories}
        index = np.array([position.get(v, len(cells) - 1) for v in values], dtype=np.intp)
        dimensions.append(Dimension(margin.dimension, tuple(cells), index))
    return tuple(dimensions), tuple(dropped)


def _merge_thin(groups: list[list[str]], counts: list[int], minimum: int, ordered: bool) -> None:
    while len(groups) > 1 and min(counts) < minimum:
        i = counts.index(min(counts))
        if ordered:
            neighbours = [j for j in (i - 1, i + 1) if 0 <= j < len(groups)]
            j = min(neighbours, key=lambda j: (counts[j], j))
        else:
            j = min((j for j in range(len(groups)) if j != i), key=lambda j: (counts[j], j))
        keep, gone = min(i, j), max(i, j)
        groups[keep] += groups.pop(gone)
        counts[keep] += counts.pop(gone)


def rake(
    respondents: Sequence[Mapping[str, str]],
    margins: Sequence[Margin],
    *,
    min_respondents: int = MIN_RESPONDENTS,
    caps: tuple[float, float] | None = CAPS,
    tolerance: float = TOLERANCE,
    max_iterations: int = MAX_ITERATIONS,
) -> Weighting:
    if not respondents:
        raise ValueError("no respondents to weight")
    dimensions, dropped = prepare(respondents, margins, min_respondents)
    n = len(respondents)
    targets = [np.array([c.target for c in d.cells]) for d in dimensions]
    total = float(targets[0].sum()) if targets else float(n)
    weights = np.full(n, total / n)
    low, high = (caps[0] * total / n, caps[1] * total / n) if caps else (0.0, np.inf)
    error, iterations = _margin_error(weights, dimensions, targets), 0
    while error > tolerance and iterations < max_iterations:
        for d, target in zip(dimensions, targets, strict=True):
            current = np.bincount(d.index, weights, minlength=len(target))
            weights *= (target / current)[d.index]
            np.clip(weights, low, high, out=weights)
        iterations += 1
        error = _margin_error(weights, dimensions, targets)
    at_cap = np.isclose(weights, low, rtol=1e-9) | np.isclose(weights, high, rtol=1e-9)
    return Weighting(
        weights=weights,
        dimensions=dimensions,
        dropped=dropped,
        iterations=iterations,
        converged=error <= tolerance,
        largest_margin_error=error,
        capped=int(at_cap.sum()) if caps else 0,
    )


def _margin_error(weights: np.ndarray, dimensions: Sequence[Dimension], targets: Sequence[np.ndarray]) -> float:
    errors = [
        np.abs(np.bincount(d.index, weights, minlength=len(t)) / t - 1).max()
        for d, t in zip(dimensions, targets, strict=True)
    ]
    return float(max(errors, default=0.0))
