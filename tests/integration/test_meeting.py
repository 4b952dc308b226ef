"""A whole meeting over real sockets: 20 phones, a board and a facilitator on a real server."""

import asyncio
import re
import time

import pytest

from tests.support.phone import Client, cookie_header, http_client, join_with_code, join_with_invitation, open_role, staff_login

pytestmark = pytest.mark.anyio

JOINED = re.compile(r'class="number">(\d+)<')
RESULT = re.compile(r'<span class="result-text">([^<]*)</span>.*?<span class="result-votes">(\d+)', re.S)
IDEA_ID = re.compile(r'<span class="idea-text">([^<]*)</span>.*?name="item" value="(r\d+i\d+)"', re.S)


def joined(client: Client) -> int:
    m = JOINED.search(client.view)
    return int(m.group(1)) if m else -1


async def gather(*aws):
    return await asyncio.gather(*aws)


async def test_twenty_phones_write_vote_and_the_board_shows_the_tallies(server):
    started = time.perf_counter()
    links = server.demo(members=5)
    async with http_client() as http:
        facilitator = await (await open_role(http, links["facilitator"], "facilitator")).connect()
        board = await (await open_role(http, links["board"], "board")).connect()
        guests = await gather(*(join_with_code(http, server.base, links["code"], f"Gjest {i}") for i in range(15)))
        members = await gather(*(join_with_invitation(http, link) for link in links["participants"]))
        phones = await gather(*(p.connect() for p in [*guests, *members]))
        await gather(*(p.wait_for(lambda c: "Welcome" in c.view or "Velkommen" in c.view) for p in phones))
        await board.wait_for(lambda c: joined(c) == 20)

        answer = await facilitator.command("start_round", round=0)
        assert answer.result == ("ok", None)
        await gather(*(p.wait_for(lambda c: 'value="post_idea"' in c.view) for p in phones))

        texts = [f"Idé nummer {i} om parken" for i in range(20)]
        answers = await gather(*(p.command("post_idea", text=t) for p, t in zip(phones, texts)))
        assert all(a.result == ("ok", None) for a in answers)
        # Each author sees their own idea at once, in the answer itself.
        assert all(t in a.text for a, t in zip(answers, texts))
        # Nobody else sees it before the reveal, not even the board.
        await board.wait_for(lambda c: 'class="number">20</span> av' in c.view or "20</span> of" in c.view)
        assert not any(t in phones[0].view for t in texts[1:])
        assert not any(t in board.view for t in texts)

        await facilitator.wait_for(lambda c: all(t in c.view for t in texts))
        ids = {text: idea for text, idea in IDEA_ID.findall(facilitator.view)}
        hidden = await facilitator.command("hide", item=ids[texts[19]], round=0)
        assert hidden.result == ("ok", None)
        await phones[19].wait_for(lambda c: 'class="hidden-note"' in c.view)

        await facilitator.command("start_round", round=1)
        await gather(*(p.wait_for(lambda c: 'value="dot"' in c.view) for p in phones))
        assert texts[19] not in phones[0].view

        # Phone i gives its 3 dots to ideas i % 5, (i + 1) % 5 and (i + 1) % 5 again (max 2 per idea).
        expected: dict[str, int] = {}
        async def vote(i: int, phone: Client) -> None:
            for target in (i % 5, (i + 1) % 5, (i + 1) % 5):
                frame = await phone.command("dot", idea=ids[texts[target]])
                assert frame.result == ("ok", None), frame.text[:300]
                expected[texts[target]] = expected.get(texts[target], 0) + 1
            frame = await phone.command("dot", idea=ids[texts[10]])
            assert frame.result == ("rejected", "no_dots_left")
        await gather(*(vote(i, p) for i, p in enumerate(phones)))

        closed = await facilitator.command("reveal", round=1)
        await board.wait_for(lambda c: c.view_seq >= closed.seq)
        tallies = {text: int(n) for text, n in RESULT.findall(board.view)}
        assert {t: n for t, n in tallies.items() if n} == expected
        assert texts[19] not in board.view
        assert board.seq == facilitator.seq

        ended = await facilitator.command("end_meeting")
        assert ended.result == ("ok", None)
        await gather(*(p.wait_for(lambda c: c.view_seq >= ended.seq) for p in phones))

        staff = await staff_login(http, links)
        outcome = await http.get(f"{server.base}/staff/meetings/{links['code']}", headers=cookie_header(staff))
        assert outcome.status_code == 200
        assert texts[0] in outcome.text and texts[19] not in outcome.text
        history = await http.get(f"{links['participants'][0]}/history")
        assert texts[15] in history.text  # the first invited member wrote idea 15
        assert texts[16] not in history.text

        frames = sum(len(c.frames) for c in [*phones, board, facilitator])
        for client in [*phones, board, facilitator]:
            await client.close()
    print(f"\n20-phone meeting: {time.perf_counter() - started:.2f} s, {frames} frames received in all")


async def test_a_phone_that_drops_and_retries_with_the_same_nonce_is_counted_once(server):
    links = server.demo(members=1)
    async with http_client() as http:
        facilitator = await (await open_role(http, links["facilitator"], "facilitator")).connect()
        author = await join_with_code(http, server.base, links["code"])
        phone = await join_with_code(http, server.base, links["code"])
        await author.connect()
        await phone.connect()
        await facilitator.command("start_round", round=0)
        await author.wait_for(lambda c: 'value="post_idea"' in c.view)
        await author.command("post_idea", text="Lengre åpningstider")
        await facilitator.command("start_round", round=1)
        await phone.wait_for(lambda c: 'value="dot"' in c.view)
        idea = re.search(r'name="idea" value="(r0i\d+)"', phone.view).group(1)

        # Sent, and the connection drops before the answer arrives.
        await phone.send("dot", nonce="retry-me-1", idea=idea)
        await phone.close()
        await phone.connect()
        await phone.wait_for(lambda c: "retry-me-1" not in c.view and 'value="dot"' in c.view)
        first = await phone.command("dot", nonce="retry-me-1", idea=idea)
        again = await phone.command("dot", nonce="retry-me-1", idea=idea)
        assert first.result == again.result == ("ok", None)
        assert "2 prikker igjen" in again.text or "2 dots left" in again.text

        reveal = await facilitator.command("reveal", round=1)
        await facilitator.wait_for(lambda c: c.view_seq >= reveal.seq)
        assert [(t, int(n)) for t, n in RESULT.findall(facilitator.view)] == [("Lengre åpningstider", 1)]
        for client in (facilitator, author, phone):
            await client.close()
