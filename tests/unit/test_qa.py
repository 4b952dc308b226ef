"""Rules of the question round (qa), checked on the pure domain and its views."""

from rooms import Actor, Rejection, Role, new_room, replay
from rooms.actors import FACILITATOR, SYSTEM
from rooms.codec import decode_command, decode_event, encode_event
from rooms.commands import CloseRound, Join, PauseRound, StartRound
from rooms.room import contributed, contributors
from rooms.rounds.ideas import IdeasConfig
from rooms.rounds.qa import (
    AskQuestion,
    MarkAnswered,
    QaConfig,
    QuestionUpvoted,
    Upvote,
    answered_questions,
    open_questions,
    upvoted_by,
)
from rooms.rounds.texts import ApproveItem, HideItem, ShowItem
from server.app import template_environment
from server.meetings.views import RoomViews
from server.realtime.connection import Audience
from tests.unit.test_rooms import ok, person, refused

VIEWS = RoomViews(template_environment())


def make_room(**config) -> object:
    """A meeting whose second round is the Q&A, opened, with five participants."""
    events = new_room("QA0001", "Møte", [IdeasConfig(), QaConfig(max_length=40, max_per_person=2, **config)])
    assert not isinstance(events, Rejection)
    state = replay(events)
    for n in range(1, 6):
        ok(state, Join(pid=f"p{n}"), SYSTEM)
    ok(state, StartRound(round=1), FACILITATOR)
    return state


def ranking(state) -> list[tuple[str, int]]:
    return [(q.text, n) for q, n in open_questions(state.rounds[1])]


def test_asking_follows_the_shared_text_rules():
    state = make_room()
    assert refused(state, AskQuestion(text="  \n "), person(1)) == "text_empty"
    assert refused(state, AskQuestion(text="x" * 41), person(1)) == "text_too_long"
    ok(state, AskQuestion(text="Hvorfor?"), person(1))
    ok(state, AskQuestion(text="Når?"), person(1))
    assert refused(state, AskQuestion(text="Hvem?"), person(1)) == "too_many"
    assert refused(state, AskQuestion(text="Hei"), Actor(Role.PARTICIPANT, pid="nobody", ballot="x")) == "not_joined"
    assert refused(state, AskQuestion(text="Hei"), Actor(Role.BOARD)) == "not_allowed"
    ok(state, PauseRound(round=1), FACILITATOR)
    assert refused(state, AskQuestion(text="Nå?"), person(2)) == "round_paused"
    ok(state, CloseRound(round=1), FACILITATOR)
    assert refused(state, AskQuestion(text="Nå?"), person(2)) == "round_not_open"
    assert refused(state, Upvote(item="r1i1"), person(2)) == "round_not_open"


def test_questions_are_public_at_once_ranked_by_upvotes_oldest_first_on_ties():
    state = make_room()
    for n, text in ((1, "Første"), (2, "Andre"), (3, "Tredje")):
        ok(state, AskQuestion(text=text), person(n))
    assert ranking(state) == [("Første", 0), ("Andre", 0), ("Tredje", 0)]
    ok(state, Upvote(item="r1i3"), person(4))
    ok(state, Upvote(item="r1i3"), person(5))
    ok(state, Upvote(item="r1i2"), person(4))
    assert ranking(state) == [("Tredje", 2), ("Andre", 1), ("Første", 0)]
    ok(state, Upvote(item="r1i1"), person(4))
    assert ranking(state) == [("Tredje", 2), ("Første", 1), ("Andre", 1)]
    # Everyone sees them while the round is open, not only after a reveal.
    board = VIEWS.shared(Audience.BOARD, state, "nb")
    assert board.index(">Tredje<") < board.index(">Første<") < board.index(">Andre<")
    assert ">Tredje<" in VIEWS.participant(state, person(5), "nb")


def test_one_upvote_per_participant_per_question_and_it_can_be_taken_back():
    state = make_room()
    ok(state, AskQuestion(text="A"), person(1))
    me = person(2)
    ok(state, Upvote(item="r1i1"), me)
    assert refused(state, Upvote(item="r1i1"), me) == "already_upvoted"
    assert ranking(state) == [("A", 1)]
    ok(state, Upvote(item="r1i1", delta=-1), me)
    assert ranking(state) == [("A", 0)]
    assert refused(state, Upvote(item="r1i1", delta=-1), me) == "not_upvoted"
    assert refused(state, Upvote(item="r1i1", delta=2), me) == "bad_delta"
    assert refused(state, Upvote(item="r1i1", delta=0), me) == "bad_delta"
    ok(state, Upvote(item="r1i1"), me)
    assert ranking(state) == [("A", 1)]
    assert upvoted_by(state.rounds[1], me.ballot) == {"r1i1"}


def test_no_upvote_on_ones_own_question():
    state = make_room()
    ok(state, AskQuestion(text="Mitt"), person(1))
    assert refused(state, Upvote(item="r1i1"), person(1)) == "own_question"
    page = VIEWS.participant(state, person(1), "en")
    assert "This is your question." in page and 'name="cmd" value="upvote"' not in page
    assert 'name="cmd" value="upvote"' in VIEWS.participant(state, person(2), "en")


def test_no_upvotes_on_hidden_pending_or_missing_questions():
    state = make_room(moderated=True)
    ok(state, AskQuestion(text="Venter"), person(1))
    ok(state, AskQuestion(text="Skjules"), person(2))
    ok(state, ApproveItem(item="r1i2"), FACILITATOR)
    ok(state, Upvote(item="r1i2"), person(3))
    ok(state, HideItem(item="r1i2"), FACILITATOR)
    for item in ("r1i1", "r1i2", "r1i9"):
        assert refused(state, Upvote(item=item), person(4)) == "no_such_item"
    # Nor can a +1 on a hidden question be taken back: nothing about it moves while it is hidden.
    assert refused(state, Upvote(item="r1i2", delta=-1), person(3)) == "no_such_item"
    ok(state, ShowItem(item="r1i2"), FACILITATOR)
    assert ranking(state) == [("Skjules", 1)]


