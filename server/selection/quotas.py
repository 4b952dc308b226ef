"""Quotas per category from population targets, and the plain report of quotas the panel cannot meet.

Rounding rule (documented in docs/selection.md): for a draw of k invitees, the population shares
of a dimension's categories are turned into whole seats by the largest remainder method
(Hamilton): every category gets the whole part of its exact share of k, and the seats left over go
to the largest fractional parts (ties: the larger population, then the category code). A staff-set
tolerance widens each target t into [t - s, t + s], s = max(seats, ceil(share x exact target)).

"Not stated" (and any category the population figures do not have, e.g. gender "other") is a
category of its own with min 0 and max = its share of the eligible pool, rounded up: such members
take part in every draw but cannot crowd out the stated groups. The stated categories' maximums are
apportioned over all k seats (a draw may hold no "not stated" member at all) and their minimums
over the seats left once "not stated" is at its maximum, so the quotas always fit together.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from rooms.rejection import N_

from server.selection.types import TypeTable

Targets = Mapping[str, Mapping[str, float]]  # dimension -> category -> people in the population


@dataclass(frozen=True)
class Quota:
    dimension: str
    category: str
    min: int
    max: int
    # Exact proportional seats from the population figures; None where the population has no
    # figure for the category (not stated, or e.g. gender "other").
    target: float | None = None


Quotas = tuple[Quota, ...]


@dataclass(frozen=True)
class Tolerance:
    """How far each category's quota may stray from its rounded target."""

    seats: int = 1
    share: float = 0.1

    def slack(self, exact: float) -> int:
        return max(self.seats, math.ceil(self.share * exact - 1e-9))


def population_targets(year: int = 2026) -> dict[str, dict[str, float]]:
    """The bundled SSB figures (server/panel/population.py) as targets."""
    from server.panel.population import dimensions

    return {d.key: dict(d.counts) for d in dimensions(year)}


def largest_remainder(weights: Mapping[str, float], seats: int) -> dict[str, int]:
    """Seats in proportion to `weights`, whole numbers summing to `seats` (Hamilton's method)."""
    total = sum(weights.values())
    if seats <= 0 or total <= 0:
        return {c: 0 for c in weights}
    exact = {c: seats * w / total for c, w in weights.items()}
    out = {c: math.floor(e + 1e-9) for c, e in exact.items()}
    left = seats - sum(out.values())
    order = sorted(weights, key=lambda c: (-(exact[c] - out[c]), -weights[c], c))
    for c in order[:left]:
        out[c] += 1
    return out


def pool_counts(table: TypeTable) -> dict[str, dict[str, int]]:
    """Eligible members per dimension and category."""
    counts: dict[str, dict[str, int]] = {d: {} for d in table.dimensions}
    for cats, n in zip(table.categories, table.sizes, strict=True):
        for d, c in zip(table.dimensions, cats, strict=True):
            counts[d][c] = counts[d].get(c, 0) + int(n)
    return counts


def derive_quotas(targets: Targets, table: TypeTable, invite: int, tolerance: Tolerance = Tolerance()) -> Quotas:
    """Quotas for `invite` invitees. Over-inviting (60 invited for 30 seats) is simply a larger
    `invite`: every quota is derived for the number actually invited."""
    pool = table.pool
    counts = pool_counts(table)
    quotas: list[Quota] = []
    for d in table.dimensions:
        figures = {c: float(v) for c, v in targets.get(d, {}).items() if v > 0}
        present = counts[d]
        if not figures:  # no figures for this dimension: it is not constrained
            continue
        unmatched = sorted(c for c in present if c not in figures)
        unmatched_max = {c: min(present[c], math.ceil(invite * present[c] / pool - 1e-9)) for c in unmatched}
        upper = largest_remainder(figures, invite)
        lower = largest_remainder(figures, max(0, invite - sum(unmatched_max.values())))
        total = sum(figures.values())
        for c in sorted(figures):
            exact = invite * figures[c] / total
            s = tolerance.slack(exact)
            quotas.append(Quota(d, c, max(0, min(lower[c], upper[c]) - s), max(lower[c], upper[c]) + s, exact))
        quotas += [Quota(d, c, 0, unmatched_max[c]) for c in unmatched]
    return tuple(quotas)


def scale_quotas(quotas: Quotas, from_invite: int, to_invite: int) -> Quotas:
    """Staff-edited quotas for `from_invite` invitees, carried over to `to_invite` (minimums
    rounded down, maximums up, so the scaled quotas never become stricter than the edited ones)."""
    f = to_invite / from_invite
    return tuple(
        replace(q, min=math.floor(q.min * f + 1e-9), max=math.ceil(q.max * f - 1e-9),
                target=None if q.target is None else q.target * f)
        for q in quotas
    )


