"""Poll, scale and consent over real sockets: answers change while open, tallies stay hidden
from participants until the reveal, the board shows the distribution."""

import asyncio
import re

import pytest

from tests.support.phone import cookie_header, http_client, join_with_code, open_role, staff_login

pytestmark = pytest.mark.anyio

VOTES = re.compile(r'<span class="result-text">([^<]*)</span>.*?<span class="result-votes">(\d+)', re.S)


def tallies(view: str) -> dict[str, int]:
    return {label.strip(): int(n) for label, n in VOTES.findall(view)}


async def test_poll_scale_and_consent_rounds(server):
    links = server.demo(members=0)
    plan = {"poll": 2, "scale": 3, "consent": 4}  # their places in the demo plan
    async with http_client() as http:
        facilitator = await (await open_role(http, links["facilitator"], "facilitator")).connect()
        board = await (await open_role(http, links["board"], "board")).connect()
        phones = await asyncio.gather(*(join_with_code(http, server.base, links["code"]) for _ in range(6)))
        await asyncio.gather(*(p.connect() for p in phones))

        # Poll: everyone picks; phone 0 changes its mind.
        await facilitator.command("start_round", round=plan["poll"])
        await asyncio.gather(*(p.wait_for(lambda c: 'value="choose"' in c.view) for p in phones))
        for i, phone in enumerate(phones):
            assert (await phone.command("choose", option=i % 3)).result == ("ok", None)
        changed = await phones[0].command("choose", option=2)
        assert 'aria-pressed="true"' in changed.text and "result-votes" not in changed.text
        bad = await phones[1].command("choose", option=7)
        assert bad.result == ("rejected", "no_such_option")
        revealed = await facilitator.command("reveal", round=plan["poll"])
        await board.wait_for(lambda c: c.view_seq >= revealed.seq)
        assert tallies(board.view) == {"Hverdager på dagtid": 1, "Hverdager på kveldstid": 2, "Lørdager": 3}
        await phones[5].wait_for(lambda c: "result-votes" in c.view)

        # Scale: the whole distribution, not only the mean.
        await facilitator.command("start_round", round=plan["scale"])
        await asyncio.gather(*(p.wait_for(lambda c: 'value="scale"' in c.view) for p in phones))
        for phone, value in zip(phones, (5, 5, 4, 4, 4, 1)):
            assert (await phone.command("scale", value=value)).result == ("ok", None)
        revealed = await facilitator.command("reveal", round=plan["scale"])
        await board.wait_for(lambda c: c.view_seq >= revealed.seq)
        assert tallies(board.view) == {"1": 1, "2": 0, "3": 0, "4": 3, "5": 2}
        assert "3,8" in board.view or "3.8" in board.view

        # Consent: a blocker's reason reaches the board without a name.
        await facilitator.command("start_round", round=plan["consent"])
        await asyncio.gather(*(p.wait_for(lambda c: 'value="consent"' in c.view) for p in phones))
        for phone, level in zip(phones, (1, 1, 2, 3, 3, 5)):
            await phone.command("consent", level=level)
        await phones[5].wait_for(lambda c: 'name="reason"' in c.view)
        assert (await phones[5].command("consent", level=5, reason="For dyrt for kommunen")).result == ("ok", None)
        revealed = await facilitator.command("reveal", round=plan["consent"])
        await board.wait_for(lambda c: c.view_seq >= revealed.seq)
        assert list(tallies(board.view).values()) == [2, 1, 2, 0, 1]
        assert "For dyrt for kommunen" in board.view

        # The outcome keeps every round's results for staff to review.
        await facilitator.command("end_meeting")
        staff = await staff_login(http, links)
        outcome = (await http.get(f"{server.base}/staff/meetings/{links['code']}", headers=cookie_header(staff))).text
        assert re.search(r"<td>Lørdager</td><td class=\"num\">3</td>", outcome)
        assert re.search(r"<td>Blokkerer</td><td class=\"num\">–</td><td>For dyrt for kommunen</td>", outcome)
        for client in (*phones, board, facilitator):
            await client.close()
