"""Quotas from population targets: largest remainder, tolerance, "not stated", scaling, edits,
and the plain report of quotas the panel cannot meet."""

import math

import pytest
from hypothesis import given, settings, strategies as st

from server.selection.draw import plan_draw
from server.selection.quotas import (
    MESSAGES, Quota, Tolerance, derive_quotas, edit_quotas, largest_remainder, population_targets, scale_quotas,
)
from server.selection.synthetic import synthetic_pool
from server.selection.types import Candidate, aggregate


def test_largest_remainder_is_hamilton():
    assert largest_remainder({"a": 52636, "b": 51393}, 61) == {"a": 31, "b": 30}
    # 10 seats over 3 equal groups: 3 each, the spare seat to the tie broken by code.
    assert largest_remainder({"x": 1, "y": 1, "z": 1}, 10) == {"x": 4, "y": 3, "z": 3}
    assert largest_remainder({"a": 0.6, "b": 0.3, "c": 0.1}, 7) == {"a": 4, "b": 2, "c": 1}
    assert largest_remainder({"a": 1.0}, 0) == {"a": 0}


@given(st.dictionaries(st.sampled_from("abcdefgh"), st.floats(0.01, 1000), min_size=1), st.integers(0, 700))
def test_largest_remainder_sums_and_stays_within_one_seat(weights, seats):
    out = largest_remainder(weights, seats)
    assert sum(out.values()) == seats
    total = sum(weights.values())
    for c, w in weights.items():
        assert math.floor(seats * w / total + 1e-9) <= out[c] <= math.ceil(seats * w / total - 1e-9)


@settings(max_examples=30, deadline=None)
@given(st.integers(20, 600), st.integers(0, 3), st.floats(0, 0.3), st.integers(0, 99))
def test_derived_quotas_fit_together(invite, seats, share, seed):
    table = aggregate(synthetic_pool(800, seed, not_stated=0.05))
    quotas = derive_quotas(population_targets(), table, invite, Tolerance(seats, share))
    for d in table.dimensions:
        qs = [q for q in quotas if q.dimension == d]
        assert sum(q.min for q in qs) <= invite <= sum(q.max for q in qs)
        assert all(0 <= q.min <= q.max for q in qs)
        # Every category present in the pool has a quota: nobody is left out.
        assert {c for cats in table.categories for c in [cats[table.dimensions.index(d)]]} <= {q.category for q in qs}


def test_not_stated_is_a_category_capped_at_its_share_of_the_pool():
    pool = [Candidate(f"p{i}", ("female" if i % 2 else "male", "30-44", "320101", "neither")) for i in range(90)]
    pool += [Candidate(f"q{i}", ("", "30-44", "320101", "neither")) for i in range(10)]
    quotas = derive_quotas({"gender": {"female": 50, "male": 50}}, aggregate(pool), 30, Tolerance(0, 0.0))
    by = {q.category: q for q in quotas}
    assert (by[""].min, by[""].max, by[""].target) == (0, 3, None)  # 10 % of the pool, of 30 seats
    # Maximums over all 30 seats, minimums over the 27 left when "not stated" is full
    # (13.5 each: the spare seat goes to the tie broken by code).
    assert (by["female"].min, by["female"].max) == (14, 15)
    assert (by["male"].min, by["male"].max) == (13, 15)


def test_gender_other_has_no_population_figure_and_is_treated_like_not_stated():
    table = aggregate(synthetic_pool(600, 3, other_gender=0.02))
    quotas = derive_quotas(population_targets(), table, 60)
    other = next(q for q in quotas if q.dimension == "gender" and q.category == "other")
    assert other.min == 0 and other.target is None and other.max >= 1