def edit_quotas(quotas: Quotas, changes: Mapping[tuple[str, str], tuple[int, int]]) -> Quotas:
    """Staff's edits: (dimension, category) -> (min, max)."""
    known = {(q.dimension, q.category) for q in quotas}
    unknown = set(changes) - known
    if unknown:
        raise KeyError(f"no quota for {sorted(unknown)}")
    out = []
    for q in quotas:
        lo, hi = changes.get((q.dimension, q.category), (q.min, q.max))
        if not 0 <= lo <= hi:
            raise ValueError(f"quota {q.dimension}/{q.category}: need 0 <= min <= max, got {lo}, {hi}")
        out.append(replace(q, min=lo, max=hi))
    return tuple(out)


def quota_matrix(quotas: Quotas, table: TypeTable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A (quotas x types) 0/1 matrix and each row's min and max."""
    position = {d: i for i, d in enumerate(table.dimensions)}
    matrix = np.zeros((len(quotas), len(table)), dtype=np.int64)
    for r, q in enumerate(quotas):
        i = position[q.dimension]
        matrix[r] = [cats[i] == q.category for cats in table.categories]
    lo = np.array([q.min for q in quotas], dtype=np.int64)
    hi = np.array([q.max for q in quotas], dtype=np.int64)
    return matrix, lo, hi


def meets(composition: np.ndarray, quotas: Quotas, table: TypeTable, invite: int) -> bool:
    """Whether a panel (members per type) has `invite` members within every quota."""
    matrix, lo, hi = quota_matrix(quotas, table)
    seats = matrix @ composition
    return (int(composition.sum()) == invite and bool(np.all(composition >= 0))
            and bool(np.all(composition <= table.sizes)) and bool(np.all((lo <= seats) & (seats <= hi))))


# Message ids for the report; the UI translates them and fills the params.
MESSAGES = {
    "pool_too_small": N_("The draw needs %(needed)d invitees, but only %(available)d members are eligible."),
    "too_few_members": N_(
        "%(dimension)s %(category)s: the quota needs at least %(needed)d invitees, but the panel has only "
        "%(available)d eligible members in this group (%(short)d too few)."
    ),
    "minimums_too_high": N_("%(dimension)s: the minimums add up to %(needed)d, more than the %(available)d invitees."),
    "maximums_too_low": N_(
        "%(dimension)s: the maximums, and the members available, allow only %(available)d invitees, "
        "fewer than the %(needed)d to be invited (%(short)d too few)."
    ),
    "conflict_min": N_(
        "%(dimension)s %(category)s: together with the other quotas, at most %(available)d invitees can come "
        "from this group, but its quota needs at least %(needed)d (%(short)d too few)."
    ),
    "conflict_max": N_(
        "%(dimension)s %(category)s: together with the other quotas, at least %(available)d invitees must come "
        "from this group, but its quota allows at most %(needed)d (%(short)d too many)."
    ),
}


@dataclass(frozen=True)
class Shortfall:
    """One reason the quotas cannot be met, as data: the UI says it in the reader's language."""

    kind: str  # a key of MESSAGES
    dimension: str  # "" for the pool as a whole
    category: str  # "" for a whole dimension
    needed: int
    available: int

    @property
    def short(self) -> int:
        return abs(self.needed - self.available)

    @property
    def message(self) -> str:
        return MESSAGES[self.kind]

    @property
    def params(self) -> dict[str, object]:
        return {"dimension": self.dimension, "category": self.category, "needed": self.needed,
                "available": self.available, "short": self.short}


def shortfalls(quotas: Quotas, table: TypeTable, invite: int) -> list[Shortfall]:
    """The quotas' problems that counting alone reveals (no solver needed)."""
    out: list[Shortfall] = []
    if table.pool < invite:
        out.append(Shortfall("pool_too_small", "", "", invite, table.pool))
    counts = pool_counts(table)
    by_dimension: dict[str, list[Quota]] = {}
    for q in quotas:
        by_dimension.setdefault(q.dimension, []).append(q)
        available = counts.get(q.dimension, {}).get(q.category, 0)
        if q.min > available:
            out.append(Shortfall("too_few_members", q.dimension, q.category, q.min, available))
    for d, qs in by_dimension.items():
        low = sum(q.min for q in qs)
        if low > invite:
            out.append(Shortfall("minimums_too_high", d, "", low, invite))
        named = {q.category for q in qs}
        # Members of a category without a quota can fill any number of seats.
        room = sum(min(q.max, counts[d].get(q.category, 0)) for q in qs)
        room += sum(n for c, n in counts.get(d, {}).items() if c not in named)
        if room < invite:
            out.append(Shortfall("maximums_too_low", d, "", invite, room))
    return out
