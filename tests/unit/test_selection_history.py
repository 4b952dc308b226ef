"""Fairness over time: over successive meetings, invitation counts even out as far as the quotas
allow, clearly better than the naive greedy draw.

Measures (server/selection/history.py): the variance of all members' invitation counts, the
mean over profiles (same categories) of max - min count, and the share never invited."""

from dataclasses import replace

import numpy as np
import pytest

from server.selection.draw import Options, build_lottery, draw, plan_draw
from server.selection.history import evenness, history_counts
from server.selection.naive import Greedy
from server.selection.synthetic import synthetic_pool


def _series(meetings: int, ours: bool, size: int = 600, invite: int = 60, two_sided: bool = False):
    pool = synthetic_pool(size, 7)
    counts = {c.id: 0 for c in pool}
    rng = np.random.default_rng(11)
    for meeting in range(meetings):
        plan = plan_draw([replace(c, history=counts[c.id]) for c in pool], invite)
        if ours:
            invited = draw(build_lottery(plan, Options(two_sided=two_sided)), f"meeting {meeting}").invited
        else:
            x, _ = Greedy(plan.table, plan.quotas, invite).draw(rng)
            invited = [c for t, n in enumerate(x) for c in rng.choice(plan.table.members[t], n, replace=False)]
        for c in invited:
            counts[c] += 1
    assert sum(counts.values()) == meetings * invite
    return evenness(counts, {c.id: c.categories for c in pool})


def test_history_counts_count_meetings_once():
    assert history_counts([("a", "m1"), ("a", "m1"), ("a", "m2"), ("b", "m2")]) == {"a": 2, "b": 1}


def test_ten_meetings_even_out_invitation_counts():
    # The two-sided stage does not touch history; leaving it out keeps this test fast.
    ours, naive = _series(10, True), _series(10, False)
    assert ours.within_profile < 0.5 * naive.within_profile  # 0.50 vs 1.44 when written
    assert ours.variance < 0.7 * naive.variance  # 0.72 vs 1.20
    assert ours.never < naive.never - 0.05  # 30 % vs 41 % never invited


@pytest.mark.slow
def test_ten_meetings_with_the_full_algorithm():
    ours, naive = _series(10, True, two_sided=True), _series(10, False)
    assert ours.within_profile < 0.5 * naive.within_profile
    assert ours.variance < 0.7 * naive.variance
