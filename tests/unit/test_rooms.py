"""Rules of a live meeting, checked on the pure domain."""

import msgspec
import pytest

from rooms import Actor, Rejection, Role, apply_all, decide, new_room, replay
from rooms.actors import FACILITATOR, SYSTEM
from rooms.codec import decode_command, decode_event, encode_event
from rooms.commands import CloseRound, EndMeeting, Join, PauseRound, ResumeRound, RevealResults, SetTimer, ShowLive, SplitTables, StartRound
from rooms.rounds.dots import CastDot, DotsConfig, dots_left, options, results
from rooms.rounds.ideas import IdeasConfig, PostIdea, visible_ideas
from rooms.rounds.texts import ApproveItem, HideItem, ShowItem
from rooms.state import RoundStatus
from rooms.text import clean_text

BOARD = Actor(Role.BOARD)


def person(n: int) -> Actor:
    return Actor(Role.PARTICIPANT, pid=f"p{n}", ballot=f"b{n}")


def make_room(dots: DotsConfig | None = None, ideas: IdeasConfig | None = None):
    events = new_room("ROOM42", "Møte", [ideas or IdeasConfig(max_length=50, max_per_person=2), dots or DotsConfig(dots=3, max_per_idea=2)])
    assert not isinstance(events, Rejection)
    state = replay(events)
    for n in (1, 2, 3):
        ok(state, Join(pid=f"p{n}", name=f"Navn {n}"), SYSTEM)
    return state


def ok(state, command, actor):
    result = decide(state, command, actor)
    assert not isinstance(result, Rejection), result
    apply_all(state, result)
    return result


def refused(state, command, actor) -> str:
    seq = state.seq
    result = decide(state, command, actor)
    assert isinstance(result, Rejection), result
    assert state.seq == seq
    return result.code


def test_a_plan_needs_rounds_and_dots_need_ideas_before_them():
    assert new_room("X", "Møte", []).code == "bad_plan"  # type: ignore[union-attr]
    assert new_room("X", "Møte", [DotsConfig()]).code == "bad_plan"  # type: ignore[union-attr]
    assert new_room("X", "   ", [IdeasConfig()]).code == "bad_title"  # type: ignore[union-attr]
    assert new_room("X", "Møte", [IdeasConfig(), DotsConfig(dots=0)]).code == "bad_plan"  # type: ignore[union-attr]


def test_joining_twice_is_one_participant_and_long_names_are_refused():
    state = make_room()
    assert ok(state, Join(pid="p1"), SYSTEM) == []
    assert len(state.participants) == 3
    assert refused(state, Join(pid="p9", name="x" * 41), SYSTEM) == "name_too_long"
    assert refused(state, Join(pid="p9"), person(1)) == "not_allowed"


def test_only_the_facilitator_runs_rounds_and_the_board_can_do_nothing():
    state = make_room()
    for actor in (person(1), BOARD):
        assert refused(state, StartRound(round=0), actor) == "not_allowed"
        assert refused(state, EndMeeting(), actor) == "not_allowed"
    assert refused(state, PostIdea(text="hei"), BOARD) == "not_allowed"
    assert refused(state, HideItem(item="r0i1"), person(1)) == "not_allowed"
    assert refused(state, StartRound(round=7), FACILITATOR) == "no_such_round"


def test_ideas_only_while_the_round_is_open_and_within_limits():
    state = make_room()
    assert refused(state, PostIdea(text="tidlig"), person(1)) == "round_not_open"
    ok(state, StartRound(round=0), FACILITATOR)
    assert refused(state, PostIdea(text="x" * 51), person(1)) == "text_too_long"
    assert refused(state, PostIdea(text=" \n\t\u202e "), person(1)) == "text_empty"
    ok(state, PostIdea(text="Flere benker"), person(1))
    ok(state, PostIdea(text="Bedre lys"), person(1))
    assert refused(state, PostIdea(text="Tredje"), person(1)) == "too_many"
    stranger = Actor(Role.PARTICIPANT, pid="nobody", ballot="x")
    assert refused(state, PostIdea(text="hei"), stranger) == "not_joined"
    ok(state, CloseRound(round=0), FACILITATOR)
    assert refused(state, PostIdea(text="sent"), person(2)) == "round_not_open"


