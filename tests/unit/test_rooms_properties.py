"""Property tests: for random command sequences, the rules hold and replay equals the live state."""

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rooms import Actor, Rejection, Role, apply, decide, new_room, replay, touches
from rooms.actors import FACILITATOR, SYSTEM
from rooms.codec import decode_event, encode_event
from rooms.commands import CloseRound, EndMeeting, Join, PauseRound, ResumeRound, RevealResults, SetTimer, ShowLive, SplitTables, StartRound
from rooms.rounds.dots import CastDot, DotsConfig, my_dots
from rooms.rounds.ideas import AddTheme, IdeasConfig, MergeIdeas, PostIdea, RemoveTheme, SetTheme, UnmergeIdea
from rooms.rounds.budget import Allocate, BudgetConfig
from rooms.rounds.consent import ConsentConfig, GiveConsent
from rooms.rounds import qa
from rooms.rounds.poll import Choose, PollConfig
from rooms.rounds.qa import AskQuestion, MarkAnswered, QaConfig, Upvote
from rooms.rounds.statements import AddStatement, RateStatement, StatementsConfig
from rooms.rounds.ranking import Rank, RankingConfig
from rooms.rounds.scale import Rate, ScaleConfig
from rooms.rounds.texts import ApproveItem, HideItem, ShowItem
from server.app import template_environment
from server.meetings.views import RoomViews
from server.realtime.connection import Audience

PEOPLE = [Actor(Role.PARTICIPANT, pid=f"p{n}", ballot=f"ballot{n}") for n in range(5)]
PLAN = [
    IdeasConfig(max_length=40, max_per_person=3),
    DotsConfig(dots=3, max_per_idea=2),
    IdeasConfig(max_per_person=2, moderated=True),
    DotsConfig(dots=2, max_per_idea=1, allow_own=False),
    PollConfig(options=["A", "B", "C"], multiple=True, max_choices=2),
    ScaleConfig(low=0, high=10),
    ConsentConfig(),
    RankingConfig(max_ranked=2),
    BudgetConfig(options=["A", "B", "C"], total=50, step=20),
    BudgetConfig(options=["A", "B", "C"], total=100, costs=[60, 30, 50]),
    QaConfig(max_length=40, max_per_person=2),
    QaConfig(max_per_person=1, moderated=True),
    StatementsConfig(statements=["seed-one-secret", "seed-two-secret"], max_length=40, max_per_person=2),
    StatementsConfig(max_per_person=1, moderated=False),
]
QA_ROUNDS = [10, 11]
STATEMENT_IDS = ["s1", "s2", "r12i3", "r12i4", "r12i5", "r13i1", "r13i2", "nope"]
QA_IDS = ["r10i1", "r10i2", "r10i3", "r11i1", "r11i2"]
IDEA_IDS = ["r0i1", "r0i2", "r0i3", "r2i1", "r2i2", "s1", "r12i3", "r12i4", "r13i1"]
# Everyone joins and a first round opens, so that most random steps do something.
JOINS = [(Join(pid=p.pid, name=p.pid), SYSTEM) for p in PEOPLE[:4]]

people = st.sampled_from(PEOPLE)
rounds = st.sampled_from([0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 12, 13, -1, len(PLAN)])
texts = st.text(min_size=0, max_size=50)

