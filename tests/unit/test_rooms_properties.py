"""Property tests: for random command sequences, the rules hold and replay equals the live state."""

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rooms import Actor, Rejection, Role, apply, decide, new_room, replay
from rooms.actors import FACILITATOR, SYSTEM
from rooms.codec import decode_event, encode_event
from rooms.commands import CloseRound, EndMeeting, Join, PauseRound, ResumeRound, RevealResults, SetTimer, StartRound
from rooms.rounds.dots import CastDot, DotsConfig
from rooms.rounds.ideas import IdeasConfig, PostIdea
from rooms.rounds.statements import AddStatement, RateStatement, StatementsConfig
from rooms.rounds.texts import ApproveItem, HideItem, ShowItem
from rooms.state import RoundStatus
from server.app import template_environment
from server.meetings.views import RoomViews
from server.realtime.connection import Audience

PEOPLE = [Actor(Role.PARTICIPANT, pid=f"p{n}", ballot=f"ballot{n}") for n in range(5)]
PLAN = [
    IdeasConfig(max_length=40, max_per_person=3),
    DotsConfig(dots=3, max_per_idea=2),
    IdeasConfig(max_per_person=2, moderated=True),
    DotsConfig(dots=2, max_per_idea=1, allow_own=False),
    StatementsConfig(statements=["seed-one-secret", "seed-two-secret"], max_length=40, max_per_person=2),
    StatementsConfig(max_per_person=1, moderated=False),
]
STATEMENT_IDS = ["s1", "s2", "r4i3", "r4i4", "r4i5", "r5i1", "r5i2", "nope"]
IDEA_IDS = ["r0i1", "r0i2", "r0i3", "r2i1", "r2i2", "s1", "r4i3", "r4i4", "r5i1"]
# Everyone joins and the first round opens, so that most random steps do something.
PRELUDE = [(Join(pid=p.pid, name=p.pid), SYSTEM) for p in PEOPLE[:4]] + [(StartRound(round=0), FACILITATOR)]

people = st.sampled_from(PEOPLE)
rounds = st.sampled_from([0, 0, 1, 1, 2, 3, 4, 4, 5, -1, len(PLAN)])
texts = st.text(min_size=0, max_size=50)

post = st.builds(lambda t, p: (PostIdea(text=t), p), texts, people)
dot = st.builds(lambda i, d, p: (CastDot(idea=i, delta=d), p), st.sampled_from(IDEA_IDS), st.sampled_from([1, 1, 1, -1, 2]), people)
add = st.builds(lambda t, p: (AddStatement(text=t), p), texts, people)
rate = st.builds(
    lambda i, v, p: (RateStatement(statement=i, vote=v), p),
    st.sampled_from(STATEMENT_IDS), st.sampled_from(["agree", "disagree", "pass", "pass", "maybe"]), people,
)
steps = st.one_of(
    post, post, dot, dot, add, rate, rate,
    st.builds(lambda p: (Join(pid=p.pid, name=p.pid), SYSTEM), people),
    st.builds(lambda r: (StartRound(round=r), FACILITATOR), rounds),
    st.builds(lambda r: (CloseRound(round=r), FACILITATOR), rounds),
    st.builds(lambda r: (RevealResults(round=r), FACILITATOR), rounds),
    st.builds(lambda i: (HideItem(item=i), FACILITATOR), st.sampled_from(IDEA_IDS)),
    st.builds(lambda i: (ShowItem(item=i), FACILITATOR), st.sampled_from(IDEA_IDS)),
    st.builds(lambda i: (ApproveItem(item=i), FACILITATOR), st.sampled_from(IDEA_IDS)),
    st.builds(lambda r: (PauseRound(round=r), FACILITATOR), rounds),
    st.builds(lambda r: (ResumeRound(round=r), FACILITATOR), rounds),
    st.builds(lambda r, s: (SetTimer(round=r, seconds=s), FACILITATOR), rounds, st.integers(-5, 20000)),
    st.builds(lambda c, p: (c, p), st.sampled_from([StartRound(round=1), EndMeeting()]), people),
    st.just((EndMeeting(), FACILITATOR)),
)


