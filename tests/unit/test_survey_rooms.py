"""A room run as a survey: every question open at once until the closing time, whole answers,
"other, please specify", questions shown only after certain answers, and ballots described by
their groups for weighting."""

from hypothesis import given, settings
from hypothesis import strategies as st

from rooms import apply
from rooms.actors import FACILITATOR, SYSTEM
from rooms.codec import decode_event, encode_event
from rooms.commands import StartRound
from rooms.plan import AddRound
from rooms.room import new_room
from rooms.rounds import poll
from rooms.rounds.answers import Answer
from rooms.rounds.budget import BudgetConfig
from rooms.rounds.consent import ConsentConfig
from rooms.rounds.dots import DotsConfig
from rooms.rounds.free_text import TextConfig, WriteText
from rooms.rounds.ideas import IdeasConfig, PostIdea
from rooms.rounds.poll import PollConfig
from rooms.rounds.ranking import RankingConfig
from rooms.rounds.scale import ScaleConfig
from rooms.rounds.statements import AddStatement, RateStatement, StatementsConfig
from rooms.rounds.texts import ApproveItem, HideItem
from rooms.survey import CloseSurvey, Describe, OpenSurvey, answered, answers_shown, shown
from tests.support.rooms import PEOPLE, act, code, opened

NOW = 1_800_000_000.0
CLOSES = NOW + 14 * 24 * 3600
QUESTIONS = (
    PollConfig(title="Bus", options=["Daily", "Weekly", "Never"], other=True),  # 0
    ScaleConfig(title="How happy", show_if_round=0, show_if_options=[0, 1]),  # 1: bus users only
    TextConfig(title="Anything else"),  # 2
    BudgetConfig(options=["Roads", "Parks"], total=100, step=10),  # 3
    RankingConfig(options=["A", "B", "C"], max_ranked=2),  # 4
    ConsentConfig(title="Proposal"),  # 5
)


def survey():
    state = opened(*QUESTIONS, start=None)
    assert act(state, OpenSurvey(closes_at=CLOSES), SYSTEM, NOW)
    return state


def answer(state, person, index, value, other="", now=NOW):
    return act(state, Answer(round=index, answer=value, other=other), person, now)


def test_opening_opens_every_question_and_only_fitting_plans_open():
    state = survey()
    assert {r.status.value for r in state.rounds} == {"open"}
    late = opened(PollConfig(options=["A", "B"]), start=None)
    assert code(act(late, OpenSurvey(closes_at=NOW - 1), SYSTEM, NOW)) == "bad_closing_time"
    unfit = opened(IdeasConfig(), DotsConfig(), start=None)
    assert code(act(unfit, OpenSurvey(closes_at=CLOSES), SYSTEM, NOW)) == "plan_unfit_for_survey"
    assert code(act(state, OpenSurvey(closes_at=CLOSES), FACILITATOR, NOW)) == "not_allowed"


def test_whole_answers_of_every_kind_are_checked_and_may_be_changed():
    state = survey()
    p = PEOPLE[0]
    assert answer(state, p, 0, [0])
    assert answer(state, p, 0, [1])  # changed
    assert code(answer(state, p, 0, [0, 1])) == "bad_answer"  # one choice only
    assert code(answer(state, p, 0, [7])) == "no_such_option"
    assert answer(state, p, 1, 4)
    assert code(answer(state, p, 1, "4")) == "bad_answer"
    assert answer(state, p, 2, "  Mer lys   i lysløypa \n")
    assert state.rounds[2].data["ballot-0"] == "Mer lys i lysløypa"
    assert answer(state, p, 3, {"0": 60, "1": 40})
    assert state.rounds[3].data["ballot-0"] == {0: 60, 1: 40}
    assert code(answer(state, p, 3, {0: 70, 1: 40})) == "over_budget"
    assert code(answer(state, p, 3, {0: 15})) == "bad_amount"
    assert answer(state, p, 4, ["o2", "o0"])
    assert code(answer(state, p, 4, ["o2", "o0", "o1"])) == "ranking_full"
    assert code(answer(state, p, 4, ["o2", "o2"])) == "bad_answer"
    assert answer(state, p, 5, {"level": 4, "reason": "For dyrt"})
    assert code(answer(state, p, 5, {"level": 9})) == "out_of_range"
    assert answer(state, p, 2, None)  # taken back
    assert "ballot-0" not in state.rounds[2].data
    assert act(state, WriteText(text="Også fint", round=2), p, NOW)


