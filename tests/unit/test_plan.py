"""Changing a meeting's plan: freely before the first round starts; afterwards only rounds that
have not started, and new rounds at the end."""

from rooms import Rejection, new_room
from rooms.commands import StartRound
from rooms.plan import AddRound, MoveRound, RemoveRound, ReplacePlan, ReplaceRound
from rooms.rounds.dots import DotsConfig
from rooms.rounds.ideas import IdeasConfig, PostIdea
from rooms.rounds.poll import PollConfig
from rooms.actors import Actor, Role
from server.meetings.formats import FORMATS
from server.i18n import translator
from tests.support.rooms import act, opened

KARI = Actor(Role.PARTICIPANT, pid="kari", ballot="b")


def room():
    return opened(IdeasConfig(title="Ideer"), DotsConfig(title="Prikker"), people=[KARI], start=None)


def titles(state):
    return [r.config.title for r in state.rounds]


def test_before_the_start_rounds_can_be_added_moved_and_removed():
    state = room()
    act(state, AddRound(type="poll"))  # starts with placeholder options to change
    assert state.rounds[2].config.options == ["A", "B"]
    act(state, RemoveRound(round=2))
    assert act(state, AddRound(type="scale")) != []
    assert [r.kind for r in state.rounds] == ["ideas", "dots", "scale"]
    act(state, MoveRound(round=2, by=-1))
    act(state, MoveRound(round=1, by=-1))
    assert [r.kind for r in state.rounds] == ["scale", "ideas", "dots"]
    # Dots must come after the ideas they vote on.
    assert act(state, MoveRound(round=2, by=-1)).code == "bad_plan"
    act(state, RemoveRound(round=0))
    assert [r.kind for r in state.rounds] == ["ideas", "dots"]
    assert act(state, RemoveRound(round=0)).code == "bad_plan"
    assert act(state, AddRound(type="nope")).code == "no_such_type"
    assert act(state, MoveRound(round=0, by=1), KARI).code == "not_allowed"


def test_after_the_start_started_rounds_stay_and_pending_ones_can_change():
    state = room()
    act(state, StartRound(round=0))
    act(state, PostIdea(text="Benker"), KARI)
    assert act(state, MoveRound(round=1, by=-1)).code == "plan_locked"
    assert act(state, RemoveRound(round=1)).code == "plan_locked"
    assert act(state, ReplaceRound(round=0, config=IdeasConfig(title="Nytt"))).code == "plan_locked"
    act(state, ReplaceRound(round=1, config=DotsConfig(title="Stem", dots=5)))
    act(state, ReplaceRound(round=1, config=DotsConfig(title="Stem", dots=5)))  # same again: nothing
    act(state, AddRound(type="scale"))
    assert titles(state) == ["Ideer", "Stem", ""]
    assert len(state.rounds[0].data.items) == 1  # the started round kept its ideas
    assert act(state, ReplacePlan(plan=[IdeasConfig()])).code == "plan_locked"
    assert act(state, ReplaceRound(round=1, config=PollConfig(options=["A"]))).code == "bad_plan"


def test_every_format_is_a_valid_plan_in_every_language():
    for key, fmt in FORMATS.items():
        for language in ("nb", "nn", "en"):
            plan = fmt.build(translator(language))
            assert not isinstance(new_room("R", "Møte", plan), Rejection), (key, language)
    state = room()
    act(state, ReplacePlan(plan=FORMATS["1-2-4-all"].build(translator("nb"))))
    assert [r.config.tables for r in state.rounds] == [0, 2, 4, 0]