def test_hiding_and_showing_an_idea():
    state = make_room()
    ok(state, StartRound(round=0), FACILITATOR)
    ok(state, PostIdea(text="Stygt ord"), person(1))
    ok(state, HideItem(item="r0i1"), FACILITATOR)
    assert visible_ideas(state.rounds[0]) == []
    assert ok(state, HideItem(item="r0i1"), FACILITATOR) == []  # already hidden: nothing to do
    ok(state, ShowItem(item="r0i1"), FACILITATOR)
    assert [i.text for i in visible_ideas(state.rounds[0])] == ["Stygt ord"]
    assert refused(state, HideItem(item="r0i99"), FACILITATOR) == "no_such_item"


def _ideas_then_dots(dots: DotsConfig | None = None):
    state = make_room(dots)
    ok(state, StartRound(round=0), FACILITATOR)
    ok(state, PostIdea(text="A"), person(1))
    ok(state, PostIdea(text="B"), person(2))
    ok(state, PostIdea(text="C"), person(3))
    ok(state, HideItem(item="r0i3"), FACILITATOR)
    events = ok(state, StartRound(round=1), FACILITATOR)
    return state, events


def test_starting_dots_closes_and_reveals_the_ideas_and_offers_only_visible_ones():
    state, events = _ideas_then_dots()
    assert [type(e).__name__ for e in events] == ["RoundClosed", "ResultsRevealed", "RoundStarted"]
    assert state.rounds[0].status is RoundStatus.REVEALED
    assert [i.text for i in options(state, state.rounds[1])] == ["A", "B"]


def test_dot_budget_per_participant_and_per_idea():
    state, _ = _ideas_then_dots()
    me = person(1)
    ok(state, CastDot(idea="r0i1"), me)
    ok(state, CastDot(idea="r0i1"), me)
    assert refused(state, CastDot(idea="r0i1"), me) == "idea_full"
    ok(state, CastDot(idea="r0i2"), me)
    assert dots_left(state.rounds[1], me.ballot) == 0
    assert refused(state, CastDot(idea="r0i2"), me) == "no_dots_left"
    ok(state, CastDot(idea="r0i1", delta=-1), me)
    ok(state, CastDot(idea="r0i2"), me)
    assert refused(state, CastDot(idea="r0i3"), person(2)) == "no_such_idea"  # hidden
    assert refused(state, CastDot(idea="r0i2", delta=-1), person(2)) == "no_dot_here"
    assert refused(state, CastDot(idea="r0i2", delta=2), person(2)) == "bad_delta"
    assert [(i.text, n) for i, n in results(state, state.rounds[1])] == [("B", 2), ("A", 1)]


def test_own_ideas_can_be_excluded():
    state, _ = _ideas_then_dots(DotsConfig(allow_own=False))
    assert refused(state, CastDot(idea="r0i1"), person(1)) == "own_idea"
    ok(state, CastDot(idea="r0i1"), person(2))


def test_votes_are_stored_under_the_ballot_key_not_the_participant():
    state, _ = _ideas_then_dots()
    (event,) = ok(state, CastDot(idea="r0i1"), person(1))
    assert b"p1" not in encode_event(event)
    assert b"b1" in encode_event(event)


def test_reveal_rules_and_ending_the_meeting():
    state = make_room()
    assert refused(state, RevealResults(round=0), FACILITATOR) == "round_not_started"
    ok(state, StartRound(round=0), FACILITATOR)
    events = ok(state, RevealResults(round=0), FACILITATOR)
    assert [type(e).__name__ for e in events] == ["RoundClosed", "ResultsRevealed"]
    assert refused(state, RevealResults(round=0), FACILITATOR) == "already_revealed"
    assert refused(state, StartRound(round=0), FACILITATOR) == "round_started"
    ok(state, StartRound(round=1), FACILITATOR)
    events = ok(state, EndMeeting(), FACILITATOR)
    assert [type(e).__name__ for e in events] == ["RoundClosed", "MeetingEnded"]
    assert refused(state, CastDot(idea="r0i1"), person(1)) == "meeting_ended"
    assert refused(state, Join(pid="late"), SYSTEM) == "meeting_ended"


def test_text_is_cleaned_of_controls_and_direction_overrides():
    assert clean_text("  a\u202eb\n\nc\x00d\u2066 ") == "ab cd"
    assert clean_text("e\u0301") == "é"


