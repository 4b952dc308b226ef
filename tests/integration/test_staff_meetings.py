"""A meeting from the staff side: created from a form, members invited by filter, letters and a
mail-merge file with personal links, answers from members, check-in at the door, and histories."""

import csv
import io
import re

import pytest

from tests.integration.test_panel import Staff, admin
from tests.support.phone import Client, cookie_header, http_client, join_with_invitation, open_role, staff_login

pytestmark = pytest.mark.anyio


async def test_create_invite_answer_check_in_and_history(server):
    links = server.demo(members=0)
    async with http_client() as http:
        staff = await admin(http, server, links)
        for name, year, district in (("Anne Aas", "1950", "320101"), ("Bjørn Berg", "1990", "320101"), ("Cecilie Dahl", "1975", "320122")):
            await staff.post("/staff/panel/new", {"name": name, "birth_year": year, "district": district, "gender": "female", "language": "nb", "email": f"{name.split()[0].lower()}@example.no"})

        missing = await staff.post("/staff/meetings/new", {"title": "", "date": "", "format": "brainwriting"})
        assert missing.status_code == 400 and 'aria-invalid="true"' in missing.text
        made = await staff.post("/staff/meetings/new", {"title": "Møte om Fornebu", "date": "2026-12-10", "time": "18:30", "place": "Fornebu skole", "description": "Vi snakker om parken.", "format": "1-2-4-all", "language": "nb"})
        assert made.status_code == 303
        meeting = made.headers["location"]
        code = meeting.rsplit("/", 1)[-1]
        page = (await staff.get(meeting)).text
        assert "Fornebu skole" in page and "10.12.2026 18:30" in page

        # Invite everyone in one district (filter), leave the other out.
        candidates = (await staff.get(f"{meeting}/invitees?district=320101")).text
        ids = re.findall(r'name="member" value="([^"]+)"', candidates)
        assert len(ids) == 2 and "Cecilie Dahl" not in candidates
        await staff.post(f"{meeting}/invite", {"member": ids})
        invited = (await staff.get(f"{meeting}/invitees")).text
        assert "Anne Aas" in invited and "Bjørn Berg" in invited

        letters = (await staff.get(f"{meeting}/letters")).text
        assert letters.count('class="letter"') == 2 and letters.count('class="qr"') == 2
        merge = (await staff.get(f"{meeting}/invitations.csv")).content.decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(merge), delimiter=";"))
        link = {r["navn"]: r["lenke"] for r in rows}
        assert set(link) == {"Anne Aas", "Bjørn Berg"} and all(l.startswith(server.base + "/i/") for l in link.values())
        # Letters can be printed again: the same links.
        assert link["Anne Aas"] in (await staff.get(f"{meeting}/letters")).text

        # Anne answers yes with a need; Bjørn answers no.
        answer = await http.get(link["Anne Aas"])
        token = re.search(r'name="_csrf_token" value="([^"]+)"', answer.text).group(1)
        cookies = {"csrftoken": re.search(r"csrftoken=([^;]+)", answer.headers["set-cookie"]).group(1)}
        refused = await http.post(f"{link['Anne Aas']}/answer", data={"_csrf_token": token}, headers=cookie_header(cookies))
        assert refused.status_code == 400 and "Velg ja eller nei" in refused.text
        saved = await http.post(f"{link['Anne Aas']}/answer", data={"_csrf_token": token, "coming": "yes", "accessibility": "Rullestolplass", "dietary": "Nøtter"}, headers=cookie_header(cookies))
        assert saved.status_code == 303
        assert saved.headers["location"].endswith("?answered=1")
        assert "Takk! Svaret ditt er lagret" in (await http.get(link["Anne Aas"] + "?answered=1")).text
        answer_b = await http.get(link["Bjørn Berg"])
        token_b = re.search(r'name="_csrf_token" value="([^"]+)"', answer_b.text).group(1)
        cookies_b = {"csrftoken": re.search(r"csrftoken=([^;]+)", answer_b.headers["set-cookie"]).group(1)}
        await http.post(f"{link['Bjørn Berg']}/answer", data={"_csrf_token": token_b, "coming": "no"}, headers=cookie_header(cookies_b))
        invited = (await staff.get(f"{meeting}/invitees")).text
        assert "Rullestolplass" in invited and "Nøtter" in invited and "Kommer ikke" in invited
        assert "1 kommer, 1 kommer ikke, 0 har ikke svart" in (await staff.get(meeting)).text

        # At the door: Anne is checked in (she has no phone); Bjørn is not on the list.
        door = (await staff.get(f"{meeting}/checkin")).text
        assert "Anne Aas" in door and "Bjørn Berg" not in door
        inv = re.search(r'action="/staff/meetings/[^/]+/checkin/([^"]+)"', door).group(1)
        await staff.post(f"{meeting}/checkin/{inv}", {"arrived": "yes"})
        assert 'class="arrived"' in (await staff.get(f"{meeting}/checkin")).text

        # Staff run the meeting from their session, without the console link's key.
        console = Client(server.base, code, audience="facilitator", cookies=dict(staff.cookies))
        await console.connect()
        ended = await console.command("end_meeting")
        assert ended.result == ("ok", None)
        await console.close()
        history = (await http.get(f"{link['Anne Aas']}/history")).text
        assert "Møte om Fornebu" in history and "Du var med" in history
        history_b = (await http.get(f"{link['Bjørn Berg']}/history")).text
        assert "Møte om Fornebu" in history_b and "Du var invitert" in history_b


