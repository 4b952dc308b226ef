"""The lottery: optimal on small instances (checked by enumerating every panel), quotas met by
every ticket, reproducible draws from a seed, stored draws that replay, reserves that keep quotas."""

import hashlib
import itertools
import json
import struct

import highspy
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from server.selection.draw import Options, ReplayError, build_lottery, compare_naive, draw, plan_draw, replay
from server.selection.lottery import ticket_for
from server.selection.prng import DOMAIN, Stream
from server.selection.quotas import Quota, meets
from server.selection.synthetic import synthetic_pool
from server.selection.types import Candidate

DIMS = ("gender", "age")


@pytest.fixture(scope="module")
def realistic():
    plan = plan_draw(synthetic_pool(600, 1), 60)
    return build_lottery(plan)


def _brute_force(candidates, quotas, k):
    """Maximin, then the smallest maximum, over every panel of k members (member level)."""
    ids = [c.id for c in candidates]
    panels = []
    for chosen in itertools.combinations(range(len(ids)), k):
        counts = {}
        for i in chosen:
            for d, cat in zip(DIMS, candidates[i].categories, strict=True):
                counts[(d, cat)] = counts.get((d, cat), 0) + 1
        if all(q.min <= counts.get((q.dimension, q.category), 0) <= q.max for q in quotas):
            panels.append(chosen)
    if not panels:
        return None

    def solve(floor=None):
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        J, n = len(panels), len(ids)
        h.addVars(J + 1, np.zeros(J + 1), np.append(np.ones(J), 1.0))
        h.changeColsCost(1, np.array([J], dtype=np.int32), np.array([-1.0 if floor is None else 1.0]))
        for i in range(n):
            js = [j for j, p in enumerate(panels) if i in p]
            if floor is None:  # sum_j p_j [i in j] - lambda >= 0
                h.addRow(0.0, highspy.kHighsInf, len(js) + 1, np.array(js + [J], dtype=np.int32),
                         np.array([1.0] * len(js) + [-1.0]))
            else:  # floor <= chance_i <= mu
                h.addRow(floor - 1e-9, highspy.kHighsInf, len(js), np.array(js, dtype=np.int32), np.ones(len(js)))
                h.addRow(-highspy.kHighsInf, 0.0, len(js) + 1, np.array(js + [J], dtype=np.int32),
                         np.array([1.0] * len(js) + [-1.0]))
        h.addRow(1.0, 1.0, J, np.arange(J, dtype=np.int32), np.ones(J))
        h.run()
        value = h.getInfo().objective_function_value
        return -value if floor is None else value

    best_floor = solve()
    return best_floor, solve(best_floor)


small_instances = st.integers(5, 10).flatmap(lambda n: st.tuples(
    st.lists(st.tuples(st.sampled_from(["female", "male", ""]), st.sampled_from(["young", "mid", "old"])),
             min_size=n, max_size=n),
    st.integers(2, min(5, n - 1)),
    st.lists(st.tuples(st.integers(0, 2), st.integers(0, 3)), min_size=6, max_size=6),
))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances)
def test_minimum_chance_equals_the_brute_force_optimum(instance):
    rows, k, bounds = instance
    candidates = [Candidate(f"c{i}", cats) for i, cats in enumerate(rows)]
    cats = [("gender", "female"), ("gender", "male"), ("gender", ""), ("age", "young"), ("age", "mid"), ("age", "old")]
    quotas = tuple(Quota(d, c, lo, lo + extra) for (d, c), (lo, extra) in zip(cats, bounds, strict=True))
    plan = plan_draw(candidates, k, quotas=quotas, dimensions=DIMS)
    expected = _brute_force(candidates, quotas, k)
    if expected is None:  # no panel at all: the plan must say so before drawing
        assert not plan.feasible and plan.problems
        return
    assert plan.feasible
    floor, ceiling = expected
    assert plan.bound.floor >= floor - 1e-7  # the one-LP bound is an upper bound ...
    lottery = build_lottery(plan)
    assert lottery.optimum["maximin"]["value"] == pytest.approx(floor, abs=1e-7)  # ... and reached
    assert lottery.optimum["ceiling"]["value"] == pytest.approx(ceiling, abs=1e-6)
    # The m-ticket lottery actually drawn from stays within its stated rounding deviation.
    assert lottery.probabilities.minimum >= floor - lottery.portfolio.deviation - 1e-6
    assert lottery.probabilities.maximum <= ceiling + lottery.portfolio.deviation + 1e-6
    for panel in lottery.portfolio.panels:
        assert meets(np.array(panel), plan.quotas, plan.table, k)


def test_every_ticket_meets_the_quotas_on_a_realistic_panel(realistic):
    plan, portfolio = realistic.plan, realistic.portfolio
    assert sum(portfolio.counts) == portfolio.m == 1000
    for panel in portfolio.panels:
        assert meets(np.array(panel), plan.quotas, plan.table, plan.invite)
    chances = realistic.probabilities
    assert sum(chances.by_member.values()) == pytest.approx(60)
    # The optimum reached the one-LP bound, and the rounding to 1,000 tickets costs little.
    assert realistic.optimum["maximin"]["value"] == pytest.approx(plan.bound.floor, rel=1e-6)
    assert chances.minimum >= plan.bound.floor - 0.005
    assert chances.maximum <= realistic.optimum["ceiling"]["value"] + 0.005