post = st.builds(lambda t, p: (PostIdea(text=t), p), texts, people)
dot = st.builds(lambda i, d, p: (CastDot(idea=i, delta=d), p), st.sampled_from(IDEA_IDS), st.sampled_from([1, 1, 1, -1, 2]), people)
answer = st.one_of(
    st.builds(lambda o, p: (Choose(option=o), p), st.integers(-1, 3), people),
    st.builds(lambda v, p: (Rate(value=v), p), st.integers(-1, 11), people),
    st.builds(lambda lv, t, p: (GiveConsent(level=lv, reason=t), p), st.integers(0, 6), texts, people),
    st.builds(lambda o, p: (Rank(option=o), p), st.sampled_from([*IDEA_IDS, "o1", "x"]), people),
    st.builds(lambda o, d, p: (Allocate(option=o, delta=d), p), st.integers(-1, 3), st.sampled_from([1, 1, -1, 2]), people),
)
cluster = st.one_of(
    st.builds(lambda a, b: (MergeIdeas(item=a, into=b, round=0), FACILITATOR), st.sampled_from(IDEA_IDS), st.sampled_from(IDEA_IDS)),
    st.builds(lambda a: (UnmergeIdea(item=a, round=0), FACILITATOR), st.sampled_from(IDEA_IDS)),
    st.builds(lambda n: (AddTheme(name=n, round=0), FACILITATOR), st.sampled_from(["Tema", "", "Annet"])),
    st.builds(lambda t: (RemoveTheme(theme=t, round=0), FACILITATOR), st.sampled_from(["r0t1", "r0t2"])),
    st.builds(lambda a, t: (SetTheme(item=a, theme=t, round=0), FACILITATOR), st.sampled_from(IDEA_IDS), st.sampled_from(["r0t1", "r0t2", ""])),
)
ask = st.builds(lambda t, p: (AskQuestion(text=t), p), texts, people)
questions = st.sampled_from([*QA_IDS, "r0i1"])
upvote = st.builds(lambda i, d, p: (Upvote(item=i, delta=d), p), questions, st.sampled_from([1, 1, 1, -1, 2]), people)
answered = st.builds(lambda i, a: (MarkAnswered(item=i, answered=a), FACILITATOR), questions, st.booleans())
add = st.builds(lambda t, p: (AddStatement(text=t), p), texts, people)
rate = st.builds(
    lambda i, v, p: (RateStatement(statement=i, vote=v), p),
    st.sampled_from(STATEMENT_IDS), st.sampled_from(["agree", "disagree", "pass", "pass", "maybe"]), people,
)
steps = st.one_of(
    post, post, dot, dot, answer, cluster, ask, upvote, answered, add, rate, rate,
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
    st.builds(lambda n: (SplitTables(size=n), FACILITATOR), st.integers(-1, 4)),
    st.builds(lambda r, on: (ShowLive(round=r, live=on), FACILITATOR), rounds, st.booleans()),
    st.builds(lambda c, p: (c, p), st.sampled_from([StartRound(round=1), EndMeeting()]), people),
    st.just((EndMeeting(), FACILITATOR)),
)


def qa_steps(first: int):
    """Steps for a run that opens with Q&A round `first`: three questions are asked and two let
    through first, and three steps in four then concern that round's questions."""
    ids = st.sampled_from([f"r{first}i{n}" for n in range(1, 5)])
    asked = [(AskQuestion(text=f"opening-{n}"), PEOPLE[n]) for n in range(3)]
    opening = [*asked, *((ApproveItem(item=f"r{first}i{n}"), FACILITATOR) for n in (1, 2))]
    upvote_one = st.builds(lambda i, d, p: (Upvote(item=i, delta=d), p), ids, st.sampled_from([1, 1, -1, -1, 2]), people)
    mark = st.builds(lambda i, a: (MarkAnswered(item=i, answered=a), FACILITATOR), ids, st.booleans())
    moderate = st.builds(lambda c, i: (c(item=i), FACILITATOR), st.sampled_from([ApproveItem, HideItem, ShowItem]), ids)
    # one_of flattens nested choices and drops repeats, so the weighting is done by sampling.
    weighted = [ask, upvote_one, upvote_one, upvote_one, upvote_one, mark, moderate, steps, steps]
    mixed = st.sampled_from(weighted).flatmap(lambda strategy: strategy)
    return st.lists(mixed, min_size=10, max_size=80).map(lambda commands: [*opening, *commands])


