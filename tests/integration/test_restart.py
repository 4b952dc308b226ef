"""Stop the server and start it again on the same SQLite file: the room is exactly as before."""

import re

import pytest

from tests.conftest import ServerProcess
from tests.support.phone import http_client, join_with_code, join_with_invitation, open_role

pytestmark = pytest.mark.anyio


def _without_seq(view: str) -> str:
    return re.sub(r' data-seq="\d+"', "", view)


async def test_a_restarted_server_serves_the_same_room_to_the_same_phones(tmp_path):
    server = ServerProcess(tmp_path / "restart.sqlite3").start()
    try:
        links = server.demo(members=1)
        async with http_client() as http:
            facilitator = await (await open_role(http, links["facilitator"], "facilitator")).connect()
            board = await (await open_role(http, links["board"], "board")).connect()
            guest = await (await join_with_code(http, server.base, links["code"], "Ola")).connect()
            member = await (await join_with_invitation(http, links["participants"][0])).connect()
            await facilitator.command("start_round", round=0)
            await guest.wait_for(lambda c: 'value="post_idea"' in c.view)
            await guest.command("post_idea", text="Sykkelvei til skolen")
            await member.command("post_idea", text="Benker ved vannet")
            await facilitator.command("start_round", round=1)
            await guest.wait_for(lambda c: 'value="dot"' in c.view)
            idea = re.search(r'name="idea" value="(r0i1)"', guest.view).group(1)
            voted = await guest.command("dot", idea=idea)
            before = {c.audience + str(i): c for i, c in enumerate((facilitator, board, guest, member))}
            # Everyone whose screen the vote changes has seen it (the member's screen does not change).
            for c in (facilitator, board, guest):
                await c.wait_for(lambda c: c.view_seq >= voted.seq)
            views = {k: _without_seq(c.view) for k, c in before.items()}
            seq = voted.seq
            for c in before.values():
                await c.close()

            server.stop()
            server.start()

            # Phones first, so the console's count of who is present matches too.
            for key, c in reversed(before.items()):
                c.frames.clear()
                c.view = ""
                await c.connect()
                await c.wait_for(lambda c: c.view != "")
                assert c.view_seq == seq, key
                assert _without_seq(c.view) == views[key], key
            # The phones are still who they were: the guest's dot counts against their budget.
            again = await before["participant2"].command("dot", idea=idea)
            assert again.result == ("ok", None)
            assert "1 prikk igjen" in again.text
            for c in before.values():
                await c.close()
    finally:
        server.stop()