def test_other_please_specify_needs_its_text_and_is_kept_beside_the_answer():
    state = survey()
    other = len(QUESTIONS[0].options)
    assert code(answer(state, PEOPLE[0], 0, [other])) == "other_missing"
    events = answer(state, PEOPLE[0], 0, [other], other=" Sykkel ")
    assert decode_event(encode_event(events[0])) == events[0]
    assert state.rounds[0].notes == {"ballot-0": "Sykkel"}
    rows = poll.ROUND_TYPE.summary(state, state.rounds[0])
    assert [(r.label, r.count, r.note) for r in rows[-2:]] == [("Other", 1, ""), ("Other", None, "Sykkel")]
    answer(state, PEOPLE[0], 0, [2])
    assert state.rounds[0].notes == {}


def test_a_question_is_shown_only_after_the_answers_it_depends_on():
    state = survey()
    p, q = PEOPLE[0], PEOPLE[1]
    assert code(answer(state, p, 1, 3)) == "not_shown"
    answer(state, p, 0, [0])
    answer(state, q, 0, [0])
    assert shown(state, state.rounds[1], "ballot-0")
    assert answer(state, p, 1, 3) and answer(state, q, 1, 5)
    answer(state, q, 0, [2])  # changes their mind: the follow-up no longer applies to them
    assert answers_shown(state, state.rounds[1]) == {"ballot-0": 3}
    bad = new_room("R", "T", [ScaleConfig(show_if_round=1, show_if_options=[0]), PollConfig(options=["A", "B"])])
    assert code(bad) == "bad_condition"
    bad = new_room("R", "T", [PollConfig(options=["A", "B"]), ScaleConfig(show_if_round=0, show_if_options=[2])])
    assert code(bad) == "bad_condition"


def test_nothing_is_taken_after_the_closing_time_or_after_staff_close_it():
    state = survey()
    assert code(answer(state, PEOPLE[0], 2, "Sent", now=CLOSES)) == "survey_closed"
    assert act(state, OpenSurvey(closes_at=CLOSES + 3600), SYSTEM, NOW)  # staff give an extra hour
    assert answer(state, PEOPLE[0], 2, "Rakk det", now=CLOSES)
    act(state, CloseSurvey(), SYSTEM, NOW)
    assert code(answer(state, PEOPLE[1], 2, "For sent")) == "survey_closed"
    assert code(act(state, OpenSurvey(closes_at=CLOSES), SYSTEM, NOW)) == "survey_closed"


def test_live_meeting_controls_and_plan_changes_are_refused_once_open():
    state = survey()
    assert code(act(state, StartRound(round=0))) == "not_a_survey"
    assert code(act(state, AddRound(type="poll"))) == "questions_fixed"


def test_a_ballot_is_described_once_by_its_groups_only():
    state = survey()
    groups = {"gender": "female", "age": "45-59", "district": "0301", "background": "neither", "name": "Kari"}
    act(state, Describe(ballot="ballot-0", groups=groups), SYSTEM, NOW)
    assert act(state, Describe(ballot="ballot-0", groups={"gender": "male"}), SYSTEM, NOW) == []
    assert state.survey.groups == {"ballot-0": {"gender": "female", "age": "45-59", "district": "0301", "background": "neither"}}
    assert code(act(state, Describe(ballot="ballot-9", groups={}), PEOPLE[0], NOW)) == "not_allowed"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(index=st.integers(0, len(QUESTIONS) - 1), value=json_values, other=st.text(max_size=30))
def test_any_json_as_an_answer_is_either_taken_whole_or_refused(index, value, other):
    state = survey()
    answer(state, PEOPLE[0], 0, [0])
    result = answer(state, PEOPLE[0], index, value, other)
    assert isinstance(result, list) or result.code  # never an exception


# Ideas and statements in a survey: all open at once, text signed by the pseudonym, votes by ballot.

TEXT_QUESTIONS = (
    PollConfig(title="Bus", options=["Daily", "Never"]),  # 0
    IdeasConfig(title="Ideas", max_per_person=2, max_length=40, moderated=True),  # 1
    StatementsConfig(title="Views", statements=["More buses", "Fewer cars"], max_per_person=1),  # 2
    IdeasConfig(title="Bus ideas", show_if_round=0, show_if_options=[0]),  # 3: daily riders only
)


def text_survey():
    state = opened(*TEXT_QUESTIONS, start=None)
    assert act(state, OpenSurvey(closes_at=CLOSES), SYSTEM, NOW)
    return state


def test_ideas_and_statements_fit_a_survey_but_rounds_voting_on_ideas_do_not():
    state = text_survey()
    assert {r.status.value for r in state.rounds} == {"open"}
    on_ideas = opened(IdeasConfig(), RankingConfig(), start=None)  # ranks the ideas of round 0
    assert code(act(on_ideas, OpenSurvey(closes_at=CLOSES), SYSTEM, NOW)) == "plan_unfit_for_survey"