def run(commands, first: int = 0):
    log = new_room("PROP01", "Egenskapstest", PLAN)
    assert not isinstance(log, Rejection)
    state = replay(log)
    for command, actor in [*JOINS, (StartRound(round=first), FACILITATOR), *commands]:
        result = decide(state, command, actor, now=1_800_000_000.0)
        if isinstance(result, Rejection):
            assert result.code and result.message
            continue
        for event in result:
            apply(state, event)
        log.extend(result)
    return state, log


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_replaying_the_log_gives_the_live_state(data):
    first = data.draw(st.sampled_from([0, *QA_ROUNDS]))
    commands = data.draw(qa_steps(first) if first else st.lists(steps, max_size=80))
    state, log = run(commands, first)
    sizes = state.table_sizes().values()
    assert not sizes or max(sizes) - min(sizes) <= 1  # tables stay even, latecomers included
    assert replay(log) == state
    assert replay(decode_event(encode_event(e)) for e in log) == state
    assert state.seq == len(log)


@settings(max_examples=300, deadline=None)
@given(st.lists(steps, max_size=80))
def test_every_answer_stays_within_its_round_rules(commands):
    state, _ = run(commands)
    poll, scale, consent = state.rounds[4], state.rounds[5], state.rounds[6]
    for chosen in poll.data.values():
        assert chosen and len(chosen) <= 2 and chosen == sorted(set(chosen)) and set(chosen) <= {0, 1, 2}
    assert all(0 <= v <= 10 for v in scale.data.values())
    for answer in consent.data.values():
        assert 1 <= answer.level <= 5 and (answer.level >= 4 or answer.reason == "")
    for order in state.rounds[7].data.values():
        assert 0 < len(order) <= 2 and len(set(order)) == len(order)
    for rnd in state.rounds[8:10]:
        cfg = rnd.config
        for allocation in rnd.data.values():
            assert allocation and sum(allocation.values()) <= cfg.total
            for option, amount in allocation.items():
                assert amount > 0
                assert amount == cfg.costs[option] if cfg.costs else amount % cfg.step == 0


@settings(max_examples=300, deadline=None)
@given(st.lists(steps, max_size=80))
def test_dots_never_exceed_any_budget(commands):
    state, _ = run(commands)
    for rnd in state.rounds:
        if rnd.kind != "dots":
            continue
        cfg = rnd.config
        totals: dict[str, int] = {}
        for ballot, dots in rnd.data.ballots.items():
            assert sum(dots.values()) <= cfg.dots
            for idea, n in dots.items():
                assert 0 < n <= cfg.max_per_idea
                totals[idea] = totals.get(idea, 0) + n
            # Merging pools ideas' dots: the ballot's total is kept, only regrouped.
            assert sum(my_dots(state, rnd, ballot).values()) == sum(dots.values())
        assert {k: v for k, v in rnd.data.tally.items() if v} == totals
    for rnd in state.rounds:
        if rnd.kind == "ideas":
            merged = rnd.data.merged
            assert all(target not in merged for target in merged.values())  # chains are one step


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_upvote_tallies_count_distinct_ballots_and_never_go_negative(data):
    first = data.draw(st.sampled_from(QA_ROUNDS))
    state, log = run(data.draw(qa_steps(first)), first)
    # Recounted from the log, apart from the round's own bookkeeping.
    held: dict[tuple[int, str, str], int] = {}
    for event in log:
        if isinstance(event, qa.QuestionUpvoted):
            key = (event.round, event.ballot, event.item)
            held[key] = held.get(key, 0) + event.delta
            assert held[key] in (0, 1), key  # one +1 per ballot per question, at any moment
    for rnd in state.rounds:
        if rnd.kind != "qa":
            continue
        ballots: dict[str, set[str]] = {}
        for (index, ballot, item), n in held.items():
            if index == rnd.index and n:
                ballots.setdefault(item, set()).add(ballot)
        assert all(n >= 0 for n in rnd.data.tally.values())
        assert {k: v for k, v in rnd.data.tally.items() if v} == {k: len(v) for k, v in ballots.items()}


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
@example([(StartRound(round=12), FACILITATOR), (AddStatement(text="x"), PEOPLE[0]), (HideItem(item="s1"), FACILITATOR),
          (RevealResults(round=12), FACILITATOR)])
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


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_held_and_hidden_questions_never_reach_other_participants_or_the_board(data):
    first = data.draw(st.sampled_from(QA_ROUNDS))
    # Unique texts, so that finding one in a page means that question leaked.
    numbered = [
        ((AskQuestion(text=f"question-{i}-held"), actor) if isinstance(cmd, AskQuestion) else (cmd, actor))
        for i, (cmd, actor) in enumerate(data.draw(qa_steps(first)))
    ]
    state, _ = run(numbered, first)
    board = VIEWS.shared(Audience.BOARD, state, "nb")
    pages = {viewer.pid: VIEWS.participant(state, viewer, "nb") for viewer in PEOPLE}
    for rnd in state.rounds:
        if state.ended or rnd.kind != "qa" or rnd is not state.current_round:
            continue
        ranked = qa.open_questions(rnd)[: qa.BOARD_LIMIT] + qa.answered_questions(rnd)[: qa.BOARD_LIMIT]
        on_board = [q for q, _ in ranked]
        for question in rnd.data.items.values():
            for viewer in PEOPLE:
                if viewer.pid != question.author:
                    assert (question.text in pages[viewer.pid]) <= question.visible, (question, viewer.pid)
            assert (question.text in board) <= question.visible
            assert (question in on_board) <= (question.text in board)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(steps, min_size=5, max_size=40))
