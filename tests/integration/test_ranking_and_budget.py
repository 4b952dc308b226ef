"""Ranking over the meeting's ideas and a points budget, over real sockets."""

import asyncio
import re

import pytest

from tests.support.phone import http_client, join_with_code, open_role

pytestmark = pytest.mark.anyio

ROW = re.compile(r"<tr><td>(\d+)</td><td>([^<]*)</td><td class=\"num\">(\d+)</td>")
VOTES = re.compile(r'<span class="result-text">([^<]*)</span>.*?<span class="result-votes">(\d+)', re.S)


async def test_ranking_the_ideas_and_sharing_out_a_budget(server):
    links = server.demo(members=0)
    plan = {"ideas": 0, "ranking": 5, "budget": 6}
    async with http_client() as http:
        facilitator = await (await open_role(http, links["facilitator"], "facilitator")).connect()
        board = await (await open_role(http, links["board"], "board")).connect()
        phones = await asyncio.gather(*(join_with_code(http, server.base, links["code"]) for _ in range(4)))
        await asyncio.gather(*(p.connect() for p in phones))
        await facilitator.command("start_round", round=plan["ideas"])
        await phones[0].wait_for(lambda c: 'value="post_idea"' in c.view)
        for phone, text in zip(phones, ("Sykkelvei", "Buss", "Benker")):
            await phone.command("post_idea", text=text)

        # Ranking over the ideas: starting it shows them; each phone taps up to 3 in order.
        await facilitator.command("start_round", round=plan["ranking"])
        await asyncio.gather(*(p.wait_for(lambda c: 'value="rank"' in c.view) for p in phones))
        ids = dict(re.findall(r'name="option" value="(r0i\d)">.*?</span>([^<]+)</button>', phones[0].view, re.S))
        by_text = {text.strip(): idea for idea, text in ids.items()}
        orders = [["Buss", "Sykkelvei"], ["Buss"], ["Benker", "Buss", "Sykkelvei"], ["Sykkelvei"]]
        for phone, order in zip(phones, orders):
            for text in order:
                assert (await phone.command("rank", option=by_text[text])).result == ("ok", None)
        taken_out = await phones[3].command("rank", option=by_text["Sykkelvei"])
        assert "Ta ut" not in taken_out.text
        await phones[3].command("rank", option=by_text["Benker"])
        revealed = await facilitator.command("reveal", round=plan["ranking"])
        await board.wait_for(lambda c: c.view_seq >= revealed.seq)
        rows = [(int(place), text, int(points)) for place, text, points in ROW.findall(board.view)]
        # 3 places: 3/2/1 points. Buss 3+3+2, Benker 3+3, Sykkelvei 2+1
        assert rows == [(1, "Buss", 8), (2, "Benker", 6), (3, "Sykkelvei", 3)]

        # Budget: 100 points in steps of 10, never more.
        await facilitator.command("start_round", round=plan["budget"])
        await asyncio.gather(*(p.wait_for(lambda c: 'value="allocate"' in c.view) for p in phones))
        for _ in range(10):
            assert (await phones[0].command("allocate", option=1)).result == ("ok", None)
        over = await phones[0].command("allocate", option=0)
        assert over.result == ("rejected", "over_budget")
        await phones[1].command("allocate", option=0)
        await phones[1].command("allocate", option=1)
        revealed = await facilitator.command("reveal", round=plan["budget"])
        await board.wait_for(lambda c: c.view_seq >= revealed.seq)
        amounts = {text: int(n) for text, n in VOTES.findall(board.view)}
        assert amounts == {"Aktiviteter for unge": 110, "Turveier og benker": 10, "Møteplasser for eldre": 0, "Bedre busstilbud": 0}
        for client in (*phones, board, facilitator):
            await client.close()