def run(commands):
    log = new_room("PROP01", "Egenskapstest", PLAN)
    assert not isinstance(log, Rejection)
    state = replay(log)
    for command, actor in [*PRELUDE, *commands]:
        result = decide(state, command, actor, now=1_800_000_000.0)
        if isinstance(result, Rejection):
            assert result.code and result.message
            continue
        for event in result:
            apply(state, event)
        log.extend(result)
    return state, log


@settings(max_examples=300, deadline=None)
@given(st.lists(steps, max_size=80))
def test_replaying_the_log_gives_the_live_state(commands):
    state, log = run(commands)
    assert replay(log) == state
    assert replay(decode_event(encode_event(e)) for e in log) == state
    assert state.seq == len(log)


@settings(max_examples=300, deadline=None)
@given(st.lists(steps, max_size=80))
def test_dots_never_exceed_any_budget(commands):
    state, _ = run(commands)
    for rnd in state.rounds:
        if rnd.kind != "dots":
            continue
        cfg = rnd.config
        totals: dict[str, int] = {}
        for dots in rnd.data.ballots.values():
            assert sum(dots.values()) <= cfg.dots
            for idea, n in dots.items():
                assert 0 < n <= cfg.max_per_idea
                totals[idea] = totals.get(idea, 0) + n
        assert {k: v for k, v in rnd.data.tally.items() if v} == totals


VIEWS = RoomViews(template_environment())


def unique_texts(commands):
    """Each written text made unique, so that finding one in a page means that text leaked."""
    out = []
    for i, (cmd, actor) in enumerate(commands):
        if isinstance(cmd, PostIdea):
            cmd = PostIdea(text=f"idea-{i}-secret")
        elif isinstance(cmd, AddStatement):
            cmd = AddStatement(text=f"stmt-{i}-secret")
        out.append((cmd, actor))
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(steps, min_size=5, max_size=60))
@example([(PostIdea(text="x"), PEOPLE[0]), (HideItem(item="r0i1"), FACILITATOR), (RevealResults(round=0), FACILITATOR)])
@example([(StartRound(round=4), FACILITATOR), (AddStatement(text="x"), PEOPLE[0]), (HideItem(item="s1"), FACILITATOR),
          (RevealResults(round=4), FACILITATOR)])
def test_hidden_and_unrevealed_texts_never_reach_other_participants_or_the_board(commands):
    state, _ = run(unique_texts(commands))
    board = VIEWS.shared(Audience.BOARD, state, "nb")
    pages = {viewer.pid: VIEWS.participant(state, viewer, "nb") for viewer in PEOPLE}
    for rnd in state.rounds:
        if rnd.kind not in ("ideas", "statements"):
            continue
        for item in rnd.data.items.values():
            # Statements are there to be answered: everyone sees the visible ones while the round runs.
            for_participants = item.visible and (rnd.results_shown or rnd.kind == "statements")
            for viewer in PEOPLE:
                if viewer.pid == item.author:
                    continue
                assert (item.text in pages[viewer.pid]) <= for_participants, (item, viewer.pid)
            assert (item.text in board) <= (rnd.results_shown and item.visible)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(steps, min_size=5, max_size=40))
def test_a_participant_view_changes_only_with_the_shared_view_or_their_personal_key(commands):
    # The live room re-renders a phone only when one of these two changed, and shares one
    # rendering among phones with equal keys: both are only right if the key says it all.
    log = new_room("PROP01", "Egenskapstest", PLAN)
    state = replay(log)
    before = None
    for command, actor in [*PRELUDE, *unique_texts(commands)]:
        result = decide(state, command, actor, now=1_800_000_000.0)
        if not isinstance(result, Rejection):
            for event in result:
                apply(state, event)
        shared = VIEWS.participant(state, None, "nb")
        now = {p.pid: (VIEWS.personal_key(state, p), VIEWS.participant(state, p, "nb")) for p in PEOPLE}
        by_key: dict = {}
        for key, page in now.values():
            by_key.setdefault(key, set()).add(page)
        assert all(len(pages) == 1 for pages in by_key.values())
        if before is not None and before[0] == shared:
            for pid, (key, page) in now.items():
                if before[1][pid][0] == key:
                    assert before[1][pid][1] == page, (pid, command)
        before = (shared, now)