def test_a_participant_view_changes_only_with_the_shared_view_or_their_personal_key(commands):
    # The live room re-renders a phone only when one of these two changed, and shares one
    # rendering among phones with equal keys: both are only right if the key says it all.
    log = new_room("PROP01", "Egenskapstest", PLAN)
    state = replay(log)
    before = None
    for command, actor in [*JOINS, (StartRound(round=0), FACILITATOR), *unique_texts(commands)]:
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


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_an_event_that_names_whom_it_touches_changes_no_one_elses_own_view(data):
    # After a vote the live room looks only at the phones `touches` names (the voter's), so an
    # event naming some people must leave every other person's personal key as it was.
    first = data.draw(st.sampled_from([0, 1, *QA_ROUNDS, 12]))
    if first == 1:  # three ideas in round 0, then a dot-voting round on them, and mostly dots
        first = 0
        opening = [*((PostIdea(text=f"idea-{n}"), PEOPLE[n]) for n in range(3)), (StartRound(round=1), FACILITATOR)]
        votes = st.builds(lambda i, d, p: (CastDot(idea=i, delta=d), p), st.sampled_from(["r0i1", "r0i2", "r0i3"]),
                          st.sampled_from([1, 1, -1]), people)
        commands = [*opening, *data.draw(st.lists(st.one_of(votes, votes, votes, steps), min_size=5, max_size=60))]
    else:
        commands = data.draw(qa_steps(first) if first in QA_ROUNDS else st.lists(steps, min_size=5, max_size=60))
    log = new_room("PROP01", "Egenskapstest", PLAN)
    state = replay(log)
    for command, actor in [*JOINS, (StartRound(round=first), FACILITATOR), *commands]:
        result = decide(state, command, actor, now=1_800_000_000.0)
        if isinstance(result, Rejection):
            continue
        for event in result:
            keys = {p.pid: VIEWS.personal_key(state, p) for p in PEOPLE}
            apply(state, event)
            who = touches(state, event)
            if who is None:
                continue
            for p in PEOPLE:
                if p.pid not in who and p.ballot not in who:
                    assert VIEWS.personal_key(state, p) == keys[p.pid], (type(event).__name__, p.pid)
