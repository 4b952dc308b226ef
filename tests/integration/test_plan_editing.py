"""The facilitator shapes the plan: a format, a changed round (HTTP form), a round added over
the socket; tables are seated when a round asks for it."""

import re

import pytest

from tests.support.phone import cookie_header, http_client, join_with_code, open_role

pytestmark = pytest.mark.anyio

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def test_format_edit_add_and_reseat(server):
    links = server.demo(members=0)
    code = links["code"]
    async with http_client() as http:
        facilitator = await open_role(http, links["facilitator"], "facilitator")
        cookies = dict(facilitator.cookies)
        console = await http.get(f"{server.base}/r/{code}/console", headers=cookie_header(cookies))
        token = CSRF.search(console.text).group(1)  # the csrftoken cookie came with the key's redirect

        used = await http.post(f"{server.base}/r/{code}/console/format", data={"_csrf_token": token, "format": "1-2-4-all"}, headers=cookie_header(cookies))
        assert used.status_code == 303
        await facilitator.connect()
        await facilitator.wait_for(lambda c: "2: I par" in c.view or "2: In pairs" in c.view)

        form = await http.get(f"{server.base}/r/{code}/console/rounds/3", headers=cookie_header(cookies))
        assert form.status_code == 200 and 'name="f_dots"' in form.text
        bad = await http.post(f"{server.base}/r/{code}/console/rounds/3", headers=cookie_header(cookies),
                              data={"_csrf_token": token, "f_title": "Velg", "f_dots": "mange", "f_max_per_idea": "2", "f_tables": "0", "f_over": "ideas"})
        assert bad.status_code == 400 and "Prikker per person" in bad.text
        saved = await http.post(f"{server.base}/r/{code}/console/rounds/3", headers=cookie_header(cookies),
                                data={"_csrf_token": token, "f_title": "Velg det viktigste", "f_dots": "5", "f_max_per_idea": "2", "f_tables": "0", "f_over": "ideas", "f_allow_own": "on"})
        assert saved.status_code == 303
        await facilitator.wait_for(lambda c: "Velg det viktigste" in c.view)

        added = await facilitator.command("add_round", type="poll")
        assert added.result == ("ok", None)
        await facilitator.wait_for(lambda c: c.view.count('class="plan-item') == 5)
        moved = await facilitator.command("move_round", round=4, by=-1)  # the poll before the dots
        assert moved.result == ("ok", None)
        broken = await facilitator.command("move_round", round=0, by=1)  # the ideas after the pairs: fine
        assert broken.result == ("ok", None)
        await facilitator.command("move_round", round=1, by=-1)  # and back
        removed = await facilitator.command("remove_round", round=0)  # drop "alone"; dots still follow ideas
        assert removed.result == ("ok", None)
        await facilitator.wait_for(lambda c: c.view.count('class="plan-item') == 4)
        phones = [await (await join_with_code(http, server.base, code)).connect() for _ in range(5)]
        started = await facilitator.command("start_round", round=0)  # pairs: seats people two by two
        await phones[0].wait_for(lambda c: c.view_seq >= started.seq)
        tables = [int(re.search(r"bord (\d+)", p.view).group(1)) for p in [phones[0]]]
        assert tables[0] in (1, 2, 3)
        locked = await facilitator.command("remove_round", round=3)
        assert locked.result == ("rejected", "plan_locked")
        for client in (facilitator, *phones):
            await client.close()