def test_client_commands_decode_form_strings_and_refuse_the_rest():
    command = decode_command('{"cmd":"dot","idea":"r0i1","delta":"-1","round":"1","nonce":"n1","headers":{"x":1}}')
    assert command == CastDot(idea="r0i1", delta=-1, round=1, nonce="n1")
    for bad in ('{"cmd":"join","pid":"x"}', '{"cmd":"nope"}', '{"cmd":"dot"}', "[1]", "{", '{"cmd":"post_idea","text":5}'):
        with pytest.raises((msgspec.ValidationError, msgspec.DecodeError)):
            decode_command(bad)


def test_events_round_trip_through_the_codec():
    state, _ = _ideas_then_dots()
    events = new_room("R", "T", [IdeasConfig(), DotsConfig()])
    assert [decode_event(encode_event(e)) for e in events] == events  # type: ignore[union-attr]


def test_ideas_can_wait_for_approval():
    state = make_room(ideas=IdeasConfig(moderated=True))
    ok(state, StartRound(round=0), FACILITATOR)
    ok(state, PostIdea(text="Vent litt"), person(1))
    assert visible_ideas(state.rounds[0]) == []
    assert state.rounds[0].data.items["r0i1"].pending
    assert refused(state, ApproveItem(item="r0i1"), person(2)) == "not_allowed"
    ok(state, ApproveItem(item="r0i1"), FACILITATOR)
    assert [i.text for i in visible_ideas(state.rounds[0])] == ["Vent litt"]
    assert ok(state, ApproveItem(item="r0i1"), FACILITATOR) == []


def test_a_paused_round_takes_no_input_until_resumed():
    state = make_room()
    assert refused(state, PauseRound(round=0), FACILITATOR) == "round_not_open"
    ok(state, StartRound(round=0), FACILITATOR)
    ok(state, PauseRound(round=0), FACILITATOR)
    assert refused(state, PostIdea(text="Nå?"), person(1)) == "round_paused"
    assert refused(state, PauseRound(round=0), FACILITATOR) == "round_not_open"
    ok(state, ResumeRound(round=0), FACILITATOR)
    ok(state, PostIdea(text="Nå!"), person(1))
    ok(state, PauseRound(round=0), FACILITATOR)
    # Starting the next round closes a paused one too.
    events = ok(state, StartRound(round=1), FACILITATOR)
    assert [type(e).__name__ for e in events] == ["RoundClosed", "ResultsRevealed", "RoundStarted"]


def test_the_countdown_uses_the_clock_it_is_given():
    state = make_room()
    assert refused(state, SetTimer(round=0, seconds=60), FACILITATOR) == "round_not_open"
    ok(state, StartRound(round=0), FACILITATOR)
    assert refused(state, SetTimer(round=0, seconds=60), person(1)) == "not_allowed"
    assert refused(state, SetTimer(round=0, seconds=-1), FACILITATOR) == "bad_timer"
    result = decide(state, SetTimer(round=0, seconds=90), FACILITATOR, now=1_000_000.0)
    apply_all(state, result)
    assert state.rounds[0].ends_at == 1_000_090.0
    ok(state, SetTimer(round=0, seconds=0), FACILITATOR)
    assert state.rounds[0].ends_at is None
    ok(state, SetTimer(round=0, seconds=30), FACILITATOR)
    ok(state, CloseRound(round=0), FACILITATOR)
    assert state.rounds[0].ends_at is None


def test_live_results_are_shown_while_the_round_runs():
    state = make_room(dots=DotsConfig(live_results=True))
    assert not state.rounds[1].results_shown
    assert refused(state, ShowLive(round=0, live=True), FACILITATOR) == "round_not_started"
    ok(state, StartRound(round=0), FACILITATOR)
    assert not state.rounds[0].results_shown
    assert refused(state, ShowLive(round=0, live=True), person(1)) == "not_allowed"
    ok(state, ShowLive(round=0, live=True), FACILITATOR)
    assert state.rounds[0].results_shown
    assert ok(state, ShowLive(round=0, live=True), FACILITATOR) == []
    ok(state, StartRound(round=1), FACILITATOR)
    assert state.rounds[1].results_shown
    ok(state, ShowLive(round=1, live=False), FACILITATOR)
    assert not state.rounds[1].results_shown


