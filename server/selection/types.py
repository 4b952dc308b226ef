"""Candidates and their aggregation into types.

A candidate is an eligible member as the draw sees them: an opaque id, one category per dimension
("" where not stated) and how many times they were invited before (their history count).

Members with the same categories and the same history count are interchangeable for every
quantity the lottery optimises (their constraints and objective terms are identical), so the
optimisation works on *types* and a panel is a *composition*: how many members of each type it
holds. The draw then picks that many members of each type uniformly at random. For maximin (and
any objective symmetric within a type) this is exact: averaging an optimal distribution over the
permutations of each type keeps it optimal and gives every member of a type the same chance.
600 members fall into about 300-500 types, 6,000 into about 1,000, which is what makes column
generation fast.
"""

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from server.panel.composition import category as member_category
from server.store.records import Member

DIMENSIONS: tuple[str, ...] = ("gender", "age", "district", "background")


@dataclass(frozen=True)
class Candidate:
    id: str  # opaque: never a name
    categories: tuple[str, ...]  # one per dimension, in the order of the draw's dimensions
    history: int = 0  # invitations in earlier meetings of the series


def candidates_from_members(
    members: Iterable[Member],
    today: date,
    history: Mapping[str, int] | None = None,
    pseudonym: Callable[[str], str] | None = None,
    dimensions: Sequence[str] = DIMENSIONS,
) -> list[Candidate]:
    """Active members as candidates, with the same category codes as the population comparison
    (age band on `today`; immigrants and their Norwegian-born children together, as SSB counts
    them). `pseudonym` maps a member id to the opaque id the draw document shows (default: the
    member id, which is already a random token)."""
    history = history or {}
    name = pseudonym or (lambda member_id: member_id)
    return [
        Candidate(name(m.id), tuple(member_category(m, key, today) for key in dimensions), history.get(m.id, 0))
        for m in members
        if m.status == "active"
    ]


@dataclass(frozen=True)
class TypeTable:
    """Candidates grouped into types, in a canonical order (by categories, then history)."""

    dimensions: tuple[str, ...]
    categories: tuple[tuple[str, ...], ...]  # per type
    history: np.ndarray  # per type, int
    members: tuple[tuple[str, ...], ...]  # per type, candidate ids sorted
    sizes: np.ndarray = field(init=False)  # per type, int
    index: dict[str, int] = field(init=False)  # candidate id -> type

    def __post_init__(self) -> None:
        object.__setattr__(self, "sizes", np.array([len(m) for m in self.members], dtype=np.int64))
        object.__setattr__(self, "index", {c: t for t, ids in enumerate(self.members) for c in ids})

    def __len__(self) -> int:
        return len(self.members)

    @property
    def pool(self) -> int:
        return int(self.sizes.sum())

    def label(self, t: int) -> str:
        """The type's canonical name, used to label its PRNG stream."""
        return json.dumps([list(self.categories[t]), int(self.history[t])], ensure_ascii=False, separators=(",", ":"))


def aggregate(candidates: Iterable[Candidate], dimensions: Sequence[str] = DIMENSIONS) -> TypeTable:
    groups: dict[tuple[tuple[str, ...], int], list[str]] = {}
    seen: set[str] = set()
    for c in candidates:
        if len(c.categories) != len(dimensions):
            raise ValueError(f"candidate {c.id} has {len(c.categories)} categories for {len(dimensions)} dimensions")
        if c.id in seen:
            raise ValueError(f"candidate {c.id} appears twice")
        seen.add(c.id)
        groups.setdefault((tuple(c.categories), int(c.history)), []).append(c.id)
    keys = sorted(groups)
    return TypeTable(
        tuple(dimensions),
        tuple(k[0] for k in keys),
        np.array([k[1] for k in keys], dtype=np.int64),
        tuple(tuple(sorted(groups[k])) for k in keys),
    )
