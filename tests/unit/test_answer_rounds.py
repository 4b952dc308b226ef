"""Poll, scale and consent: one answer per participant, changeable while the round is open."""

import pytest

from rooms import new_room
from rooms.actors import FACILITATOR
from rooms.codec import encode_event
from rooms.commands import CloseRound
from rooms.rounds import consent, poll, scale
from rooms.rounds.consent import ConsentConfig, GiveConsent
from rooms.rounds.poll import Choose, PollConfig
from rooms.rounds.scale import Rate, ScaleConfig
from tests.support.rooms import PEOPLE, act, opened

def room_with(config):
    return opened(config)


def test_plans_with_too_few_options_or_steps_are_refused():
    assert new_room("R", "T", [PollConfig(options=["Ja"])]).code == "bad_plan"  # type: ignore[union-attr]
    assert new_room("R", "T", [PollConfig(options=["Ja", " "])]).code == "bad_plan"  # type: ignore[union-attr]
    assert new_room("R", "T", [ScaleConfig(low=1, high=1)]).code == "bad_plan"  # type: ignore[union-attr]
    assert new_room("R", "T", [ScaleConfig(low=0, high=11)]).code == "bad_plan"  # type: ignore[union-attr]


def test_single_choice_poll_replaces_the_earlier_choice():
    state = room_with(PollConfig(options=["A", "B", "C"]))
    act(state, Choose(option=0), PEOPLE[0])
    act(state, Choose(option=2), PEOPLE[0])
    act(state, Choose(option=2), PEOPLE[1])
    assert act(state, Choose(option=2), PEOPLE[1]) == []  # the same answer again changes nothing
    assert act(state, Choose(option=3), PEOPLE[2]).code == "no_such_option"  # type: ignore[union-attr]
    assert act(state, Choose(option=-1), PEOPLE[2]).code == "no_such_option"  # type: ignore[union-attr]
    assert poll.distribution(state.rounds[0]) == [("A", 0), ("B", 0), ("C", 2)]


def test_multiple_choice_poll_toggles_up_to_the_limit():
    state = room_with(PollConfig(options=["A", "B", "C"], multiple=True, max_choices=2))
    act(state, Choose(option=0), PEOPLE[0])
    act(state, Choose(option=1), PEOPLE[0])
    assert act(state, Choose(option=2), PEOPLE[0]).code == "too_many_choices"  # type: ignore[union-attr]
    act(state, Choose(option=0), PEOPLE[0])  # take back
    act(state, Choose(option=2), PEOPLE[0])
    act(state, Choose(option=1), PEOPLE[1])
    act(state, Choose(option=1), PEOPLE[1])  # took back the only choice: no answer at all
    assert poll.distribution(state.rounds[0]) == [("A", 0), ("B", 1), ("C", 1)]
    assert state.rounds[0].data == {"ballot-0": [1, 2]}
    assert poll.ROUND_TYPE.contributors(state, state.rounds[0]) == 1


def test_scale_keeps_one_value_per_ballot_and_shows_the_whole_distribution():
    state = room_with(ScaleConfig(low=1, high=5))
    for person, value in zip(PEOPLE, (5, 4, 4, 1)):
        act(state, Rate(value=value), person)
    act(state, Rate(value=2), PEOPLE[3])
    assert act(state, Rate(value=6), PEOPLE[0]).code == "out_of_range"  # type: ignore[union-attr]
    assert scale.distribution(state.rounds[0]) == [(1, 0), (2, 1), (3, 0), (4, 2), (5, 1)]
    assert scale.summary(state.rounds[0]) == (3.75, 4.0)
    act(state, CloseRound(round=0), FACILITATOR)
    assert act(state, Rate(value=3), PEOPLE[0]).code == "round_not_open"  # type: ignore[union-attr]


def test_consent_keeps_reasons_only_for_the_lowest_steps_and_without_names():
    state = room_with(ConsentConfig(max_reason_length=20))
    act(state, GiveConsent(level=1, reason="ignored"), PEOPLE[0])
    act(state, GiveConsent(level=5), PEOPLE[1])
    act(state, GiveConsent(level=5, reason="For dyrt"), PEOPLE[1])
    act(state, GiveConsent(level=5), PEOPLE[1])  # choosing the step again keeps the reason
    act(state, GiveConsent(level=4, reason=" Usikker\n"), PEOPLE[2])
    assert act(state, GiveConsent(level=4, reason="x" * 21), PEOPLE[3]).code == "text_too_long"  # type: ignore[union-attr]
    assert act(state, GiveConsent(level=0), PEOPLE[3]).code == "out_of_range"  # type: ignore[union-attr]
    rnd = state.rounds[0]
    assert [n for _, n in consent.bars(rnd)] == [1, 0, 0, 1, 1]
    assert consent.reasons(rnd) == [(5, "For dyrt"), (4, "Usikker")]
    assert rnd.data["ballot-0"].reason == ""


@pytest.mark.parametrize(
    ("config", "command"),
    [(PollConfig(options=["A", "B"]), Choose(option=1)), (ScaleConfig(), Rate(value=3)), (ConsentConfig(), GiveConsent(level=2))],
)
def test_answers_are_stored_under_the_ballot_only(config, command):
    state = room_with(config)
    (event,) = act(state, command, PEOPLE[0])
    data = encode_event(event)
    assert b"ballot-0" in data and b'"p0"' not in data


def test_each_round_type_leaves_its_results_in_the_outcome():
    from datetime import UTC, datetime

    from server.meetings.outcomes import build_outcome

    state = room_with(ConsentConfig())
    act(state, GiveConsent(level=5, reason="For dyrt"), PEOPLE[0])
    act(state, GiveConsent(level=1), PEOPLE[1])
    outcome = build_outcome(state, datetime(2026, 11, 27, tzinfo=UTC))
    rows = [(r.label, r.count, r.note) for r in outcome.rounds[0].rows]
    assert rows[:5] == [("Fully agree", 1, ""), ("Agree with reservations", 0, ""), ("Can live with it", 0, ""), ("Disagree", 0, ""), ("Block", 1, "")]
    assert rows[5] == ("Block", None, "For dyrt")
    assert all(r.translate for r in outcome.rounds[0].rows)
    assert b"ballot-0" not in __import__("msgspec").json.encode(outcome)
