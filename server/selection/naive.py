"""The naive alternative, for comparison: greedy random filling within the quotas.

One draw: while seats remain, take the quota whose unmet minimum is largest relative to the
members still able to fill it; if some minimum is unmet, pick uniformly at random among the
remaining members of that category who break no maximum, otherwise among all remaining members
who break no maximum. A draw that gets stuck, or ends with a minimum unmet, is thrown away and
redrawn. This is how quota sampling is commonly done by hand or by simple tools; it meets the
quotas but gives no guarantee about anyone's chance. Per-member chances are estimated by running
it many times with a fixed numpy seed (an estimate, not part of any real draw).
"""

from dataclasses import dataclass

import numpy as np

from server.selection.quotas import Quotas, quota_matrix
from server.selection.types import TypeTable


@dataclass(frozen=True)
class NaiveEstimate:
    type_probabilities: np.ndarray  # estimated chance per member of each type
    runs: int
    failures: int  # draws thrown away


class Greedy:
    def __init__(self, table: TypeTable, quotas: Quotas, invite: int) -> None:
        self.matrix, self.lo, self.hi = quota_matrix(quotas, table)
        self.sizes = table.sizes
        self.invite = invite
        self.member_type = np.repeat(np.arange(len(table)), table.sizes)

    def draw(self, rng: np.random.Generator, attempts: int = 100) -> tuple[np.ndarray | None, int]:
        """Members per type of one greedy draw, and how many attempts failed before it."""
        for attempt in range(attempts):
            x = self._once(rng)
            if x is not None:
                return x, attempt
        return None, attempts

    def _once(self, rng: np.random.Generator) -> np.ndarray | None:
        remaining = self.sizes.astype(np.int64).copy()
        x = np.zeros_like(remaining)
        seats = np.zeros(len(self.lo), dtype=np.int64)
        blocked = np.zeros(len(remaining), dtype=bool)  # a type whose category is at its max
        for r in np.flatnonzero(self.hi <= 0):
            blocked |= self.matrix[r] == 1
        for u in rng.random(self.invite):
            allowed = (remaining > 0) & ~blocked
            need = self.lo - seats
            urgent = np.flatnonzero(need > 0)
            if len(urgent):
                pool = self.matrix[urgent] @ (remaining * allowed)
                row = urgent[int(np.argmax(need[urgent] / np.maximum(pool, 1e-9)))]
                allowed = allowed & (self.matrix[row] == 1)
            weights = np.cumsum(remaining * allowed)
            if weights[-1] <= 0:
                return None
            t = int(np.searchsorted(weights, u * weights[-1], side="right"))
            x[t] += 1
            remaining[t] -= 1
            seats += self.matrix[:, t]
            for r in np.flatnonzero((self.matrix[:, t] == 1) & (seats >= self.hi)):
                blocked |= self.matrix[r] == 1
        return x if np.all(seats >= self.lo) else None


def estimate(table: TypeTable, quotas: Quotas, invite: int, runs: int = 1000, seed: int = 0) -> NaiveEstimate:
    greedy = Greedy(table, quotas, invite)
    rng = np.random.default_rng(seed)
    total = np.zeros(len(table))
    failures = 0
    done = 0
    for _ in range(runs):
        x, failed = greedy.draw(rng)
        failures += failed
        if x is not None:
            total += x
            done += 1
    probabilities = total / max(done, 1) / table.sizes
    return NaiveEstimate(probabilities, done, failures)
