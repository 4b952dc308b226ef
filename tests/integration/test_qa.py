"""Questions to a speaker over real sockets: phones ask and upvote at once, the board ranks the
questions live, and the facilitator lets them through, hides them and marks them answered."""

import re

import pytest

from rooms.rounds.qa import QaConfig
from server.meetings.service import create_meeting, demo_plan
from server.store.sqlite import SQLiteStore
from tests.integration.test_meeting import gather, joined
from tests.support.phone import Client, http_client, join_with_code, join_with_invitation, open_role

pytestmark = pytest.mark.anyio

QA_ROUND = next(i for i, config in enumerate(demo_plan()) if config.type == "qa")
ITEM = re.compile(r'<span class="idea-text">([^<]*)</span>.*?name="item" value="(r\d+i\d+)"', re.S)
ON_BOARD = re.compile(r'<span class="qa-votes" aria-hidden="true">(\d+)</span> <span class="qa-text">([^<]*)</span>')
ANSWERED = re.compile(r'<span class="qa-mark" aria-hidden="true">✓</span> <span class="qa-text">([^<]*)</span>')


def board_ranking(client: Client) -> list[tuple[str, int]]:
    return [(text, int(n)) for n, text in ON_BOARD.findall(client.view)]


async def test_twelve_phones_ask_and_upvote_and_the_board_ranks_the_questions(server):
    links = server.demo(members=2)
    async with http_client() as http:
        facilitator = await (await open_role(http, links["facilitator"], "facilitator")).connect()
        board = await (await open_role(http, links["board"], "board")).connect()
        guests = await gather(*(join_with_code(http, server.base, links["code"], f"Gjest {i}") for i in range(10)))
        members = await gather(*(join_with_invitation(http, link) for link in links["participants"]))
        phones = await gather(*(p.connect() for p in [*guests, *members]))
        await board.wait_for(lambda c: joined(c) == 12)

        started = await facilitator.command("start_round", round=QA_ROUND)
        assert started.result == ("ok", None)
        await gather(*(p.wait_for(lambda c: 'value="ask"' in c.view) for p in phones))

        # Phones 0-3 ask at the same time; questions are public at once, without a reveal.
        questions = ["Når åpner skolen?", "Hva koster bybanen?", "Hvem eier parken?", "Kommer det flere benker?"]
        asked = await gather(*(p.command("ask", text=q) for p, q in zip(phones, questions)))
        assert all(a.result == ("ok", None) for a in asked)
        assert all("Vi har fått spørsmålet ditt." in a.text for a in asked)
        await board.wait_for(lambda c: {t for t, _ in board_ranking(c)} == set(questions))
        await facilitator.wait_for(lambda c: all(q in c.view for q in questions))
        ids = dict(ITEM.findall(facilitator.view))
        a, b, c, d = (ids[q] for q in questions)

        # Who gives +1 to what (never to their own question): D 8, B 6, A 4, C 1.
        plan = {i: [d] for i in range(4, 12)}
        for i in range(4, 10):
            plan[i].append(b)
        for i in (10, 11, 1):
            plan.setdefault(i, []).append(a)
        plan[0] = [c]

        async def upvote(i: int, phone: Client) -> None:
            for item in plan.get(i, []):
                frame = await phone.command("upvote", item=item, round=QA_ROUND)
                assert frame.result == ("ok", None), frame.text[:300]
            if i == 4:  # changes its mind about C: given, then taken back
                assert (await phone.command("upvote", item=c)).result == ("ok", None)
                assert (await phone.command("upvote", item=c, delta=-1)).result == ("ok", None)
            if i == 5:  # a retry after a lost answer: the same nonce counts once
                first = await phone.command("upvote", nonce="qa-retry-5", item=a)
                again = await phone.command("upvote", nonce="qa-retry-5", item=a)
                assert first.result == again.result == ("ok", None)

        await gather(*(upvote(i, p) for i, p in enumerate(phones)))
        twice = await phones[10].command("upvote", item=a)
        assert twice.result == ("rejected", "already_upvoted")
        own = await phones[3].command("upvote", item=d)
        assert own.result == ("rejected", "own_question")

        expected = [(questions[3], 8), (questions[1], 6), (questions[0], 4), (questions[2], 1)]
        await board.wait_for(lambda c: board_ranking(c) == expected)
        # Every phone shows the same order and counts; who gave a +1 is nowhere.
        def in_order(c: Client) -> bool:
            places = [c.view.find(q) for q, _ in expected]
            return -1 not in places and places == sorted(places) and "8 personer vil vite dette" in c.view

        await gather(*(p.wait_for(in_order) for p in phones))
        assert "Gjest" not in board.view

        done = await facilitator.command("answered", item=d, answered="true", round=QA_ROUND)
        assert done.result == ("ok", None)
        await board.wait_for(lambda c: ANSWERED.findall(c.view) == [questions[3]])
        assert board_ranking(board) == expected[1:]
        late = await phones[4].command("upvote", item=d)
        assert late.result == ("rejected", "question_answered")

        for client in [*phones, board, facilitator]:
            await client.close()