def test_the_prng_is_sha256_in_counter_mode():
    stream = Stream("dice 4-2-7", "ticket")
    first = hashlib.sha256(DOMAIN + b"\0ticket\0dice 4-2-7\0" + struct.pack(">Q", 0)).digest()
    second = hashlib.sha256(DOMAIN + b"\0ticket\0dice 4-2-7\0" + struct.pack(">Q", 1)).digest()
    values = [stream.uint64() for _ in range(5)]
    assert values[:4] == [int.from_bytes(first[i:i + 8], "big") for i in range(0, 32, 8)]
    assert values[4] == int.from_bytes(second[:8], "big")
    assert sorted(Stream("s", "x").shuffle(range(10))) == list(range(10))
    assert Stream("s", "x").shuffle(range(10)) == Stream("s", "x").shuffle(range(10))


def test_dice_name_the_ticket_and_other_seeds_are_hashed():
    assert ticket_for("042", 1000) == 42
    assert ticket_for("999", 1000) == 999
    assert ticket_for("1000", 1000) == Stream("1000", "ticket").below(1000)
    assert 0 <= ticket_for("Bærum 2027, møte 1", 1000) < 1000


def test_same_seed_same_list_and_different_seeds_differ(realistic):
    a, b = draw(realistic, "042"), draw(realistic, "042")
    assert a.invited == b.invited and a.reserves == b.reserves and a.ticket == 42
    lists = {draw(realistic, f"seed {i}").invited for i in range(20)}
    assert len(lists) == 20
    assert len(a.invited) == 60 and len(set(a.invited)) == 60


def test_a_stored_draw_replays_to_the_identical_list(realistic):
    result = draw(realistic, "terningkast 3-1-4")
    doc = json.loads(json.dumps(result.document()))
    assert "name" not in json.dumps(doc)
    again = replay(doc)
    assert again.invited == result.invited and again.reserves == result.reserves
    tampered = json.loads(json.dumps(doc)) | {"seed": "another"}
    with pytest.raises(ReplayError):
        replay(tampered)
    changed = json.loads(json.dumps(doc))
    changed["panels"][0][0] += 1
    changed["panels"][-1][0] -= 1
    with pytest.raises(ReplayError):
        replay(changed)


def test_replay_can_solve_again_and_gets_the_same_tickets():
    plan = plan_draw(synthetic_pool(120, 4), 12)
    doc = draw(build_lottery(plan), "7").document()
    assert replay(json.loads(json.dumps(doc)), recompute=True).invited == tuple(doc["invited"])


def test_reserves_keep_every_quota_when_any_invitee_declines(realistic):
    plan = realistic.plan
    result = draw(realistic, "reserves")
    invited = list(result.invited)
    def keeps(after):
        x = np.bincount([plan.table.index[c] for c in after], minlength=len(plan.table))
        return meets(x, plan.quotas, plan.table, plan.invite)

    outside = [c.id for c in plan.candidates if c.id not in set(invited)]
    without = 0
    for leaving in invited:
        replacements = result.reserves[leaving]
        rest = [c for c in invited if c != leaving]
        if not replacements:  # only when truly nobody can step in without breaking a quota
            assert not any(keeps(rest + [c]) for c in outside)
            without += 1
            continue
        assert all(keeps(rest + [c]) for c in replacements)
        # Someone of the same type comes first whenever the type has anyone left.
        t = plan.table.index[leaving]
        if plan.table.sizes[t] > sum(1 for c in invited if plan.table.index[c] == t):
            assert plan.table.index[replacements[0]] == t
    assert without <= len(invited) // 10
    # Several declines in a row: each replacement keeps the quotas of the list as it then is.
    current = list(invited)
    for leaving in [c for c in invited if result.reserves[c]][:8]:
        new = result.replacement(current, leaving, unavailable=invited)
        if new is None:
            continue
        current = [c for c in current if c != leaving] + [new]
        x = np.bincount([plan.table.index[c] for c in current], minlength=len(plan.table))
        assert meets(x, plan.quotas, plan.table, plan.invite)


def test_the_naive_greedy_draw_leaves_some_members_far_less_likely(realistic):
    comparison = compare_naive(realistic, runs=150, seed=1)
    assert comparison.naive.minimum < comparison.ours.minimum / 2
    assert comparison.below_our_minimum > 0.05
    assert comparison.ours.std < comparison.naive.std


def test_without_two_sided_refinement_the_maximum_is_left_to_chance():
    plan = plan_draw(synthetic_pool(300, 2), 30)
    two = build_lottery(plan)
    one = build_lottery(plan, Options(two_sided=False))
    assert two.probabilities.minimum == pytest.approx(one.probabilities.minimum, abs=0.005)
    assert two.optimum["ceiling"]["value"] <= one.probabilities.maximum + 1e-9
