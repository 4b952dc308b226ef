"""Small groups are hidden, and the hidden ones cannot be recovered from the total."""

from hypothesis import given
from hypothesis import strategies as st

from server.surveys.suppression import MIN_GROUP, hidden_groups


def test_a_small_group_is_hidden_with_the_next_smallest_so_the_total_does_not_reveal_it():
    groups = {"A": 120, "B": 4, "C": 40, "D": 25}
    assert hidden_groups(groups) == {"B", "D"}


def test_small_groups_together_below_the_limit_take_another_with_them():
    assert hidden_groups({"A": 50, "B": 3, "C": 4, "D": 30}) == {"B", "C", "D"}
    assert hidden_groups({"A": 50, "B": 6, "C": 5, "D": 30}) == {"B", "C"}


def test_nothing_is_hidden_when_every_group_is_large_enough_and_empty_groups_hide_nothing():
    assert hidden_groups({"A": 10, "B": 11}) == set()
    assert hidden_groups({"A": 30, "B": 0, "C": 12}) == set()


def test_when_every_group_is_small_all_are_hidden():
    assert hidden_groups({"A": 3, "B": 4}) == {"A", "B"}


@given(st.dictionaries(st.text("ABCDEFGH", min_size=1, max_size=2), st.integers(0, 60), min_size=1, max_size=8))
def test_no_small_group_can_be_seen_or_worked_out_by_subtraction(groups):
    hidden = hidden_groups(groups)
    shown = {g: n for g, n in groups.items() if g not in hidden}
    # Nothing small is shown (empty groups have no answers to reveal).
    assert all(n == 0 or n >= MIN_GROUP for n in shown.values())
    # Subtracting the shown groups from the total gives the hidden groups only together, and that
    # sum is not a small group either, unless every group with answers is hidden.
    if hidden:
        assert len(hidden) >= 2 or sum(groups.values()) < MIN_GROUP
        assert sum(groups[g] for g in hidden) >= MIN_GROUP or all(n == 0 for n in shown.values())
