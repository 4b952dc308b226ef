"""Fairness over time: history counts in, evenness measures out.

What is optimised (lp.py, stage 2): with h_i the number of times member i was invited in earlier
meetings of the series and X_i = 1 if invited now, the lottery minimises E[sum_i h_i X_i] among all
lotteries that keep the maximin floor lambda* for everyone. Because exactly k are invited,
sum_i (h_i + X_i)^2 = sum_i h_i^2 + 2 sum_i h_i X_i + k, so this is exactly minimising the expected
sum of squares, i.e. the expected variance, of the cumulative invitation counts after the meeting:
those invited least are favoured as far as the quotas allow, and nobody is shut out.

The counts are the caller's choice of series (e.g. this year's meetings); a member who joins in
the middle starts at 0 and is favoured until they catch up, which reaches new members quickly.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np


def history_counts(invitations: Iterable[tuple[str, str]]) -> dict[str, int]:
    """(member, meeting) pairs -> invitations per member, each meeting counted once."""
    seen: dict[str, set[str]] = {}
    for member, meeting in invitations:
        seen.setdefault(member, set()).add(meeting)
    return {m: len(s) for m, s in seen.items()}


@dataclass(frozen=True)
class Evenness:
    """How evenly invitations are spread over a series of meetings.

    `within_profile`: the mean, over profiles (members with the same categories) of two or more
    members, of max - min invitation count: quotas treat such members alike, so a perfectly even
    series has at most 1 here. `variance`: of all members' counts. `never`: share never invited.
    """

    within_profile: float
    worst_profile: int
    variance: float
    never: float


def evenness(counts: Mapping[str, int], profiles: Mapping[str, tuple[str, ...]]) -> Evenness:
    groups: dict[tuple[str, ...], list[int]] = {}
    for member, profile in profiles.items():
        groups.setdefault(profile, []).append(counts.get(member, 0))
    spreads = [max(v) - min(v) for v in groups.values() if len(v) > 1]
    values = np.array([counts.get(m, 0) for m in profiles], dtype=np.float64)
    return Evenness(
        float(np.mean(spreads)) if spreads else 0.0,
        max(spreads, default=0),
        float(values.var()) if len(values) else 0.0,
        float(np.mean(values == 0)) if len(values) else 0.0,
    )
