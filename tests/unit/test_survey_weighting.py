"""Raking, its diagnostics and linearised standard errors, checked against closed forms and R survey."""

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.surveys.estimates import mean
from server.surveys.weighting import UNKNOWN, Margin, rake

FIXTURES = Path(__file__).parent / "fixtures"
AGES = {"18-29": 20000, "30-44": 27000, "45-59": 26000, "60-74": 19000, "75+": 10000}
EXAMPLE_MARGINS = [
    Margin("gender", {"female": 52000, "male": 50000}),
    Margin("age", AGES, ordered=True),
    Margin("district", {"A": 30000, "B": 25000, "C": 30000, "D": 17000}),
]


def people(**cells: int) -> list[dict[str, str]]:
    """people(male_young=3) -> three respondents with gender male and age young."""
    return [dict(zip(("gender", "age"), cell.split("_"), strict=True)) for cell, k in cells.items() for _ in range(k)]


def cell_totals(weighting, respondents) -> dict[str, float]:
    totals: dict[str, float] = {}
    for r, w in zip(respondents, weighting.weights, strict=True):
        key = f"{r['gender']}_{r['age']}"
        totals[key] = totals.get(key, 0.0) + w
    return totals


def test_a_two_by_two_table_is_raked_to_the_closed_form_that_keeps_its_odds_ratio():
    # IPF keeps the sample's odds ratio and meets both margins: m11 solves
    # m11 * (m11 - a - b + N) = OR * (a - m11) * (b - m11), with a, b the row and column targets.
    respondents = people(male_young=20, male_old=30, female_young=35, female_old=15)
    margins = [Margin("gender", {"male": 48, "female": 52}), Margin("age", {"young": 40, "old": 60})]
    raked = rake(respondents, margins, caps=None)
    odds = (20 * 15) / (30 * 35)
    a, b, n = 48, 40, 100
    # (1 - OR) m^2 + (n - a - b + OR (a + b)) m - OR a b = 0
    qa, qb, qc = 1 - odds, n - a - b + odds * (a + b), -odds * a * b
    m11 = (-qb + math.sqrt(qb * qb - 4 * qa * qc)) / (2 * qa)
    expected = {"male_young": m11, "male_old": a - m11, "female_young": b - m11, "female_old": n - a - b + m11}
    got = cell_totals(raked, respondents)
    assert raked.converged
    for cell, total in expected.items():
        assert got[cell] == pytest.approx(total, rel=1e-10), cell
    assert got["male_young"] * got["female_old"] / (got["male_old"] * got["female_young"]) == pytest.approx(odds)


def r_answers() -> dict[str, float]:
    lines = (FIXTURES / "raking_in_r.txt").read_text().split("\n")
    return {name: float(value) for name, value in (line.split() for line in lines if line)}


def test_weights_and_standard_errors_agree_with_r_survey():
    rows = list(csv.DictReader((FIXTURES / "raking_example.csv").open()))
    raked = rake(rows, EXAMPLE_MARGINS, caps=None)
    w = raked.weights
    support = np.array([int(r["support"]) for r in rows])
    score = np.array([int(r["score"]) for r in rows])
    answered = np.array([r["answered"] == "1" for r in rows])
    everyone = np.ones(len(rows), dtype=bool)
    ours = {
        "weight_min": w.min(), "weight_max": w.max(), "weight_first": w[0], "weight_sumsq": w @ w,
    }
    for name, values, domain in (
        ("support", support, everyone), ("score", score, answered), ("support_answered", support, answered)
    ):
        estimate = mean(raked, values, domain)
        ours[f"{name}_mean"] = estimate.value
        ours[f"{name}_se"] = estimate.standard_error
    r = r_answers()
    assert set(ours) == set(r)
    for name, value in r.items():
        # R stops raking when no weight moves by 1e-10; ours when every margin is within 1e-12.
        assert ours[name] == pytest.approx(value, rel=1e-8), name


