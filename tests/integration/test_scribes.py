"""Nobody left out, over real sockets: a scribe enters ideas and dots for two people without a
phone (one linked to their invitation at the door), within each person's own limits; the board
counts them; the outcome and the member's history hold their idea; nothing stored links their
votes to them; a help request reaches the facilitator only."""

import hashlib
import hmac
import re
import sqlite3

import pytest

from tests.support.phone import Client, _form_post, http_client, join_with_code, open_role, staff_login
from tests.support.staff import Staff

pytestmark = pytest.mark.anyio

SECRET_KEY = "test-secret-key"  # tests/conftest.py gives every server this key


def derived(purpose: str) -> str:
    """What the server derives from its key (server/tokens.py): invitation tokens, and the ballot
    of someone without a phone."""
    return hmac.new(SECRET_KEY.encode(), purpose.encode(), hashlib.sha256).hexdigest()[:32]


async def add_person(http, base: str, code: str, cookies: dict, name: str) -> str:
    response = await _form_post(http, f"{base}/r/{code}/scribe", cookies, {"name": name})
    assert response.status_code == 303, response.text[:500]
    return response.headers["location"].rsplit("/", 1)[-1]


async def test_a_scribe_enters_for_two_people_without_a_phone(server):
    links = server.demo(members=2)
    code, base = links["code"], server.base
    http = http_client()
    facilitator = await (await open_role(http, links["facilitator"], "facilitator")).connect()
    board = await (await open_role(http, links["board"], "board")).connect()
    phone = await (await join_with_code(http, base, code, name="Per")).connect()

    # At the door: a panel member without a phone, linked to their invitation.
    staff = Staff(http, base, await staff_login(http, links))
    door = (await staff.get(f"/staff/meetings/{code}/checkin")).text
    invitation = re.search(r'/checkin/([^"/]+)/without-phone', door).group(1)
    assert (await staff.post(f"/staff/meetings/{code}/checkin/{invitation}/without-phone")).status_code == 303
    assert "Deltar uten telefon" in (await staff.get(f"/staff/meetings/{code}/checkin")).text

    # In the room: the facilitator adds a second person from the scribe page.
    ola = await add_person(http, base, code, facilitator.cookies, "Ola")
    people = (await http.get(f"{base}/r/{code}/scribe", headers={"Cookie": "; ".join(f"{k}={v}" for k, v in facilitator.cookies.items())})).text
    pids = re.findall(rf'href="/r/{code}/scribe/([0-9a-f]+)"', people)
    assert ola in pids and len(pids) == 2
    member_person = next(p for p in pids if p != ola)
    scribes = {
        pid: await Client(base, code, audience="scribe", query=f"&for={pid}", cookies=facilitator.cookies).connect()
        for pid in pids
    }
    for scribe in scribes.values():
        await scribe.wait_for(lambda c: "Du registrerer for" in c.view)

    await facilitator.command("start_round", round=0)
    assert (await scribes[ola].command("post_idea", text="Benker langs turveien", round=0)).result == ("ok", None)
    assert (await scribes[member_person].command("post_idea", text="Lys i undergangen", round=0)).result == ("ok", None)
    await phone.command("post_idea", text="Flere søppelkasser", round=0)

    # Dots: each person without a phone has their own three, no more.
    await facilitator.command("start_round", round=1)
    await scribes[ola].wait_for(lambda c: 'value="dot"' in c.view)
    idea_ids = re.findall(r'name="idea" value="([^"]+)"', scribes[ola].view)
    lights = next(i for i in dict.fromkeys(idea_ids) if i in scribes[ola].view.split("Lys i undergangen")[1][:600])
    for pid in pids:
        for _ in range(2):  # at most two on one idea
            assert (await scribes[pid].command("dot", idea=lights, delta=1, round=1)).result == ("ok", None)
    other = next(i for i in dict.fromkeys(idea_ids) if i != lights)
    assert (await scribes[ola].command("dot", idea=other, delta=1, round=1)).result == ("ok", None)
    assert (await scribes[ola].command("dot", idea=other, delta=1, round=1)).result == ("rejected", "no_dots_left")
    assert (await phone.command("dot", idea=lights, delta=1, round=1)).result == ("ok", None)
    await facilitator.command("reveal", round=1)
    # The board counts them like everyone: 2 + 2 from the scribes, 1 from the phone.
    await board.wait_for(lambda c: re.search(r"Lys i undergangen.{0,400}?\b5\b", c.view, re.S) is not None)

    # Budget: each represented person has their own 100 points, no more.
    await facilitator.command("start_round", round=6)
    for n, pid in enumerate(pids):
        for _ in range(10):
            assert (await scribes[pid].command("allocate", option=n, delta=1, round=6)).result == ("ok", None)
        assert (await scribes[pid].command("allocate", option=n, delta=1, round=6)).result == ("rejected", "over_budget")
    # Paper cards: after the close, a scribe may still type in; a phone may not.
    await facilitator.command("close_round", round=6)
    assert (await scribes[ola].command("allocate", option=pids.index(ola), delta=-1, round=6)).result == ("ok", None)
    assert (await phone.command("allocate", option=0, delta=1, round=6)).result == ("rejected", "round_not_open")

    # Help: a phone asks; only the facilitator sees it, and it clears when answered.
    await phone.command("request_help")
    await facilitator.wait_for(lambda c: "ber om hjelp" in c.view)
    assert "Per" in facilitator.view.split("ber om hjelp")[1][:400]
    assert "hjelp" not in board.view.lower()
    assert "ber om hjelp" not in scribes[ola].view
    pid_of_phone = re.search(r'name="pid" value="([^"]+)"', facilitator.view.split("ber om hjelp")[1]).group(1)
    await facilitator.command("answer_help", pid=pid_of_phone)
    await facilitator.wait_for(lambda c: "ber om hjelp" not in c.view)

    await facilitator.command("end_meeting", confirm="yes")
    await facilitator.wait_for(lambda c: "Møtet er avsluttet" in c.view)
    for client in (*scribes.values(), phone, board, facilitator):
        await client.close()

    # The member's own history holds the idea the scribe wrote for them.
    history = await http.get(f"{base}/i/{derived(f'invitation:{invitation}')}/history")
    assert history.status_code == 200 and "Lys i undergangen" in history.text
    assert "Benker langs turveien" not in history.text
    await http.aclose()

    # Nothing stored links a vote of theirs to them: their ballot key is in no record, and in
    # the log only in the vote events themselves, which name no person.
    with sqlite3.connect(server.database) as db:
        tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for pid in pids:
            ballot = derived(f"scribed-ballot:{code}:{pid}")
            for table in tables:
                for row in db.execute(f"SELECT * FROM {table}"):
                    text = " ".join(str(v) for v in row)
                    if ballot in text:
                        assert table == "events" and pid not in text, (table, text[:200])
                        assert re.search(r'"t":"(dots_cast|budget_allocated)"', text), text[:200]
        marks = [data for (data,) in db.execute("SELECT data FROM events WHERE room = ?", (code,)) if b"scribe_entry" in bytes(data)]
        assert len(marks) == 2 + 5 + 21  # two ideas, five dots, 21 budget steps; refusals store nothing
        assert all(not any(pid.encode() in bytes(m) for pid in pids) for m in marks)
