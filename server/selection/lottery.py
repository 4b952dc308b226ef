"""From the optimal distribution to one drawn list: m tickets, a seed, the members, the reserves.

Transparent lottery (Flanigan, Kehne & Procaccia 2021): the optimal distribution over panels is
rounded to m equally likely tickets (m = 1,000 by default), each ticket naming a panel. The tickets
can be published (or their hash) before the seed is known; then one ticket is drawn, e.g. by three
ten-sided dice read as 000-999. Within the panel's composition, which members of each type are
invited, and the reserve order, follow from the seed by the SHA-256 stream of prng.py.
"""

import hashlib
import json
import math
from dataclasses import dataclass, field

import numpy as np

from server.selection.lp import Solution
from server.selection.prng import Stream
from server.selection.quotas import Quotas, quota_matrix
from server.selection.types import TypeTable


@dataclass(frozen=True)
class Portfolio:
    """m tickets over distinct panels; a panel is a composition (members per type)."""

    panels: tuple[tuple[int, ...], ...]  # distinct compositions, in canonical (sorted) order
    counts: tuple[int, ...]  # tickets per panel, summing to m
    m: int
    deviation: float = 0.0  # largest change in a member's chance caused by the rounding

    @property
    def matrix(self) -> np.ndarray:
        return np.array(self.panels, dtype=np.int64).reshape(len(self.panels), -1)

    def ticket(self, index: int) -> np.ndarray:
        """The composition ticket `index` (0 .. m-1) names: tickets are numbered through the
        panels in canonical order, each panel holding `counts` consecutive numbers."""
        if not 0 <= index < self.m:
            raise ValueError(f"ticket {index} outside 0..{self.m - 1}")
        edges = np.cumsum(self.counts)
        return np.array(self.panels[int(np.searchsorted(edges, index, side="right"))], dtype=np.int64)

    def type_probabilities(self, table: TypeTable) -> np.ndarray:
        return (np.array(self.counts, dtype=np.float64) @ self.matrix) / self.m / table.sizes

    def to_json(self) -> list[list]:
        """[[tickets, [[type, members], ...]], ...]: sparse and in canonical order."""
        return [[c, [[t, v] for t, v in enumerate(panel) if v]] for panel, c in zip(self.panels, self.counts, strict=True)]

    @classmethod
    def from_json(cls, data: list[list], types: int, m: int, deviation: float = 0.0) -> "Portfolio":
        panels = []
        for _, entries in data:
            x = [0] * types
            for t, v in entries:
                x[t] = v
            panels.append(tuple(x))
        return cls(tuple(panels), tuple(c for c, _ in data), m, deviation)


def round_to_tickets(solution: Solution, table: TypeTable, m: int = 1000, steps: int = 500) -> Portfolio:
    """Rounds the optimal distribution to m equally likely tickets: largest remainder first (each
    panel gets the whole part of m p_j tickets, the rest go to the largest fractional parts), then
    a local search moves single tickets between the optimal panels while that lowers the largest
    change in any member's chance. Deterministic: no time limits, ties broken by position."""
    weights, panels = solution.weights, solution.panels
    exact = weights * m
    counts = np.floor(exact + 1e-9).astype(np.int64)
    left = m - int(counts.sum())
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[:left]] += 1
    per_ticket = panels / table.sizes / m  # a ticket's contribution to each type's chance
    deviation = counts @ per_ticket - (weights @ panels) / table.sizes
    for _ in range(steps):
        worst = int(np.argmax(np.abs(deviation)))
        current = float(np.abs(deviation).max())
        sign = 1.0 if deviation[worst] > 0 else -1.0
        # Take a ticket from a panel that pushes the worst type the wrong way ...
        able = (counts > 0) & (panels[:, worst] > 0) if sign > 0 else counts > 0
        givers = np.flatnonzero(able)
        givers = givers[np.argsort(-sign * panels[givers, worst], kind="stable")][:20]
        if not len(givers):
            break
        # ... and give it to the panel that leaves the largest deviation smallest.
        moved = deviation[None, None, :] - per_ticket[givers][:, None, :] + per_ticket[None, :, :]
        score = np.abs(moved).max(axis=2)
        a, b = np.unravel_index(int(np.argmin(score)), score.shape)
        if score[a, b] >= current - 1e-15:
            break
        counts[givers[a]] -= 1
        counts[b] += 1
        deviation = moved[a, b]
    keep = counts > 0
    pairs = sorted(zip((tuple(int(v) for v in x) for x in panels[keep]), counts[keep].tolist(), strict=True))
    return Portfolio(tuple(p for p, _ in pairs), tuple(int(c) for _, c in pairs), m,
                     float(np.abs(deviation).max()))