async def test_a_facilitator_may_check_in_but_not_invite(server):
    links = server.demo(members=0)
    async with http_client() as http:
        staff = await admin(http, server, links)
        await staff.post("/staff/accounts", {"username": "dora", "name": "Dora", "role": "facilitator", "password": "a very long password"})
        made = await staff.post("/staff/meetings/new", {"title": "Møte", "date": "2026-12-10", "format": "brainwriting"})
        meeting = made.headers["location"]
        dora = Staff(http, server.base, await staff_login(http, links, "dora", "a very long password"))
        assert (await dora.get(meeting)).status_code == 200
        assert (await dora.get(f"{meeting}/checkin")).status_code == 200
        assert (await dora.get(f"{meeting}/invitees")).status_code == 403
        assert (await dora.get(f"{meeting}/letters")).status_code == 403
        assert (await dora.post("/staff/meetings/new", {"title": "Eget møte", "date": "2026-12-11"})).status_code == 403


async def test_you_said_we_did_reaches_the_member_and_the_next_board(server):
    links = server.demo(members=1)
    async with http_client() as http:
        staff = await admin(http, server, links)
        facilitator = await (await open_role(http, links["facilitator"], "facilitator")).connect()
        phone = await (await join_with_invitation(http, links["participants"][0])).connect()
        await facilitator.command("start_round", round=0)
        await phone.wait_for(lambda c: 'value="post_idea"' in c.view)
        posted = await phone.command("post_idea", text="Gatelys på Fornebu")
        assert posted.result == ("ok", None)
        await facilitator.command("end_meeting")
        for client in (phone, facilitator):
            await client.close()

        meeting = f"/staff/meetings/{links['code']}"
        page = (await staff.get(meeting)).text
        assert "Gatelys på Fornebu" in page and "Hvem som kom" in page
        item = re.search(r'name="item" value="(r0i\d+)"', page).group(1)
        bad = await staff.post(f"{meeting}/follow-up", {"item": item, "status": "maybe"})
        assert bad.status_code == 400
        saved = await staff.post(f"{meeting}/follow-up", {"item": item, "status": "adopted", "explanation": "Kommunestyret vedtok lysene i mars.", "decided_on": "2027-03-14"})
        assert saved.status_code == 303
        await staff.post(f"{meeting}/follow-up", {"item": "round-4", "status": "considering", "explanation": "Forslaget utredes."})

        history = (await http.get(f"{links['participants'][0]}/history")).text
        assert "Gatelys på Fornebu" in history and "Vedtatt" in history and "Kommunestyret vedtok lysene i mars." in history
        assert "14.03.2027" in history and "Forslaget utredes." in history

        exported = (await staff.get(f"{meeting}/outcome.json")).json()
        assert exported["follow_up"][0]["status"] in ("adopted", "considering")
        table = (await staff.get(f"{meeting}/outcome.csv")).content.decode("utf-8-sig")
        assert "Gatelys på Fornebu" in table and "Vedtatt" in table

        # The next meeting opens with what happened since last time.
        made = await staff.post("/staff/meetings/new", {"title": "Neste møte", "date": "2027-04-01", "format": "brainwriting"})
        next_code = made.headers["location"].rsplit("/", 1)[-1]
        recap = await staff.post(f"/staff/meetings/{next_code}/recap")
        assert recap.status_code == 303 and recap.headers["location"].endswith("recap=2")
        board = Client(server.base, next_code, audience="board", cookies=dict(staff.cookies))
        await board.connect()
        await board.wait_for(lambda c: "Gatelys på Fornebu" in c.view)
        assert "Vedtatt" in board.view and "Kommunestyret vedtok lysene i mars." in board.view
        await board.close()