def test_tolerance_widens_each_target():
    table = aggregate(synthetic_pool(600, 1, not_stated=0.0, other_gender=0.0))
    exact = derive_quotas(population_targets(), table, 60, Tolerance(0, 0.0))
    wide = derive_quotas(population_targets(), table, 60, Tolerance(1, 0.1))
    for a, b in zip(exact, wide, strict=True):
        assert a.min == a.max  # no tolerance, nothing unstated: the rounded target itself
        slack = max(1, math.ceil(0.1 * a.target - 1e-9))
        assert (b.min, b.max) == (max(0, a.min - slack), a.max + slack)
    assert sum(q.min for q in exact if q.dimension == "age") == 60


def test_over_inviting_scales_the_quotas():
    table = aggregate(synthetic_pool(600, 1))
    for30 = derive_quotas(population_targets(), table, 30)
    scaled = scale_quotas(for30, 30, 60)
    for a, b in zip(for30, scaled, strict=True):
        assert b.min == 2 * a.min and b.max == 2 * a.max
    assert scale_quotas(for30, 30, 45)[0].max == math.ceil(for30[0].max * 1.5 - 1e-9)


def test_staff_can_edit_quotas():
    table = aggregate(synthetic_pool(600, 1))
    quotas = derive_quotas(population_targets(), table, 60)
    edited = edit_quotas(quotas, {("age", "75+"): (5, 9)})
    q = next(q for q in edited if (q.dimension, q.category) == ("age", "75+"))
    assert (q.min, q.max) == (5, 9)
    with pytest.raises(KeyError):
        edit_quotas(quotas, {("age", "12-17"): (0, 1)})
    with pytest.raises(ValueError):
        edit_quotas(quotas, {("age", "75+"): (9, 5)})


def _pool(rows):
    return [Candidate(f"c{i}", cats) for i, cats in enumerate(rows)]


def test_too_few_members_is_reported_before_drawing_with_the_numbers():
    pool = _pool([("female", "18-29")] * 2 + [("female", "60-74")] * 10 + [("male", "60-74")] * 10)
    quotas = (Quota("gender", "female", 0, 10), Quota("gender", "male", 0, 10),
              Quota("age", "18-29", 5, 6), Quota("age", "60-74", 0, 10))
    plan = plan_draw(pool, 10, quotas=quotas, dimensions=("gender", "age"))
    assert not plan.feasible and plan.bound is None
    [problem] = plan.problems
    assert (problem.kind, problem.dimension, problem.category, problem.needed, problem.available, problem.short) == (
        "too_few_members", "age", "18-29", 5, 2, 3)
    assert problem.message == MESSAGES["too_few_members"]
    assert problem.message % problem.params  # every placeholder is filled


def test_pool_and_dimension_totals_are_reported():
    pool = _pool([("female", "18-29")] * 3 + [("male", "60-74")] * 3)
    quotas = (Quota("gender", "female", 3, 3), Quota("gender", "male", 3, 3),
              Quota("age", "18-29", 0, 1), Quota("age", "60-74", 0, 1))
    kinds = {(p.kind, p.dimension) for p in plan_draw(pool, 8, quotas=quotas, dimensions=("gender", "age")).problems}
    assert kinds == {("pool_too_small", ""), ("maximums_too_low", "gender"), ("maximums_too_low", "age")}


def test_quotas_that_clash_are_named_with_how_far_apart_they_are():
    # Every young member is a woman: at least 3 young but at most 1 woman cannot both hold.
    pool = _pool([("female", "18-29")] * 4 + [("male", "60-74")] * 6)
    quotas = (Quota("gender", "female", 0, 1), Quota("gender", "male", 0, 6),
              Quota("age", "18-29", 3, 4), Quota("age", "60-74", 0, 6))
    plan = plan_draw(pool, 5, quotas=quotas, dimensions=("gender", "age"))
    assert not plan.feasible
    assert {p.kind for p in plan.problems} <= {"conflict_min", "conflict_max"}
    total = sum(p.short for p in plan.problems)
    assert total == 2  # two seats apart: e.g. "at most 1 woman" where 3 are needed
    for p in plan.problems:
        assert p.message % p.params
