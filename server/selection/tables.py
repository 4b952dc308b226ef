"""Mixed tables for a meeting's attendees, and World Café rotation between rounds.

Diversity measure: the number of *same-category pairs*, i.e. for every table, every dimension
(gender, age band, background, district) and every stated category, the pairs of people at the
table who share it: sum C(n, 2). Lower is more mixed; it is smallest when each category is spread
as evenly over the tables as the numbers allow. "Not stated" never counts as shared.

Rotation: between rounds, pairs who have already shared a table are what we avoid first: the cost
of a seating is REPEAT_WEIGHT x (times each pair at a table has met before) + same-category pairs.

Method: tables of balanced sizes (they differ by at most one); people placed one by one, rarest
categories first, each at the table where they add the least cost; then pairwise swaps between
tables while any lowers the cost. Ties and the starting order come from the SHA-256 stream
(prng.py) over the seed, so the same attendees and seed always give the same tables.
"""

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from server.selection.prng import Stream

REPEAT_WEIGHT = 10


@dataclass(frozen=True)
class Seated:
    id: str
    categories: tuple[str, ...]  # e.g. (gender, age band, background, district); "" = not stated


Met = Mapping[frozenset[str], int]  # pair of ids -> times they have shared a table


def same_category_pairs(tables: Sequence[Sequence[str]], people: Sequence[Seated]) -> int:
    """The diversity measure (lower is more mixed)."""
    cats = {p.id: p.categories for p in people}
    total = 0
    for table in tables:
        for d in range(len(people[0].categories) if people else 0):
            counts = Counter(cats[i][d] for i in table if cats[i][d])
            total += sum(n * (n - 1) // 2 for n in counts.values())
    return total


def repeated_pairs(tables: Sequence[Sequence[str]], met: Met) -> int:
    """How many pairs at the same table have met before (counted once per earlier meeting)."""
    return sum(met.get(frozenset((a, b)), 0) for t in tables for i, a in enumerate(t) for b in t[i + 1:])


class _Seating:
    def __init__(self, people: Sequence[Seated], tables: int, met: Met) -> None:
        self.people = people
        self.met = met
        self.members: list[list[int]] = [[] for _ in range(tables)]
        self.counts: list[Counter] = [Counter() for _ in range(tables)]
        self.where = [-1] * len(people)

    def added(self, i: int, t: int, without: int | None = None) -> int:
        """Cost of putting person i at table t (ignoring person `without`, who is leaving it)."""
        cats = self.people[i].categories
        cost = sum(self.counts[t][(d, c)] for d, c in enumerate(cats) if c)
        if without is not None:
            cost -= sum(1 for d, c in enumerate(cats) if c and self.people[without].categories[d] == c)
        if self.met:
            pid = self.people[i].id
            cost += REPEAT_WEIGHT * sum(self.met.get(frozenset((pid, self.people[j].id)), 0)
                                        for j in self.members[t] if j != without)
        return cost

    def put(self, i: int, t: int) -> None:
        self.members[t].append(i)
        self.where[i] = t
        self.counts[t].update((d, c) for d, c in enumerate(self.people[i].categories) if c)

    def take(self, i: int) -> None:
        t = self.where[i]
        self.members[t].remove(i)
        self.counts[t].subtract((d, c) for d, c in enumerate(self.people[i].categories) if c)


def _capacities(n: int, size: int) -> list[int]:
    tables = max(1, math.ceil(n / size))
    return [n // tables + (1 if t < n % tables else 0) for t in range(tables)]


def assign_tables(people: Sequence[Seated], size: int, seed: str = "tables", met: Met | None = None,
                  passes: int = 30) -> list[list[str]]:
    """Tables of at most `size` (balanced), as mixed as the attendees allow; with `met`, pairs who
    met before are kept apart first. Each table lists ids in the attendees' order."""
    if size < 1:
        raise ValueError("table size must be at least 1")
    if not people:
        return []
    people = list(people)
    capacity = _capacities(len(people), size)
    seating = _Seating(people, len(capacity), met or {})
    order = Stream(seed, "tables").shuffle(range(len(people)))
    frequency = Counter((d, c) for p in people for d, c in enumerate(p.categories) if c)
    rarity = {i: sum(1 / frequency[(d, c)] for d, c in enumerate(people[i].categories) if c) for i in order}
    for i in sorted(order, key=lambda i: -rarity[i]):  # stable: ties keep the seeded order
        open_tables = [t for t in range(len(capacity)) if len(seating.members[t]) < capacity[t]]
        best = min(open_tables, key=lambda t: (seating.added(i, t), len(seating.members[t]), t))
        seating.put(i, best)
    for _ in range(passes):
        improved = False
        for i in order:
            for j in order:
                a, b = seating.where[i], seating.where[j]
                if a >= b:
                    continue
                before = seating.added(i, a, without=i) + seating.added(j, b, without=j)
                after = seating.added(i, b, without=j) + seating.added(j, a, without=i)
                if after < before:
                    seating.take(i)
                    seating.take(j)
                    seating.put(i, b)
                    seating.put(j, a)
                    improved = True
        if not improved:
            break
    return [[people[i].id for i in sorted(members)] for members in seating.members]


def rotate(people: Sequence[Seated], size: int, rounds: int, seed: str = "rotation") -> list[list[list[str]]]:
    """World Café: a seating per round, each avoiding pairs who already shared a table."""
    met: Counter = Counter()
    out = []
    for r in range(rounds):
        tables = assign_tables(people, size, f"{seed} round {r}", met)
        for t in tables:
            for i, a in enumerate(t):
                for b in t[i + 1:]:
                    met[frozenset((a, b))] += 1
        out.append(tables)
    return out