def test_thin_categories_are_merged_with_the_smaller_neighbour_and_unknowns_get_their_own_cell():
    rows = (
        [{"age": "18-29", "gender": "female"}] * 4
        + [{"age": "30-44", "gender": "male"}] * 30
        + [{"age": "45-59", "gender": "female"}] * 12
        + [{"age": "60-74", "gender": "male"}] * 40
        + [{"age": "75+", "gender": ""}] * 3
    )
    raked = rake(rows, [Margin("age", AGES, ordered=True), Margin("gender", {"female": 1, "male": 1})], caps=None)
    age, gender = raked.dimensions
    # 18-29 has one neighbour; 75+ (3) joins 60-74 (40), its only neighbour.
    assert [c.categories for c in age.cells] == [("18-29", "30-44"), ("45-59",), ("60-74", "75+")]
    assert [c.categories for c in gender.cells] == [("female",), ("male",), (UNKNOWN,)]
    unknown = gender.cells[-1]
    assert unknown.target == pytest.approx(sum(AGES.values()) * 3 / len(rows))
    assert raked.converged


def test_a_dimension_with_one_group_left_is_not_raked_on():
    rows = [{"district": "A"}] * 30 + [{"district": "B"}] * 2
    raked = rake(rows, [Margin("district", {"A": 10, "B": 10})], caps=None)
    assert raked.dropped == ("district",)
    assert raked.dimensions == ()
    assert np.allclose(raked.weights, raked.weights[0])


def test_caps_hold_and_unreachable_margins_are_reported_not_hidden():
    rows = people(male_young=5, male_old=45, female_young=45, female_old=5)
    margins = [Margin("gender", {"male": 50, "female": 50}), Margin("age", {"young": 90, "old": 10})]
    uncapped = rake(rows, margins, caps=None, min_respondents=1)
    assert uncapped.converged and uncapped.weight_range[1] > 5
    capped = rake(rows, margins, caps=(0.5, 2.0), min_respondents=1, max_iterations=200)
    nominal_mean = 100 / len(rows)  # the caps are multiples of population / respondents
    assert capped.weights.min() >= 0.5 * nominal_mean * (1 - 1e-12)
    assert capped.weights.max() <= 2.0 * nominal_mean * (1 + 1e-12)
    assert capped.capped > 0
    assert not capped.converged and capped.largest_margin_error > 0.01


def test_diagnostics_of_equal_weights_are_neutral():
    rows = people(male_young=25, male_old=25, female_young=25, female_old=25)
    raked = rake(rows, [Margin("gender", {"male": 1, "female": 1}), Margin("age", {"young": 1, "old": 1})])
    assert raked.design_effect == pytest.approx(1.0)
    assert raked.effective_n == pytest.approx(100)
    assert raked.weight_range == pytest.approx((1.0, 1.0))


categories = st.sampled_from(["a", "b", "c"])


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.fixed_dictionaries({"x": categories, "y": categories}), min_size=30, max_size=200),
    x_targets=st.lists(st.integers(1, 1000), min_size=3, max_size=3),
    y_targets=st.lists(st.integers(1, 1000), min_size=3, max_size=3),
)
def test_raked_margins_equal_the_targets(rows, x_targets, y_targets):
    margins = [Margin("x", dict(zip("abc", x_targets))), Margin("y", dict(zip("abc", y_targets)))]
    raked = rake(rows, margins, caps=None, min_respondents=1)
    if not raked.converged:
        # Margins no table of these respondents can meet (e.g. an empty cross cell forces it).
        return
    total = sum(x_targets)
    for dimension in raked.dimensions:
        for i, cell in enumerate(dimension.cells):
            weighted = raked.weights[dimension.index == i].sum()
            assert abs(weighted - cell.target) <= 1e-9 * total
            assert abs(weighted / raked.weights.sum() - cell.target / total) <= 1e-9
