"""Bad input gets a clear, translated refusal in the sender's view; nothing is stored; the socket
stays up."""

import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.support.phone import Client, cookie_header, http_client, join_with_code, open_role

pytestmark = pytest.mark.anyio


async def _room(server):
    links = server.demo(members=0)
    http = http_client()
    facilitator = await (await open_role(http, links["facilitator"], "facilitator")).connect()
    phone = await (await join_with_code(http, server.base, links["code"])).connect()
    await phone.wait_for(lambda c: c.view != "")
    await facilitator.wait_for(lambda c: c.view != "")
    return links, http, facilitator, phone


async def _raw(client: Client, payload: str | bytes):
    before = len(client.frames)
    assert client.ws is not None
    await client.ws.send(payload)
    await client.wait_for(lambda c: len(c.frames) > before)
    return client.frames[-1]


async def test_each_kind_of_bad_message_is_refused_and_nothing_is_stored(server):
    links, http, facilitator, phone = await _room(server)
    seq = facilitator.seq
    cases = [
        ('{"cmd": "launch_rockets", "nonce": "a1"}', "unreadable"),
        ("this is not json", "unreadable"),
        ('{"cmd": "post_idea", "nonce": "a2"}', "unreadable"),  # no text
        ('{"cmd": "post_idea", "text": ["x"], "nonce": "a3"}', "unreadable"),
        ('{"cmd": "post_idea", "text": "hei"}', "no_nonce"),
        ('{"cmd": "post_idea", "text": "hei", "nonce": "bad nonce with spaces"}', "no_nonce"),
        ('{"cmd": "post_idea", "text": "for tidlig", "nonce": "a4"}', "round_not_open"),
        ('{"cmd": "start_round", "round": 0, "nonce": "a5"}', "not_allowed"),
        ('{"cmd": "end_meeting", "nonce": "a6"}', "not_allowed"),
        ('{"cmd": "join", "pid": "x", "nonce": "a7"}', "unreadable"),
        (b"\x00\x01binary", "unreadable"),
        (json.dumps({"cmd": "post_idea", "text": "x" * 40000, "nonce": "a8"}), "round_not_open"),
    ]
    for payload, reason in cases:
        frame = await _raw(phone, payload)
        assert frame.result == ("rejected", reason), (payload[:60], frame.text[:200])
        assert 'class="rejected"' in frame.text
    # Bokmål by default: the refusal is in Norwegian.
    assert "Denne runden er ikke åpen nå." in phone.answer("a4").text

    await facilitator.command("start_round", round=0)
    await phone.wait_for(lambda c: 'value="post_idea"' in c.view)
    too_long = await phone.command("post_idea", text="x" * 281)
    assert too_long.result == ("rejected", "text_too_long")
    assert "280" in too_long.text
    # The same socket still works, and only the good commands were stored.
    fine = await phone.command("post_idea", text="En god idé")
    assert fine.result == ("ok", None)
    assert fine.seq == seq + 2  # round started, idea posted: nothing else
    await facilitator.close()
    await phone.close()
    await http.aclose()


async def test_refusals_follow_the_participants_language(server):
    links = server.demo(members=0)
    async with http_client() as http:
        phone = await join_with_code(http, server.base, links["code"])
        phone.cookies["lang"] = "en"
        await phone.connect()
        frame = await phone.command("post_idea", text="early")
        assert frame.result == ("rejected", "round_not_open")
        assert "This round is not open right now." in frame.text
        await phone.close()


async def test_a_board_cannot_act_and_sockets_without_the_right_cookie_are_refused(server):
    links = server.demo(members=0)
    async with http_client() as http:
        board = await (await open_role(http, links["board"], "board")).connect()
        frame = await board.command("start_round", round=0)
        assert frame.result == ("rejected", "not_allowed")
        phone = await join_with_code(http, server.base, links["code"])
        ws = server.base.replace("http", "ws")
        for audience, cookies in (("facilitator", phone.cookies), ("board", {}), ("participant", {}), ("nobody", phone.cookies)):
            with pytest.raises(InvalidStatus) as refused:
                await connect(f"{ws}/ws/rooms/{links['code']}?as={audience}", additional_headers=cookie_header(cookies))
            assert refused.value.response.status_code == 403
        # A page on another site cannot open a socket with the participant's cookies.
        with pytest.raises(InvalidStatus):
            await connect(
                f"{ws}/ws/rooms/{links['code']}",
                additional_headers={**cookie_header(phone.cookies), "Origin": "https://evil.example"},
            )
        # Another room's seat does not open this room.
        other = server.demo(members=0)
        with pytest.raises(InvalidStatus):
            await connect(f"{ws}/ws/rooms/{other['code']}", additional_headers=cookie_header(phone.cookies))
        await board.close()


async def test_a_flood_from_one_phone_is_rate_limited_without_dropping_it(server):
    links, http, facilitator, phone = await _room(server)
    assert phone.ws is not None
    for i in range(60):
        await phone.ws.send(json.dumps({"cmd": "post_idea", "text": "spam", "nonce": f"f{i}"}))
    await phone.wait_for(lambda c: sum(1 for f in c.frames if f.ack and f.ack.startswith("f")) == 60)
    reasons = [f.result[1] for f in phone.frames if f.ack and f.ack.startswith("f")]
    assert "rate_limited" in reasons
    assert set(reasons) <= {"rate_limited", "round_not_open"}
    frame = await phone.command("post_idea", text="still here")  # the socket stayed up
    assert frame.result[0] == "rejected"
    await facilitator.close()
    await phone.close()
    await http.aclose()


async def test_bad_join_codes_and_links_get_a_clear_page(server):
    async with http_client() as http:
        page = await http.get(f"{server.base}/join", params={"code": "zzzzzz"})
        assert page.status_code == 404
        assert "Vi fant ikke noe møte med den koden" in page.text
        assert (await http.get(f"{server.base}/i/not-a-token")).status_code == 404
        assert (await http.get(f"{server.base}/r/ABCDEF/console", params={"key": "guess"})).status_code == 404
        links = server.demo(members=0)
        bad_key = await http.get(f"{server.base}/r/{links['code']}/console", params={"key": "guess"})
        assert bad_key.status_code == 403
        # Codes are forgiving: lower case and spaces still find the meeting.
        spaced = " ".join(links["code"].lower())
        found = await http.get(f"{server.base}/join", params={"code": spaced})
        assert found.status_code == 303 and found.headers["location"] == f"/j/{links['code']}"