def ticket_for(seed: str, m: int) -> int:
    """The ticket a seed draws. A seed of digits only whose value is below m names the ticket
    itself (dice rolled in public: "042" is ticket 42); any other seed is hashed:
    Stream(seed, "ticket").below(m)."""
    if seed.isascii() and seed.isdigit() and int(seed) < m:
        return int(seed)
    return Stream(seed, "ticket").below(m)


@dataclass(frozen=True)
class Selection:
    ticket: int
    composition: tuple[int, ...]
    invited: tuple[str, ...]  # in type order, then the order drawn within the type
    type_order: dict[int, tuple[str, ...]] = field(repr=False)  # each type's members, shuffled
    reserve_rank: dict[str, int] = field(repr=False)  # not invited -> place in the reserve list


def select(portfolio: Portfolio, table: TypeTable, seed: str) -> Selection:
    ticket = ticket_for(seed, portfolio.m)
    x = portfolio.ticket(ticket)
    order = {t: tuple(Stream(seed, "type " + table.label(t)).shuffle(table.members[t])) for t in range(len(table))}
    invited = tuple(c for t in range(len(table)) for c in order[t][: x[t]])
    chosen = set(invited)
    rest = Stream(seed, "reserves").shuffle(sorted(c for ids in table.members for c in ids if c not in chosen))
    return Selection(ticket, tuple(int(v) for v in x), invited, order, {c: i for i, c in enumerate(rest)})


class Swaps:
    """Which single replacements keep every quota: one member of type a out, one of type b in."""

    def __init__(self, quotas: Quotas, table: TypeTable, invite: int) -> None:
        matrix, lo, hi = quota_matrix(quotas, table)
        self.matrix, self.lo, self.hi, self.table = matrix, lo, hi, table

    def allowed(self, composition: np.ndarray, leaving: int) -> np.ndarray:
        """Types b such that composition - e_leaving + e_b meets every quota (b = leaving too)."""
        seats = self.matrix @ composition - self.matrix[:, leaving]
        ok_rows = (seats + 1 <= self.hi)[:, None] | (self.matrix == 0)
        min_rows = (seats >= self.lo)[:, None] | (self.matrix == 1)
        # Adding b must keep its rows within max; all other rows must already be within min.
        fits = np.all(ok_rows, axis=0)
        needs = np.all(min_rows, axis=0)
        return fits & needs


def reserves(selection: Selection, swaps: Swaps, table: TypeTable, invited_now: list[str], leaving: str,
             unavailable: set[str], most: int | None = None) -> list[str]:
    """Ranked replacements for `leaving` given the current invitees: members of the same type in
    the drawn order first, then members of any type that keeps every quota, in reserve order."""
    composition = np.zeros(len(table), dtype=np.int64)
    for c in invited_now:
        composition[table.index[c]] += 1
    a = table.index[leaving]
    taken = set(invited_now) | unavailable
    same = [c for c in selection.type_order[a] if c not in taken]
    allowed = swaps.allowed(composition, a)
    others = sorted(
        (c for b in np.flatnonzero(allowed) if b != a for c in table.members[b] if c not in taken),
        key=lambda c: selection.reserve_rank.get(c, math.inf),
    )
    out = same + others
    return out if most is None else out[:most]


def portfolio_hash(payload: object) -> str:
    """SHA-256 of canonical JSON (sorted keys, no spaces, UTF-8)."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
