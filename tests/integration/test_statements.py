"""A statements round over real sockets: 12 phones answer, one adds a statement that waits for the
facilitator, everyone answers it, and after the reveal the board shows the two camps."""

import asyncio
import re

import pytest

from server.meetings.service import demo_plan
from tests.support.phone import Client, http_client, join_with_code, open_role

pytestmark = pytest.mark.anyio

ROUND = next(i for i, cfg in enumerate(demo_plan()) if cfg.type == "statements")
SEEDS = [f"s{n}" for n in range(1, len(demo_plan()[ROUND].statements) + 1)]
DIVIDING = {"s1", "s2", "s3"}  # camp A agrees, camp B disagrees; everyone agrees with the rest
NOW = re.compile(r'id="statement-now">([^<]*)<.*?name="statement" value="([^"]+)"', re.S)
VOTED = re.compile(r'class="progress-line"><span class="number">(\d+)<')
ITEM = re.compile(r'<span class="idea-text">([^<]*)</span>.*?name="item" value="(r\d+i\d+)"', re.S)
NEW_TEXT = "Flere benker langs Lysakerelva"


def on_screen(phone: Client) -> tuple[str, str] | None:
    m = NOW.search(phone.view)
    return (m.group(1), m.group(2)) if m else None


def voted(client: Client) -> int:
    m = VOTED.search(client.view)
    return int(m.group(1)) if m else -1


async def answer_all(phone: Client, camp_a: bool, seen: list[str], new_id: str | None = None) -> None:
    """Answer whatever the phone shows until nothing is left, as a person tapping would."""
    while (shown := on_screen(phone)) is not None:
        _, statement = shown
        dividing = statement in DIVIDING or statement == new_id
        vote = "agree" if camp_a or not dividing else "disagree"
        before = phone.seq
        frame = await phone.command("rate", statement=statement, vote=vote, round=ROUND)
        assert frame.result == ("ok", None), frame.text[:300]
        assert frame.seq > before  # the answer carries the state with this vote in it
        seen.append(statement)


async def test_twelve_phones_answer_statements_and_the_board_shows_the_opinion_groups(server):
    links = server.demo(members=0)
    async with http_client() as http:
        facilitator = await (await open_role(http, links["facilitator"], "facilitator")).connect()
        board = await (await open_role(http, links["board"], "board")).connect()
        guests = await asyncio.gather(*(join_with_code(http, server.base, links["code"]) for _ in range(12)))
        phones = await asyncio.gather(*(g.connect() for g in guests))
        camp_a = [i < 7 for i in range(12)]

        started = await facilitator.command("start_round", round=ROUND)
        assert started.result == ("ok", None)
        await asyncio.gather(*(p.wait_for(lambda c: on_screen(c) is not None) for p in phones))
        assert all(p.view_seq >= started.seq for p in phones)
        # Each phone has its own order of the same statements.
        assert len({on_screen(p)[1] for p in phones}) > 1

        refused = await phones[0].command("rate", statement="s1", vote="maybe", round=ROUND)
        assert refused.result == ("rejected", "bad_vote")
        refused = await phones[0].command("rate", statement="s99", vote="agree", round=ROUND)
        assert refused.result == ("rejected", "no_such_statement")

        seen: list[list[str]] = [[] for _ in phones]
        await asyncio.gather(*(answer_all(p, a, s) for p, a, s in zip(phones, camp_a, seen)))
        assert all(sorted(s) == SEEDS for s in seen)
        assert len({tuple(s) for s in seen}) > 1
        await board.wait_for(lambda c: voted(c) == 12)
        texts = [on_screen(p) for p in phones]
        assert texts == [None] * 12

        # A new statement waits for the facilitator; only its author and the facilitator see it.
        added = await phones[0].command("add_statement", text=NEW_TEXT, round=ROUND)
        assert added.result == ("ok", None)
        assert NEW_TEXT in added.text and 'class="hidden-note"' in added.text
        await facilitator.wait_for(lambda c: c.view_seq >= added.seq and NEW_TEXT in c.view)
        new_id = dict(ITEM.findall(facilitator.view))[NEW_TEXT]
        assert all(NEW_TEXT not in p.view for p in phones[1:])
        assert NEW_TEXT not in board.view
        refused = await phones[1].command("rate", statement=new_id, vote="agree", round=ROUND)
        assert refused.result == ("rejected", "no_such_statement")

        approved = await facilitator.command("approve", item=new_id, round=ROUND)
        assert approved.result == ("ok", None)
        await asyncio.gather(*(p.wait_for(lambda c: c.view_seq >= approved.seq and on_screen(c) is not None) for p in phones))
        assert all(on_screen(p) == (NEW_TEXT, new_id) for p in phones)
        late: list[list[str]] = [[] for _ in phones]
        await asyncio.gather(*(answer_all(p, a, s, new_id) for p, a, s in zip(phones, camp_a, late)))
        assert late == [[new_id]] * 12
        assert NEW_TEXT not in board.view  # nothing is on the board before the reveal

        revealed = await facilitator.command("reveal", round=ROUND)
        assert revealed.result == ("ok", None)
        await board.wait_for(lambda c: c.view_seq >= revealed.seq)
        view = board.view
        for heading in ("Det de fleste er enige om", "Det som deler oss mest", "Meningsgruppe 1", "Meningsgruppe 2"):
            assert heading in view
        assert "7 personer" in view and "5 personer" in view
        agreed, divided, groups = re.split(r"Det som deler oss mest|Meningsgrupper", view)[:3]
        plan = demo_plan()[ROUND].statements
        assert sum(text in agreed for text in plan[3:]) == 3 and not any(text in agreed for text in plan[:3])
        assert all(text in divided for text in plan[:3])
        await asyncio.gather(*(p.wait_for(lambda c: c.view_seq >= revealed.seq) for p in phones))
        assert "Meningsgruppe 1" in phones[5].view
        assert board.seq == facilitator.seq

        for client in (*phones, board, facilitator):
            await client.close()
