"""Ranking (Borda) and budget (never over the total) rules and results."""

from rooms import new_room
from rooms.actors import FACILITATOR
from rooms.commands import StartRound
from rooms.rounds import budget, ranking
from rooms.rounds.budget import Allocate, BudgetConfig
from rooms.rounds.ideas import IdeasConfig, PostIdea
from rooms.rounds.ranking import Rank, RankingConfig
from rooms.rounds.texts import HideItem
from rooms.state import RoundStatus
from tests.support.rooms import PEOPLE, act, code, opened

def room_with(*plan, start=0):
    return opened(*plan, start=start)


def test_ranking_plans_need_options_or_an_ideas_round():
    assert code(new_room("R", "T", [RankingConfig(options=["A"])])) == "bad_plan"
    assert code(new_room("R", "T", [RankingConfig()])) == "bad_plan"
    assert code(new_room("R", "T", [RankingConfig(options=["A", "B"], max_ranked=0)])) == "bad_plan"


def test_tapping_builds_an_order_up_to_k_and_tapping_again_takes_out():
    state = room_with(RankingConfig(options=["A", "B", "C", "D"], max_ranked=2))
    act(state, Rank(option="o2"), PEOPLE[0])
    act(state, Rank(option="o0"), PEOPLE[0])
    assert code(act(state, Rank(option="o1"), PEOPLE[0])) == "ranking_full"
    assert code(act(state, Rank(option="o9"), PEOPLE[0])) == "no_such_option"
    assert [o.text for o in ranking.my_order(state, state.rounds[0], "ballot-0")] == ["C", "A"]
    act(state, Rank(option="o2"), PEOPLE[0])  # take C out: A moves up
    assert [o.text for o in ranking.my_order(state, state.rounds[0], "ballot-0")] == ["A"]


def test_borda_count_with_k_places():
    state = room_with(RankingConfig(options=["A", "B", "C"], max_ranked=2))
    for person, order in zip(PEOPLE, (["o0", "o1"], ["o1", "o0"], ["o1", "o2"], ["o2"])):
        for option in order:
            act(state, Rank(option=option), person)
    table = [(s.option.text, s.points, s.first, s.ranked) for s in ranking.standings(state, state.rounds[0])]
    # 1st place = 2 points, 2nd = 1: A 2+1, B 1+2+2, C 1+2
    assert table == [("B", 5, 2, 3), ("A", 3, 1, 2), ("C", 3, 1, 2)]


def test_ranking_over_ideas_reveals_them_and_drops_hidden_ones():
    state = room_with(IdeasConfig(), RankingConfig(max_ranked=2))
    for person, text in zip(PEOPLE, ("Sykkel", "Buss", "Benk")):
        act(state, PostIdea(text=text), person)
    act(state, StartRound(round=1), FACILITATOR)
    assert state.rounds[0].status is RoundStatus.REVEALED
    act(state, Rank(option="r0i3"), PEOPLE[0])
    act(state, Rank(option="r0i1"), PEOPLE[0])
    act(state, HideItem(item="r0i3", round=0), FACILITATOR)
    assert code(act(state, Rank(option="r0i3"), PEOPLE[1])) == "no_such_option"
    # The hidden idea drops out of the count; Sykkel moves up to first place.
    assert [(s.option.text, s.points) for s in ranking.standings(state, state.rounds[1])] == [
        ("Sykkel", 2), ("Buss", 0)
    ]


def test_budget_steps_never_exceed_the_total():
    state = room_with(BudgetConfig(options=["A", "B", "C"], total=30, step=10))
    me = PEOPLE[0]
    act(state, Allocate(option=0), me)
    act(state, Allocate(option=0), me)
    act(state, Allocate(option=1), me)
    assert code(act(state, Allocate(option=2), me)) == "over_budget"
    act(state, Allocate(option=0, delta=-1), me)
    act(state, Allocate(option=2), me)
    assert code(act(state, Allocate(option=2, delta=-1), PEOPLE[1])) == "nothing_to_take_back"
    assert code(act(state, Allocate(option=5), me)) == "no_such_option"
    assert code(act(state, Allocate(option=0, delta=3), me)) == "bad_delta"
    assert budget.mine(state.rounds[0], "ballot-0") == {0: 10, 1: 10, 2: 10}
    assert budget.left(state.rounds[0], "ballot-0") == 0


def test_budget_with_costs_funds_whole_options():
    state = room_with(BudgetConfig(options=["Park", "Buss", "Bibliotek"], total=100, costs=[60, 30, 50], unit="kr"))
    me = PEOPLE[0]
    act(state, Allocate(option=0), me)
    assert code(act(state, Allocate(option=0), me)) == "already_funded"
    assert code(act(state, Allocate(option=2), me)) == "over_budget"
    act(state, Allocate(option=1), me)
    act(state, Allocate(option=1), PEOPLE[1])
    act(state, Allocate(option=2), PEOPLE[1])
    lines = [(line.option, line.amount, line.supporters) for line in budget.lines(state.rounds[0])]
    assert lines == [("Park", 60, 1), ("Buss", 60, 2), ("Bibliotek", 50, 1)]
    assert code(new_room("R", "T", [BudgetConfig(options=["A", "B"], costs=[10])])) == "bad_plan"
    assert code(new_room("R", "T", [BudgetConfig(options=["A", "B"], unit="euro")])) == "bad_plan"