def test_ideas_are_signed_by_the_pseudonym_held_for_approval_and_limited_per_person():
    state = text_survey()
    p, q = PEOPLE[0], PEOPLE[1]
    posted = act(state, PostIdea(text="  Benker   ved stoppet ", round=1), p, NOW)
    assert [(e.author, e.text, e.pending) for e in posted] == [("p0", "Benker ved stoppet", True)]
    assert answered(state, state.rounds[1], p) and not answered(state, state.rounds[1], q)
    assert code(act(state, PostIdea(text="   ", round=1), p, NOW)) == "text_empty"
    assert code(act(state, PostIdea(text="x" * 41, round=1), p, NOW)) == "text_too_long"
    assert act(state, PostIdea(text="Lys", round=1), p, NOW)
    assert code(act(state, PostIdea(text="En til", round=1), p, NOW)) == "too_many"
    # Nobody but staff (the facilitator's role) moderates; the ballot is never the author.
    item = posted[0].item
    assert code(act(state, ApproveItem(item=item, round=1), q, NOW)) == "not_allowed"
    assert act(state, ApproveItem(item=item, round=1), FACILITATOR, NOW)
    assert act(state, HideItem(item="r1i2", round=1), FACILITATOR, NOW)
    assert [(i.text, i.visible) for i in state.rounds[1].data.items.values()] == [("Benker ved stoppet", True), ("Lys", False)]
    assert answers_shown(state, state.rounds[1]) == {}  # ideas are not answers by ballot
    assert "ballot-0" not in repr(state.rounds[1].data)


def test_statements_are_rated_by_ballot_on_a_page_of_all_of_them_and_new_ones_wait():
    state = text_survey()
    p, q = PEOPLE[0], PEOPLE[1]
    assert act(state, RateStatement(statement="s2", vote="disagree", round=2), p, NOW)  # any order
    assert act(state, RateStatement(statement="s1", vote="agree", round=2), p, NOW)
    assert act(state, RateStatement(statement="s1", vote="pass", round=2), p, NOW)  # changed
    assert code(act(state, RateStatement(statement="s1", vote="maybe", round=2), p, NOW)) == "bad_vote"
    added = act(state, AddStatement(text="Gratis buss", round=2), q, NOW)
    assert added[0].author == "p1" and added[0].pending
    assert code(act(state, AddStatement(text="En til", round=2), q, NOW)) == "too_many"
    new = added[0].item
    assert code(act(state, RateStatement(statement=new, vote="agree", round=2), p, NOW)) == "no_such_statement"
    act(state, ApproveItem(item=new, round=2), FACILITATOR, NOW)
    assert act(state, RateStatement(statement=new, vote="agree", round=2), p, NOW)
    assert answered(state, state.rounds[2], p) and not answered(state, state.rounds[2], q)
    assert answers_shown(state, state.rounds[2]) == {"ballot-0": {"s2": "disagree", "s1": "pass", new: "agree"}}
    # A statement staff hide no longer counts, and a ballot with only that vote drops out.
    act(state, RateStatement(statement="s1", vote="agree", round=2), q, NOW)
    act(state, HideItem(item="s1", round=2), FACILITATOR, NOW)
    assert answers_shown(state, state.rounds[2]) == {"ballot-0": {"s2": "disagree", new: "agree"}}


def test_text_questions_follow_the_survey_rules_for_time_and_display_conditions():
    state = opened(*TEXT_QUESTIONS, start=None)
    assert code(act(state, PostIdea(text="Tidlig", round=1), PEOPLE[0], NOW)) == "round_not_open"
    act(state, OpenSurvey(closes_at=CLOSES), SYSTEM, NOW)
    assert code(act(state, PostIdea(text="Buss", round=3), PEOPLE[0], NOW)) == "not_shown"
    answer(state, PEOPLE[0], 0, [0])
    assert act(state, PostIdea(text="Buss", round=3), PEOPLE[0], NOW)
    assert code(act(state, RateStatement(statement="s1", vote="agree", round=2), PEOPLE[1], CLOSES)) == "survey_closed"
    act(state, CloseSurvey(), SYSTEM, NOW)
    assert code(act(state, AddStatement(text="Sent", round=2), PEOPLE[1], NOW)) == "survey_closed"
    # Staff may still hide text after the close, before they publish.
    assert act(state, HideItem(item="r3i1", round=3), FACILITATOR, NOW)


def test_a_survey_with_text_questions_replays_to_the_same_state():
    state = text_survey()
    log = []
    for command, actor in (
        (PostIdea(text="Benker", round=1), PEOPLE[0]), (ApproveItem(item="r1i1", round=1), FACILITATOR),
        (AddStatement(text="Gratis buss", round=2), PEOPLE[1]), (RateStatement(statement="s1", vote="agree", round=2), PEOPLE[2]),
    ):
        log += act(state, command, actor, NOW)
    again = opened(*TEXT_QUESTIONS, start=None)
    act(again, OpenSurvey(closes_at=CLOSES), SYSTEM, NOW)
    for event in log:
        apply(again, decode_event(encode_event(event)))
    assert again.rounds == state.rounds