def test_tables_are_even_and_latecomers_go_to_the_smallest_table():
    state = make_room()
    for n in range(4, 8):
        ok(state, Join(pid=f"p{n}"), SYSTEM)
    assert refused(state, SplitTables(size=3), person(1)) == "not_allowed"
    assert refused(state, SplitTables(size=51), FACILITATOR) == "bad_table_size"
    ok(state, SplitTables(size=3), FACILITATOR)  # 7 people, at most 3 a table: 3 tables
    first = dict(state.tables)
    assert sorted(first) == [f"p{n}" for n in range(1, 8)]
    assert sorted(state.table_sizes().values()) == [2, 2, 3]
    events = ok(state, Join(pid="late"), SYSTEM)
    assert [type(e).__name__ for e in events] == ["ParticipantJoined", "TableAssigned"]
    assert state.table_sizes()[state.tables["late"]] == 3
    ok(state, SplitTables(size=4), FACILITATOR)
    assert sorted(state.table_sizes().values()) == [4, 4]
    ok(state, SplitTables(size=0), FACILITATOR)
    assert state.tables == {}
    assert ok(state, SplitTables(size=0), FACILITATOR) == []


def test_a_round_can_reseat_everyone_when_it_starts():
    state = make_room(dots=DotsConfig(tables=2))
    ok(state, SplitTables(size=3), FACILITATOR)
    ok(state, StartRound(round=0), FACILITATOR)
    ok(state, PostIdea(text="A"), person(1))
    events = ok(state, StartRound(round=1), FACILITATOR)
    assert "TablesAssigned" in [type(e).__name__ for e in events]
    assert sorted(state.table_sizes().values()) == [1, 2]


def test_results_per_table_are_kept_only_for_tables_of_three_or_more():
    """At a table of two, each would know the other's vote from the table's tally: their ballots
    are not tied to the table, and count for the whole room only."""
    from rooms.room import MIN_SECRET_TABLE, by_table

    state = make_room(dots=DotsConfig(per_table=True))
    ok(state, Join(pid="p4"), SYSTEM)
    ok(state, SplitTables(size=2), FACILITATOR)
    assert sorted(state.table_sizes().values()) == [2, 2] and MIN_SECRET_TABLE == 3
    ok(state, StartRound(round=0), FACILITATOR)
    ok(state, PostIdea(text="A"), person(1))
    ok(state, StartRound(round=1), FACILITATOR)
    for n in (1, 2, 3, 4):
        assert [type(e).__name__ for e in ok(state, CastDot(idea="r0i1"), person(n))] == ["DotsCast"]
    assert state.rounds[1].ballot_tables == {} and by_table(state, state.rounds[1]) == []
    assert [(o.text, n) for o, n in results(state, state.rounds[1])] == [("A", 4)]


def test_results_per_table_keep_votes_apart_without_naming_anyone():
    from rooms.room import by_table
    from rooms.rounds.ideas import visible_ideas as shown

    state = make_room(ideas=IdeasConfig(per_table=True), dots=DotsConfig(per_table=True))
    for n in range(4, 7):
        ok(state, Join(pid=f"p{n}"), SYSTEM)
    ok(state, SplitTables(size=3), FACILITATOR)
    ok(state, StartRound(round=0), FACILITATOR)
    ok(state, PostIdea(text="A"), person(1))
    ok(state, PostIdea(text="B"), person(2))
    ok(state, StartRound(round=1), FACILITATOR)
    events = ok(state, CastDot(idea="r0i1"), person(1))
    assert [type(e).__name__ for e in events] == ["BallotSeated", "DotsCast"]
    assert b"p1" not in encode_event(events[0])  # the seat is keyed by the ballot
    assert [type(e).__name__ for e in ok(state, CastDot(idea="r0i2"), person(1))] == ["DotsCast"]
    here = [int(pid[1:]) for pid, t in state.tables.items() if t == state.tables["p1"] and pid != "p1"]
    elsewhere = [int(pid[1:]) for pid, t in state.tables.items() if t != state.tables["p1"]]
    for n in here:
        ok(state, CastDot(idea="r0i1"), person(n))
    for n in elsewhere:
        ok(state, CastDot(idea="r0i2"), person(n))
    tables = dict(by_table(state, state.rounds[1]))
    mine, other = tables[state.tables["p1"]], tables[state.tables[f"p{elsewhere[0]}"]]
    assert [(o.text, n) for o, n in results(state, mine)] == [("A", 3), ("B", 1)]
    assert [(o.text, n) for o, n in results(state, other)] == [("B", 3), ("A", 0)]
    ideas_tables = dict(by_table(state, state.rounds[0]))
    assert sorted(i.text for r in ideas_tables.values() for i in shown(r)) == ["A", "B"]