async def test_a_moderated_question_stays_off_the_board_until_let_through(server):
    # The demo plan does not hold questions for approval: this meeting does. It is written to the
    # server's own SQLite file, which the server reads when the first socket asks for the room.
    store = await SQLiteStore(server.database).open()
    try:
        created = await create_meeting(
            store, "test-secret-key", "Spørretime", [QaConfig(title="Spørsmål til rådmannen", moderated=True)]
        )
    finally:
        await store.close()
    code = created.code
    async with http_client() as http:
        facilitator = await (
            await open_role(http, f"{server.base}/r/{code}/console?key={created.facilitator_key}", "facilitator")
        ).connect()
        board = await (await open_role(http, f"{server.base}/r/{code}/board?key={created.board_key}", "board")).connect()
        asker, other, reader = await gather(*(join_with_code(http, server.base, code) for _ in range(3)))
        for phone in (asker, other, reader):
            await phone.connect()
        await board.wait_for(lambda c: joined(c) == 3)
        await facilitator.command("start_round", round=0)
        await reader.wait_for(lambda c: 'value="ask"' in c.view)

        held = await asker.command("ask", text="Hvorfor stenger biblioteket?")
        assert held.result == ("ok", None)
        # The author sees it, waiting; the facilitator sees it in the approval queue.
        assert "Venter på at møtelederen slipper den gjennom." in held.text
        await facilitator.wait_for(lambda c: "Hvorfor stenger biblioteket?" in c.view)
        item = dict(ITEM.findall(facilitator.view))["Hvorfor stenger biblioteket?"]
        refused = await reader.command("upvote", item=item)
        assert refused.result == ("rejected", "no_such_item")

        # A second question let through first: once the board shows it, it shows a state in
        # which the first was already asked, and the first is not on it.
        await other.command("ask", text="Kan vi få flere lyspunkter?")
        await facilitator.wait_for(lambda c: "Kan vi få flere lyspunkter?" in c.view)
        second = dict(ITEM.findall(facilitator.view))["Kan vi få flere lyspunkter?"]
        assert (await facilitator.command("approve", item=second, round=0)).result == ("ok", None)
        await board.wait_for(lambda c: "Kan vi få flere lyspunkter?" in c.view)
        await reader.wait_for(lambda c: "Kan vi få flere lyspunkter?" in c.view)
        assert "Hvorfor stenger biblioteket?" not in board.view
        assert "Hvorfor stenger biblioteket?" not in reader.view

        assert (await facilitator.command("approve", item=item, round=0)).result == ("ok", None)
        await board.wait_for(lambda c: "Hvorfor stenger biblioteket?" in c.view)
        await asker.wait_for(lambda c: "Venter på at møtelederen" not in c.view)
        assert (await reader.command("upvote", item=item)).result == ("ok", None)

        # Hidden: off the board, and its author is told kindly.
        assert (await facilitator.command("hide", item=second, round=0)).result == ("ok", None)
        await board.wait_for(lambda c: "Kan vi få flere lyspunkter?" not in c.view)
        await other.wait_for(lambda c: "Møtelederen har tatt dette spørsmålet av listen." in c.view)
        assert board_ranking(board) == [("Hvorfor stenger biblioteket?", 1)]

        for client in (facilitator, board, asker, other, reader):
            await client.close()
