"""Taking part without a phone: scribes enter for people, within those people's own limits;
table hosts act only at their table; help requests come and go."""

from rooms import Actor, Rejection, Role
from rooms.actors import FACILITATOR
from rooms.commands import (
    AddHost,
    AddPerson,
    AnswerHelp,
    CancelHelp,
    CloseRound,
    RemoveHost,
    RequestHelp,
    RevealResults,
    SplitTables,
    StartRound,
)
from rooms.events import ScribeEntry
from rooms.rounds.budget import Allocate, BudgetConfig
from rooms.rounds.dots import DotsConfig
from rooms.rounds.ideas import IdeasConfig, PostIdea
from rooms.scribes import people_without_phone
from tests.support.rooms import PEOPLE, act, code, opened

HOST = Actor(Role.HOST, scribe="h1")


def scribe_for(pid: str, by: str = "facilitator") -> Actor:
    # The server derives each such person's ballot from its secret; any distinct key will do here.
    return Actor(Role.PARTICIPANT, pid=pid, ballot=f"scribed-{pid}", scribe=by)


def test_a_person_without_a_phone_is_added_once_and_their_ideas_are_marked_as_scribed():
    state = opened(IdeasConfig())
    events = act(state, AddPerson(pid="s1", name="  Kari  ", member="m-7"), FACILITATOR)
    assert [type(e).__name__ for e in events] == ["ParticipantJoined"]
    assert act(state, AddPerson(pid="s1", name="Kari"), FACILITATOR) == []
    person = state.participants["s1"]
    assert (person.name, person.member, person.scribed) == ("Kari", "m-7", True)
    entered = act(state, PostIdea(text="Benker ved stien"), scribe_for("s1"))
    assert isinstance(entered[0], ScribeEntry) and entered[0].events == len(entered) - 1
    # A participant's own phone entries carry no marker.
    assert not any(isinstance(e, ScribeEntry) for e in act(state, PostIdea(text="Lys"), PEOPLE[0]))


def test_nobody_can_enter_for_someone_who_has_a_phone_and_participants_cannot_add_people():
    state = opened(IdeasConfig())
    assert code(act(state, PostIdea(text="x"), scribe_for(PEOPLE[0].pid))) == "not_scribed"
    assert code(act(state, PostIdea(text="x"), scribe_for("nobody"))) == "not_joined"
    assert code(act(state, AddPerson(pid="s9"), PEOPLE[0])) == "not_allowed"


def test_the_budget_holds_per_represented_person():
    state = opened(BudgetConfig(options=["A", "B"], total=20, step=10))
    for pid in ("s1", "s2"):
        act(state, AddPerson(pid=pid), FACILITATOR)
    for _ in range(2):
        act(state, Allocate(option=0), scribe_for("s1"))
    assert code(act(state, Allocate(option=1), scribe_for("s1"))) == "over_budget"
    act(state, Allocate(option=1), scribe_for("s2"))  # the other person's budget is their own
    assert {ballot: dict(amounts) for ballot, amounts in state.rounds[0].data.items()} == {
        "scribed-s1": {0: 20}, "scribed-s2": {1: 10}
    }


def test_paper_cards_can_be_typed_in_after_the_close_until_the_reveal():
    state = opened(IdeasConfig())
    act(state, AddPerson(pid="s1"), FACILITATOR)
    act(state, CloseRound(round=0), FACILITATOR)
    assert code(act(state, PostIdea(text="for sent"), PEOPLE[0])) == "round_not_open"
    assert not isinstance(act(state, PostIdea(text="fra papirlapp"), scribe_for("s1")), Rejection)
    assert [i.text for i in state.rounds[0].data.items.values()] == ["fra papirlapp"]
    act(state, RevealResults(round=0), FACILITATOR)
    assert code(act(state, PostIdea(text="for sent"), scribe_for("s1"))) == "round_not_open"


def test_a_table_host_adds_and_enters_only_at_their_table_until_removed():
    state = opened(IdeasConfig(), DotsConfig(), start=None)
    act(state, SplitTables(size=2), FACILITATOR)
    act(state, AddHost(host="h1", table=1), FACILITATOR)
    act(state, AddPerson(pid="s1", table=2), HOST)  # a host's people sit at the host's table
    assert state.tables["s1"] == 1
    act(state, AddPerson(pid="s2", table=2), FACILITATOR)
    assert [p.pid for p in people_without_phone(state, table=1)] == ["s1"]
    act(state, StartRound(round=0), FACILITATOR)
    assert not isinstance(act(state, PostIdea(text="ok"), scribe_for("s1", "h1")), Rejection)
    assert code(act(state, PostIdea(text="nei"), scribe_for("s2", "h1"))) == "other_table"
    act(state, RemoveHost(host="h1"), FACILITATOR)
    assert code(act(state, PostIdea(text="nei"), scribe_for("s1", "h1"))) == "no_such_host"
    assert code(act(state, AddPerson(pid="s3"), HOST)) == "no_such_host"


def test_help_requests_come_from_participants_and_scribes_and_clear_when_answered():
    state = opened(IdeasConfig())
    act(state, AddPerson(pid="s1"), FACILITATOR)
    act(state, RequestHelp(), PEOPLE[1])
    act(state, RequestHelp(), scribe_for("s1"))
    assert act(state, RequestHelp(), PEOPLE[1]) == []  # asking twice is asking once
    assert list(state.help) == [PEOPLE[1].pid, "s1"]
    act(state, CancelHelp(), PEOPLE[1])
    act(state, AnswerHelp(pid="s1"), FACILITATOR)
    assert state.help == {}
    assert code(act(state, AnswerHelp(pid="s1"), PEOPLE[0])) == "not_allowed"
    assert code(act(state, RequestHelp(), Actor(Role.PARTICIPANT, pid="stranger"))) == "not_joined"