def test_moderated_questions_wait_for_approval_and_only_their_author_sees_them():
    state = make_room(moderated=True)
    ok(state, AskQuestion(text="Hemmelig til godkjent"), person(1))
    assert ranking(state) == []
    assert "Hemmelig til godkjent" not in VIEWS.shared(Audience.BOARD, state, "nb")
    assert "Hemmelig til godkjent" not in VIEWS.participant(state, person(2), "nb")
    mine = VIEWS.participant(state, person(1), "en")
    assert "Hemmelig til godkjent" in mine and "Waiting for the facilitator to let it through." in mine
    assert "Hemmelig til godkjent" in VIEWS.shared(Audience.FACILITATOR, state, "nb")
    assert refused(state, ApproveItem(item="r1i1"), person(2)) == "not_allowed"
    ok(state, ApproveItem(item="r1i1"), FACILITATOR)
    assert ranking(state) == [("Hemmelig til godkjent", 0)]
    assert "Hemmelig til godkjent" in VIEWS.shared(Audience.BOARD, state, "nb")
    ok(state, HideItem(item="r1i1"), FACILITATOR)
    assert ranking(state) == []
    assert "taken this question off the list" in VIEWS.participant(state, person(1), "en")
    assert "Hemmelig til godkjent" not in VIEWS.shared(Audience.BOARD, state, "nb")


def test_the_facilitator_marks_questions_answered_and_back():
    state = make_room()
    ok(state, AskQuestion(text="A"), person(1))
    ok(state, AskQuestion(text="B"), person(2))
    assert refused(state, MarkAnswered(item="r1i1"), person(3)) == "not_allowed"
    assert refused(state, MarkAnswered(item="r1i9"), FACILITATOR) == "no_such_item"
    ok(state, MarkAnswered(item="r1i1"), FACILITATOR)
    assert ok(state, MarkAnswered(item="r1i1"), FACILITATOR) == []  # already answered
    rnd = state.rounds[1]
    assert [q.text for q, _ in answered_questions(rnd)] == ["A"]
    assert ranking(state) == [("B", 0)]
    assert refused(state, Upvote(item="r1i1"), person(3)) == "question_answered"
    board = VIEWS.shared(Audience.BOARD, state, "en")
    assert board.index(">B<") < board.index("Answered") < board.index(">A<")
    ok(state, MarkAnswered(item="r1i1", answered=False), FACILITATOR)
    assert answered_questions(rnd) == [] and ranking(state) == [("A", 0), ("B", 0)]
    # The facilitator may mark answered after the round has closed, too.
    ok(state, CloseRound(round=1), FACILITATOR)
    ok(state, MarkAnswered(item="r1i2"), FACILITATOR)


def test_upvotes_are_stored_under_the_ballot_never_the_pid():
    state = make_room()
    ok(state, AskQuestion(text="A"), person(1))
    (event,) = ok(state, Upvote(item="r1i1"), person(2))
    assert isinstance(event, QuestionUpvoted)
    data = encode_event(event)
    assert b"b2" in data and b"p2" not in data
    assert decode_event(data) == event
    assert list(state.rounds[1].data.upvoted) == ["b2"]


def test_who_took_part():
    state = make_room()
    rnd = state.rounds[1]
    assert contributors(state, rnd) == 0
    ok(state, AskQuestion(text="A"), person(1))
    ok(state, AskQuestion(text="B"), person(2))
    ok(state, Upvote(item="r1i1"), person(3))
    assert [contributed(state, rnd, person(n)) for n in range(1, 6)] == [True, True, True, False, False]
    # Askers and upvoters cannot be joined up: the count is the larger group, never more.
    assert contributors(state, rnd) == 2
    for n in (2, 4, 5):
        ok(state, Upvote(item="r1i1"), person(n))
    assert contributors(state, rnd) == 4
    ok(state, Upvote(item="r1i1", delta=-1), person(5))
    assert not contributed(state, rnd, person(5))


def test_personal_key_changes_with_everything_personal_in_the_view():
    state = make_room(moderated=True)
    me, other = person(1), person(2)
    key = lambda who: VIEWS.personal_key(state, who)  # noqa: E731
    before = key(me)
    ok(state, AskQuestion(text="Mitt"), me)
    after_asking = key(me)
    assert after_asking != before
    ok(state, ApproveItem(item="r1i1"), FACILITATOR)
    assert key(me) != after_asking
    ok(state, AskQuestion(text="Ditt"), other)
    ok(state, ApproveItem(item="r1i2"), FACILITATOR)
    mine = key(me)
    ok(state, Upvote(item="r1i2"), me)
    assert key(me) != mine
    # Equal keys, equal views: two people who did the same see the same page.
    assert key(person(3)) == key(person(4))
    assert VIEWS.participant(state, person(3), "nb") == VIEWS.participant(state, person(4), "nb")


def test_form_values_decode_into_commands():
    assert decode_command('{"cmd":"upvote","item":"r1i1","delta":"-1","round":"1","nonce":"n"}') == Upvote(
        item="r1i1", delta=-1, round=1, nonce="n"
    )
    assert decode_command('{"cmd":"answered","item":"r1i1","answered":"false","nonce":"n"}') == MarkAnswered(
        item="r1i1", answered=False, nonce="n"
    )
    assert decode_command('{"cmd":"ask","text":"Hei","nonce":"n"}') == AskQuestion(text="Hei", nonce="n")
