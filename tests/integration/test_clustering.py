"""Clustering over real sockets: the facilitator merges duplicates and names themes; the board
groups the ideas; a dot vote over themes counts them."""

import asyncio
import re

import pytest

from tests.support.phone import cookie_header, http_client, join_with_code, open_role, staff_login

pytestmark = pytest.mark.anyio

IDEA = re.compile(r'<p class="idea-text" id="cl-(r0i\d+)">([^<]*)</p>')


async def test_merge_theme_and_vote_over_themes(server):
    links = server.demo(members=0)
    async with http_client() as http:
        facilitator = await (await open_role(http, links["facilitator"], "facilitator")).connect()
        board = await (await open_role(http, links["board"], "board")).connect()
        phones = await asyncio.gather(*(join_with_code(http, server.base, links["code"]) for _ in range(3)))
        await asyncio.gather(*(p.connect() for p in phones))
        await facilitator.command("start_round", round=0)
        await phones[0].wait_for(lambda c: 'value="post_idea"' in c.view)
        for phone, text in zip(phones, ("Flere benker", "Benker i parken", "Bedre busser")):
            await phone.command("post_idea", text=text)
        revealed = await facilitator.command("reveal", round=0)
        await facilitator.wait_for(lambda c: c.view_seq >= revealed.seq and len(IDEA.findall(c.view)) == 3)
        ids = {text: idea for idea, text in IDEA.findall(facilitator.view)}

        merged = await facilitator.command("merge", item=ids["Benker i parken"], into=ids["Flere benker"], round=0)
        assert merged.result == ("ok", None)
        assert (await facilitator.command("add_theme", name="Møteplasser", round=0)).result == ("ok", None)
        await facilitator.command("add_theme", name="Transport", round=0)
        await facilitator.command("set_theme", item=ids["Flere benker"], theme="r0t1", round=0)
        themed = await facilitator.command("set_theme", item=ids["Bedre busser"], theme="r0t2", round=0)
        await board.wait_for(lambda c: c.view_seq >= themed.seq)
        assert "Møteplasser" in board.view and "Transport" in board.view
        assert "Benker i parken" not in board.view and "+1" in board.view
        # The author of the merged idea is told, kindly, and still credited.
        await phones[1].wait_for(lambda c: "Flere benker" in c.view and "hidden-note" in c.view)

        # Change the dot vote to run over themes, then vote.
        form = await http.get(f"{server.base}/r/{links['code']}/console/rounds/1", headers={"Cookie": "; ".join(f"{k}={v}" for k, v in facilitator.cookies.items())})
        token = re.search(r'name="_csrf_token" value="([^"]+)"', form.text).group(1)
        saved = await http.post(
            f"{server.base}/r/{links['code']}/console/rounds/1",
            data={"_csrf_token": token, "f_title": "Tema", "f_dots": "2", "f_max_per_idea": "2", "f_over": "themes", "f_tables": "0"},
            headers={"Cookie": "; ".join(f"{k}={v}" for k, v in facilitator.cookies.items())},
        )
        assert saved.status_code == 303
        await facilitator.command("start_round", round=1)
        await phones[0].wait_for(lambda c: 'value="r0t1"' in c.view)
        for phone in phones:
            assert (await phone.command("dot", idea="r0t1")).result == ("ok", None)
        await phones[2].command("dot", idea="r0t2")
        shown = await facilitator.command("reveal", round=1)
        await board.wait_for(lambda c: c.view_seq >= shown.seq)
        votes = dict(re.findall(r'<span class="result-text">([^<]*)</span>.*?<span class="result-votes">(\d+)', board.view, re.S))
        assert votes == {"Møteplasser": "3", "Transport": "1"}

        # The outcome keeps the themes and the merge for staff.
        await facilitator.command("end_meeting")
        staff = await staff_login(http, links)
        outcome = (await http.get(f"{server.base}/staff/meetings/{links['code']}", headers=cookie_header(staff))).text
        assert re.search(r"Flere benker <span class=\"dupes\">\(\+1 lignende\)</span></td><td>Møteplasser</td>", outcome)
        for client in (*phones, board, facilitator):
            await client.close()
