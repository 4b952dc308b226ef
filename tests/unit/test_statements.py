"""The statements round: its rules, each person's order, and the analysis of the answers."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rooms import Actor, Rejection, Role, new_room, replay
from rooms.actors import FACILITATOR, SYSTEM
from rooms.codec import decode_event, encode_event
from rooms.commands import Join, PauseRound, RevealResults, StartRound
from rooms.rounds import statements_analysis as analysis
from rooms.rounds.statements import (
    AddStatement,
    RateStatement,
    StatementRated,
    StatementsConfig,
    order,
    progress,
    results,
)
from rooms.rounds.texts import ApproveItem, HideItem, ShowItem
from server.app import template_environment
from server.meetings.views import RoomViews
from tests.unit.test_rooms import ok, refused

SEEDS = ["Flere benker i parken", "Lengre åpent på biblioteket", "Bygg ny skole", "Mer lys på stiene"]
BOARD = Actor(Role.BOARD)


def person(n: int) -> Actor:
    return Actor(Role.PARTICIPANT, pid=f"p{n}", ballot=f"ballot-{n}")


def make_room(people: int = 3, **config) -> tuple:
    cfg = StatementsConfig(**{"statements": SEEDS, "max_length": 40, "max_per_person": 2, **config})
    events = new_room("ROOM77", "Møte", [cfg])
    assert not isinstance(events, Rejection), events
    state = replay(events)
    log = list(events)
    for n in range(1, people + 1):
        log += ok(state, Join(pid=f"p{n}"), SYSTEM)
    return state, log


def started(**config):
    state, log = make_room(**config)
    log += ok(state, StartRound(round=0), FACILITATOR)
    return state, log


# -- the plan -----------------------------------------------------------------------------


def test_a_plan_needs_sound_statements_or_room_for_new_ones():
    def code(cfg):
        result = new_room("X", "Møte", [cfg])
        return result.code if isinstance(result, Rejection) else None

    assert code(StatementsConfig(statements=["Ok"])) is None
    assert code(StatementsConfig()) is None  # participants write them all
    assert code(StatementsConfig(statements=["  \n "])) == "bad_plan"
    assert code(StatementsConfig(statements=["x" * 141])) == "bad_plan"
    assert code(StatementsConfig(allow_new=False)) == "bad_plan"
    assert code(StatementsConfig(max_per_person=0)) == "bad_plan"
    assert code(StatementsConfig(statements=["Ok"], max_length=0)) == "bad_plan"


def test_seed_statements_are_there_from_the_start_and_survive_replay():
    state, log = started()
    rnd = state.rounds[0]
    assert [(i.id, i.author, i.text, i.visible) for i in rnd.data.items.values()] == [
        (f"s{n}", "", text, True) for n, text in enumerate(SEEDS, 1)
    ]
    assert replay(decode_event(encode_event(e)) for e in log) == state


# -- rating -------------------------------------------------------------------------------


def test_rating_needs_an_open_round_a_joined_participant_and_a_real_answer():
    state, _ = make_room()
    assert refused(state, RateStatement(statement="s1", vote="agree"), person(1)) == "round_not_open"
    ok(state, StartRound(round=0), FACILITATOR)
    assert refused(state, RateStatement(statement="s1", vote="agree"), person(9)) == "not_joined"
    assert refused(state, RateStatement(statement="s1", vote="agree"), BOARD) == "not_allowed"
    assert refused(state, RateStatement(statement="s1", vote="agree"), FACILITATOR) == "not_allowed"
    no_ballot = Actor(Role.PARTICIPANT, pid="p1")
    assert refused(state, RateStatement(statement="s1", vote="agree"), no_ballot) == "not_joined"
    assert refused(state, RateStatement(statement="s1", vote="yes"), person(1)) == "bad_vote"
    assert refused(state, RateStatement(statement="s99", vote="agree"), person(1)) == "no_such_statement"
    ok(state, PauseRound(round=0), FACILITATOR)
    assert refused(state, RateStatement(statement="s1", vote="agree"), person(1)) == "round_paused"


def test_ratings_are_stored_under_the_ballot_and_can_be_changed_while_open():
    state, _ = started()
    events = ok(state, RateStatement(statement="s2", vote="agree"), person(1))
    assert events == [StatementRated(round=0, ballot="ballot-1", statement="s2", vote="agree")]
    assert "p1" not in encode_event(events[0]).decode()
    assert ok(state, RateStatement(statement="s2", vote="agree"), person(1)) == []  # no change, no event
    ok(state, RateStatement(statement="s2", vote="disagree"), person(1))
    ok(state, RateStatement(statement="s1", vote="pass"), person(1))
    rnd = state.rounds[0]
    assert rnd.data.votes == {"ballot-1": {"s2": "disagree", "s1": "pass"}}
    assert [(i.id, v) for i, v in progress(rnd, "ballot-1").answered] == [("s2", "disagree"), ("s1", "pass")]
    assert results(rnd).lines[1].counts == analysis.Counts(agree=0, disagree=1, passed=0)
    ok(state, RevealResults(round=0), FACILITATOR)
    assert refused(state, RateStatement(statement="s2", vote="agree"), person(1)) == "round_not_open"


def test_pending_and_hidden_statements_cannot_be_rated():
    state, _ = started()
    ok(state, AddStatement(text="Gratis buss for eldre"), person(1))
    new = "r0i5"
    assert state.rounds[0].data.items[new].pending
    assert refused(state, RateStatement(statement=new, vote="agree"), person(2)) == "no_such_statement"
    assert new not in [i.id for i in order(state.rounds[0], "ballot-2")]
    ok(state, ApproveItem(item=new), FACILITATOR)
    ok(state, RateStatement(statement=new, vote="agree"), person(2))
    ok(state, HideItem(item="s3"), FACILITATOR)
    assert refused(state, RateStatement(statement="s3", vote="agree"), person(2)) == "no_such_statement"
    assert "s3" not in [i.id for i in order(state.rounds[0], "ballot-2")]
    ok(state, ShowItem(item="s3"), FACILITATOR)
    ok(state, RateStatement(statement="s3", vote="agree"), person(2))


def test_a_vote_on_a_statement_hidden_later_leaves_the_counts_and_the_progress():
    state, _ = started()
    ok(state, RateStatement(statement="s1", vote="agree"), person(1))
    ok(state, HideItem(item="s1"), FACILITATOR)
    rnd = state.rounds[0]
    assert progress(rnd, "ballot-1").answered == []
    assert progress(rnd, "ballot-1").total == len(SEEDS) - 1
    assert [line.item.id for line in results(rnd).lines] == ["s2", "s3", "s4"]
    assert results(rnd).voters == 0


# -- adding statements --------------------------------------------------------------------


def test_adding_statements_within_the_limits():
    state, _ = started()
    assert refused(state, AddStatement(text="x" * 41), person(1)) == "text_too_long"
    assert refused(state, AddStatement(text=" \u202e\t"), person(1)) == "text_empty"
    ok(state, AddStatement(text="Én"), person(1))
    ok(state, AddStatement(text="To"), person(1))
    assert refused(state, AddStatement(text="Tre"), person(1)) == "too_many"
    assert refused(state, AddStatement(text="Fra lerretet"), BOARD) == "not_allowed"
    state, _ = started(allow_new=False)
    assert refused(state, AddStatement(text="Ny"), person(1)) == "no_new_statements"


def test_unmoderated_statements_can_be_rated_at_once():
    state, _ = started(moderated=False)
    ok(state, AddStatement(text="Flere søppelkasser"), person(1))
    ok(state, RateStatement(statement="r0i5", vote="disagree"), person(2))


def test_only_the_facilitator_moderates():
    state, _ = started()
    ok(state, AddStatement(text="Ny påstand"), person(1))
    assert refused(state, ApproveItem(item="r0i5"), person(2)) == "not_allowed"
    assert refused(state, ApproveItem(item="r0i77"), FACILITATOR) == "no_such_item"


# -- each person's order ------------------------------------------------------------------


def test_each_ballot_has_its_own_shuffled_order_that_stays_the_same():
    state, log = started()
    ok(state, RateStatement(statement="s2", vote="agree"), person(1))
    ballots = [f"ballot-{n}" for n in range(8)]
    orders = {b: [i.id for i in order(state.rounds[0], b)] for b in ballots}
    assert all(sorted(o) == ["s1", "s2", "s3", "s4"] for o in orders.values())
    assert len({tuple(o) for o in orders.values()}) > 1
    replayed = replay(decode_event(encode_event(e)) for e in log).rounds[0]
    other_round = StatementsConfig(statements=SEEDS)
    moved = replay(new_room("ROOM78", "Møte", [StatementsConfig(statements=["Først"]), other_round])).rounds[1]
    assert any([i.id for i in order(moved, b)] != orders[b] for b in ballots)  # the round counts too
    for b in ballots[2:]:
        assert [i.id for i in order(replayed, b)] == orders[b]


def test_a_new_statement_never_replaces_the_one_on_the_screen():
    state, _ = started(moderated=False, max_per_person=5)
    rnd = state.rounds[0]
    me = person(2)
    ok(state, RateStatement(statement=progress(rnd, me.ballot).current.id, vote="agree"), me)
    for n in range(4):
        on_screen = progress(rnd, me.ballot).current
        ok(state, AddStatement(text=f"Ny påstand {n}"), person(1))
        assert progress(rnd, me.ballot).current == on_screen
    # Once answered past, the new statements join each person's own shuffle.
    people = [person(n) for n in (1, 3)]
    for p in people:
        ok(state, RateStatement(statement="s1", vote="agree"), p)
    new = [[i.id for i in order(rnd, p.ballot) if i.id.startswith("r")] for p in (*people, me)]
    assert len({tuple(o) for o in new}) > 1
    while (current := progress(rnd, me.ballot).current) is not None:
        ok(state, RateStatement(statement=current.id, vote="pass"), me)
    assert sorted(i.id for i, _ in progress(rnd, me.ballot).answered) == sorted(rnd.data.items)
    assert len(rnd.data.items) == 8


def test_equal_personal_keys_give_equal_views_and_a_vote_changes_the_key():
    state, _ = started(people=6)
    rnd = state.rounds[0]
    views = RoomViews(template_environment())
    people = [person(n) for n in range(1, 7)]
    for p in people[:3]:
        for item in order(rnd, p.ballot)[:2]:
            ok(state, RateStatement(statement=item.id, vote="agree"), p)
    by_key: dict = {}
    for p in people:
        by_key.setdefault(views.personal_key(state, p), set()).add(views.participant(state, p, "nb"))
    assert all(len(pages) == 1 for pages in by_key.values())
    before = views.personal_key(state, people[0])
    current = progress(rnd, people[0].ballot).current
    ok(state, RateStatement(statement=current.id, vote="disagree"), people[0])
    assert views.personal_key(state, people[0]) != before


# -- the analysis -------------------------------------------------------------------------


def planted_camps(first: int, second: int, statements: int, seed: int) -> np.ndarray:
    """Two camps with opposite views on the first half of the statements and shared views on the
    rest. Each person also flips one answer, says "don't know" to another and skips a third."""
    rng = np.random.default_rng(seed)
    rows = []
    for camp, size in ((1.0, first), (-1.0, second)):
        for _ in range(size):
            row = np.ones(statements)
            row[: statements // 2] = camp
            flip, passed, skipped = rng.choice(statements, 3, replace=False)
            row[flip] = -row[flip]
            row[passed] = 0.0
            row[skipped] = np.nan
            rows.append(row)
    return np.array(rows)


@pytest.mark.parametrize("seed", range(10))
def test_two_planted_camps_are_found_exactly(seed):
    found = analysis.analyse(planted_camps(12, 10, 12, seed))
    assert sorted(g.rows for g in found.groups) == [tuple(range(12)), tuple(range(12, 22))]
    assert found.silhouette is not None and found.silhouette >= analysis.MIN_SILHOUETTE
    # What sets each camp apart are the statements the camps disagree on, each in its own way.
    big, small = found.groups
    assert big.size == 12 and small.size == 10
    assert {r.statement for r in big.representative} <= set(range(6))
    assert {(r.statement, r.stance) for r in big.representative}.isdisjoint(
        (r.statement, r.stance) for r in small.representative
    )
    # Shared views are broad agreement; the camps' own views are not.
    assert found.broad and all(col >= 6 for col in found.broad)


def test_random_answers_form_no_groups():
    rng = np.random.default_rng(7)
    for _ in range(10):
        matrix = rng.choice([1.0, -1.0, 0.0, np.nan], size=(30, 12), p=[0.4, 0.3, 0.1, 0.2])
        assert analysis.analyse(matrix).groups == ()


def test_a_camp_smaller_than_five_is_never_shown():
    found = analysis.analyse(planted_camps(12, 4, 12, seed=3))
    assert found.groups == ()  # the 4 cannot be a group, and one group alone says nothing
    three_camps = np.vstack([planted_camps(10, 10, 12, seed=4), -np.ones((3, 12))])
    found = analysis.analyse(three_camps)
    assert all(g.size >= 5 for g in found.groups)
    assert sum(g.size for g in found.groups) == 23  # the three joined a larger group


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 40).flatmap(
        lambda n: st.lists(
            st.lists(st.sampled_from([1.0, -1.0, 0.0, float("nan")]), min_size=6, max_size=6),
            min_size=n,
            max_size=n,
        )
    )
)
def test_groups_always_have_five_or_more_and_come_two_or_more(rows):
    matrix = np.array(rows, dtype=float).reshape(len(rows), 6)
    found = analysis.analyse(matrix)
    assert len(found.groups) != 1
    assert all(g.size >= analysis.MIN_GROUP for g in found.groups)
    members = [r for g in found.groups for r in g.rows]
    assert len(members) == len(set(members))
    assert found == analysis.analyse(matrix.copy())  # deterministic


def test_broad_agreement_and_division_on_a_constructed_case():
    a, d, p, n = 1.0, -1.0, 0.0, np.nan
    matrix = np.array(
        [
            # s0: all agree; s1: even split; s2: mostly disagree; s3: 2 answers; s4: 8 of 10 agree
            [a, a, d, a, a],
            [a, d, d, a, a],
            [a, a, d, n, a],
            [a, d, d, n, a],
            [a, a, d, n, a],
            [a, d, a, n, a],
            [a, a, d, n, a],
            [a, d, p, n, a],
            [a, a, d, n, d],
            [p, d, d, n, p],
        ]
    )
    found = analysis.analyse(matrix)
    assert found.broad == (0, 4)  # s3 is unanimous, but two answers are too few
    assert found.divisive == (1,)  # s2 has only one "agree": not divided
    assert found.counts[0] == analysis.Counts(agree=9, disagree=0, passed=1)
    # Five and five split cleanly on s1: a real grouping, and agreement on s0 and s4 holds in both.
    assert sorted(g.rows for g in found.groups) == [(0, 2, 4, 6, 8), (1, 3, 5, 7, 9)]


def test_results_on_a_room_map_the_analysis_to_statements():
    state, _ = started(people=22)
    rnd = state.rounds[0]
    # Camp 1 (p1..p12) agrees with s1 and s2, camp 2 (p13..p22) disagrees; all agree with s3, s4.
    for n in range(1, 23):
        for statement in ("s1", "s2", "s3", "s4"):
            vote = "agree" if statement in ("s3", "s4") or n <= 12 else "disagree"
            ok(state, RateStatement(statement=statement, vote=vote), person(n))
    res = results(rnd)
    assert res.voters == 22
    assert [g.size for g in res.groups] == [12, 10]
    assert {(s.line.item.id, s.stance, s.group_pct, s.rest_pct) for s in res.groups[1].stances} == {
        ("s1", "disagree", 100, 0),
        ("s2", "disagree", 100, 0),
    }
    assert [line.item.id for line in res.broad] == ["s3", "s4"]
    assert [line.item.id for line in res.divisive] == ["s1", "s2"]
    assert res.broad[0].pct("agree") == 100
