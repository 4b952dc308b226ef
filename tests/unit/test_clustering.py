"""Theme clustering in an ideas round: merging duplicates (authors stay credited, undo possible)
and named themes; dot voting and ranking over ideas or themes."""

from datetime import UTC, datetime

from rooms import new_room
from rooms.commands import StartRound
from rooms.rounds import dots, ideas, ranking
from rooms.rounds.dots import CastDot, DotsConfig
from rooms.rounds.ideas import AddTheme, IdeasConfig, MergeIdeas, PostIdea, RemoveTheme, SetTheme, UnmergeIdea
from rooms.rounds.ranking import Rank, RankingConfig

from server.meetings.outcomes import build_histories
from tests.support.rooms import PEOPLE, act, opened

TEXTS = ("Flere benker", "Benker i parken", "Bedre busser", "Lys på turveien")


def room(*later):
    state = opened(IdeasConfig(), *later, members=True)
    for person, text in zip(PEOPLE, TEXTS):
        act(state, PostIdea(text=text), person)
    return state


def texts(items) -> list[str]:
    return [i.text for i in items]


def test_merging_a_duplicate_credits_both_authors_and_can_be_undone():
    state = room()
    rnd = state.rounds[0]
    act(state, MergeIdeas(item="r0i2", into="r0i1"))
    assert texts(ideas.visible_ideas(rnd)) == ["Flere benker", "Bedre busser", "Lys på turveien"]
    assert texts(ideas.merged_into(rnd, "r0i1")) == ["Benker i parken"]
    assert ideas.merged_target(rnd, "r0i2").text == "Flere benker"
    assert act(state, MergeIdeas(item="r0i2", into="r0i3")).code == "cannot_merge"  # already merged away
    assert act(state, MergeIdeas(item="r0i1", into="r0i1")).code == "cannot_merge"
    assert act(state, MergeIdeas(item="r0i1", into="r0i3"), PEOPLE[0]).code == "not_allowed"
    # Merging the target on: its duplicate follows, so chains stay one step long.
    act(state, MergeIdeas(item="r0i1", into="r0i4"))
    assert texts(ideas.merged_into(rnd, "r0i4")) == ["Flere benker", "Benker i parken"]
    act(state, UnmergeIdea(item="r0i1"))
    act(state, UnmergeIdea(item="r0i2"))
    assert len(ideas.visible_ideas(rnd)) == 4
    assert act(state, UnmergeIdea(item="r0i2")) == []


def test_themes_group_ideas_and_removing_a_theme_keeps_its_ideas():
    state = room()
    rnd = state.rounds[0]
    act(state, AddTheme(name="Møteplasser"))
    act(state, AddTheme(name="Transport"))
    assert act(state, AddTheme(name="  ")).code == "bad_theme_name"
    act(state, SetTheme(item="r0i1", theme="r0t1"))
    act(state, SetTheme(item="r0i3", theme="r0t2"))
    assert act(state, SetTheme(item="r0i3", theme="r0t9")).code == "no_such_theme"
    groups = [(t.name, texts(t.ideas)) for t in ideas.themes(rnd)]
    assert groups == [("Møteplasser", ["Flere benker"]), ("Transport", ["Bedre busser"]), ("", ["Benker i parken", "Lys på turveien"])]
    act(state, RemoveTheme(theme="r0t2"))
    assert [t.name for t in ideas.themes(rnd)] == ["Møteplasser", ""]
    assert len(ideas.visible_ideas(rnd)) == 4


def test_dots_on_an_idea_merged_away_count_for_the_idea_it_joined():
    state = room(DotsConfig(dots=3, max_per_idea=2))
    act(state, StartRound(round=1))
    act(state, CastDot(idea="r0i2"), PEOPLE[0])
    act(state, CastDot(idea="r0i1"), PEOPLE[1])
    act(state, MergeIdeas(item="r0i2", into="r0i1", round=0))
    rnd = state.rounds[1]
    assert [(o.text, n) for o, n in dots.results(state, rnd)][0] == ("Flere benker", 2)
    assert dots.my_dots(state, rnd, "ballot-0") == {"r0i1": 1}
    # The dot can be taken back from where it now counts, and the limit per idea holds.
    act(state, CastDot(idea="r0i1"), PEOPLE[0])
    assert act(state, CastDot(idea="r0i1"), PEOPLE[0]).code == "idea_full"
    act(state, CastDot(idea="r0i1", delta=-1), PEOPLE[0])
    act(state, CastDot(idea="r0i1", delta=-1), PEOPLE[0])
    assert dots.my_dots(state, rnd, "ballot-0") == {}


def test_voting_over_themes():
    state = room(DotsConfig(over="themes"), RankingConfig(over="themes"))
    act(state, AddTheme(name="Møteplasser"))
    act(state, AddTheme(name="Tom"))
    act(state, SetTheme(item="r0i1", theme="r0t1"))
    act(state, StartRound(round=1))
    assert [o.text for o in dots.options(state, state.rounds[1])] == ["Møteplasser"]  # empty themes are not offered
    act(state, CastDot(idea="r0t1"), PEOPLE[0])
    assert dots.results(state, state.rounds[1])[0][1] == 1
    act(state, StartRound(round=2))
    act(state, Rank(option="r0t1"), PEOPLE[1])
    assert [(s.option.text, s.points) for s in ranking.standings(state, state.rounds[2])] == [("Møteplasser", 1)]
    assert new_room("R", "T", [IdeasConfig(), DotsConfig(over="people")]).code == "bad_plan"  # type: ignore[union-attr]


def test_a_member_whose_idea_was_merged_sees_the_votes_it_shares():
    state = room(DotsConfig())
    act(state, MergeIdeas(item="r0i2", into="r0i1"))
    act(state, StartRound(round=1))
    act(state, CastDot(idea="r0i1"), PEOPLE[2])
    entries = {e.member: e for e in build_histories(state, datetime(2026, 11, 27, tzinfo=UTC))}
    assert [(i.text, i.votes) for i in entries["m-p1"].ideas] == [("Benker i parken", 1)]
