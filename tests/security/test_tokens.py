"""Secrets in links and cookies: at least 128 bits each, stored only as hashes, expiring and
revocable; join codes and invitation links cannot be guessed by walking through them."""

import hashlib
import math
import re
import sqlite3
from datetime import UTC, datetime, timedelta

import httpx
import msgspec
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.conftest import ServerProcess
from tests.security.conftest import store_files, store_rows
from tests.security.site import end_meeting, log_in, plain_client, site
from tests.support.cast import host_cookies
from tests.support.phone import cookie_header, http_client, join_with_code, join_with_invitation, open_role

pytestmark = pytest.mark.anyio

HEX = set("0123456789abcdef")
URLSAFE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def bits(token: str) -> float:
    """The most randomness a token of this length and alphabet can carry."""
    alphabet = HEX if set(token) <= HEX else URLSAFE
    assert set(token) <= alphabet, token
    return len(token) * math.log2(len(alphabet))


def sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def test_every_secret_has_128_bits_or_more_and_the_store_keeps_only_its_hash(server):
    links = server.demo(members=30)
    code = links["code"]
    secrets: dict[str, list[str]] = {"invitation": [], "seat": [], "facilitator": [], "board": [], "host": [], "staff_session": []}
    secrets["invitation"] = [link.rsplit("/", 1)[-1] for link in links["participants"]]
    async with http_client() as http:
        for _ in range(10):
            phone = await join_with_code(http, server.base, code)
            secrets["seat"].append(phone.cookies[f"ip_seat_{code}"])
        for link in links["participants"][:10]:
            phone = await join_with_invitation(http, link)
            secrets["seat"].append(phone.cookies[f"ip_seat_{code}"])
        facilitator = await open_role(http, links["facilitator"], "facilitator")
        secrets["facilitator"].append(facilitator.cookies[f"ip_facilitator_{code}"])
        secrets["board"].append((await open_role(http, links["board"], "board")).cookies[f"ip_board_{code}"])
        for _ in range(3):
            secrets["host"].append((await host_cookies(http, server.base, code, facilitator.cookies))[f"ip_host_{code}"])
    with plain_client() as plain:
        for _ in range(5):
            secrets["staff_session"].append(log_in(plain, server.base, links["staff_username"], links["staff_password"])["ip_staff_session"])

    report = []
    for kind, values in secrets.items():
        assert values and len(set(values)) == len(values), kind  # never the same twice
        least = min(bits(v) for v in values)
        report.append(f"{kind} {least:.0f} bits")
        assert least >= 128, (kind, values[0])
    # Hex tokens (invitations, seats): their bits are balanced, as random bits are.
    hex_bits = "".join(f"{int(v, 16):0{len(v) * 4}b}" for k in ("invitation", "seat") for v in secrets[k] if set(v) <= HEX)
    ones = hex_bits.count("1") / len(hex_bits)
    assert 0.45 < ones < 0.55, ones
    print("\ntoken entropy (upper bound from length and alphabet): " + ", ".join(report) + f"; share of 1 bits {ones:.3f}")

    # Stored hashed: the sha256 of each secret is there, the secret itself nowhere, not even in
    # the files' free pages or the write-ahead log.
    rows = " ".join(text for _, text in store_rows(server.database))
    files = store_files(server.database)
    log = server.log_path.read_text() if server.log_path else ""
    for kind, values in secrets.items():
        for value in values:
            assert value not in rows and value.encode() not in files, kind
            assert value not in log, kind
            assert sha256(value) in rows, kind


async def test_a_withdrawn_invitation_stops_working_at_once_and_a_new_one_can_be_sent(server):
    s = site(server, members=2)
    link = s.links["participants"][0]
    token = link.rsplit("/", 1)[-1]
    async with http_client() as http:
        phone = await (await join_with_invitation(http, link)).connect()
        await phone.wait_for(lambda c: c.view != "")
        await phone.close()
    invitees = s.get(f"/staff/meetings/{s.code}/invitees").text
    withdraw = re.findall(r'action="(/staff/meetings/[^"]+/withdraw)"', invitees)
    assert len(withdraw) == 2
    mine = next(w for w in withdraw if _invitation_id(server, token) in w)
    assert s.post(mine).status_code == 303

    for method, path in (("GET", ""), ("POST", ""), ("POST", "/answer"), ("GET", "/history")):
        form = {"coming": "yes", "_csrf_token": s.csrf} if method == "POST" else None
        page = s.http.request(method, link + path, data=form, headers=s.header())
        assert page.status_code == 410 and "trukket tilbake" in page.text, (method, path, page.status_code)
    # The phone that had joined with it is out: its seat is gone.
    ws = f"{server.base.replace('http', 'ws')}/ws/rooms/{s.code}"
    with pytest.raises(InvalidStatus) as refused:
        await connect(ws, additional_headers=cookie_header(phone.cookies))
    assert refused.value.response.status_code == 403
    # Letters and the mail merge no longer carry the old link; inviting again gives a new one.
    assert token not in s.get(f"/staff/meetings/{s.code}/letters").text
    assert token not in s.get(f"/staff/meetings/{s.code}/invitations.csv").text
    assert "Invitasjoner som er trukket tilbake" in s.get(f"/staff/meetings/{s.code}/invitees").text
    member = _member_of(server, token)
    assert s.post(f"/staff/meetings/{s.code}/invite", {"member": member}).status_code == 303
    letters = s.get(f"/staff/meetings/{s.code}/letters").text
    fresh = [t for t in re.findall(r"/i/([0-9a-f]{32})", letters) if t != token]
    assert len(set(fresh)) == 2  # the other invitee's and the new one
    with plain_client() as plain:
        assert all(plain.get(f"{server.base}/i/{t}").status_code == 200 for t in set(fresh))
    # Recorded in the audit log, without the link.
    audit = s.get("/staff/audit").text
    assert "withdraw_invitation" in audit and token not in audit


def _invitation(server, token: str) -> dict:
    with sqlite3.connect(server.database) as db:
        (data,) = db.execute("SELECT data FROM records WHERE kind = 'invitation' AND key = ?", (sha256(token),)).fetchone()
    return msgspec.json.decode(data)


def _invitation_id(server, token: str) -> str:
    return _invitation(server, token)["id"]


def _member_of(server, token: str) -> str:
    return _invitation(server, token)["member"]


def test_an_invitation_link_expires_when_the_grace_after_the_meeting_has_passed(tmp_path):
    soon = ServerProcess(tmp_path / "grace.sqlite3", extra_env={"INVITATION_GRACE_DAYS": "0"}).start()
    try:
        links = soon.demo(members=1)
        link = links["participants"][0]
        assert httpx.get(link).status_code == 200  # before the meeting ends
        end_meeting(links)
        for path in ("", "/history"):
            page = httpx.get(link + path)
            assert page.status_code == 410 and "Denne lenken er utløpt" in page.text, path
    finally:
        soon.stop()


def test_a_staff_session_ends_at_logout_and_when_it_expires(server):
    s = site(server, members=0)
    assert s.get("/staff").status_code == 200
    session = s.cookies["ip_staff_session"]
    with sqlite3.connect(server.database) as db:
        (data,) = db.execute("SELECT data FROM records WHERE kind = 'staff_session' AND key = ?", (sha256(session),)).fetchone()
        expires = datetime.fromisoformat(msgspec.json.decode(data)["expires_at"])
        assert timedelta(hours=11) < expires - datetime.now(UTC) <= timedelta(hours=12)
        # Twelve hours later, as far as the store can tell:
        past = msgspec.json.encode({**msgspec.json.decode(data), "expires_at": (datetime.now(UTC) - timedelta(seconds=1)).isoformat()})
        db.execute("UPDATE records SET data = ? WHERE kind = 'staff_session' AND key = ?", (past, sha256(session)))
    assert s.get("/staff").headers.get("location", "").startswith("/staff/login")
    # A fresh session, then logging out: the cookie is worth nothing afterwards, even if kept.
    s.cookies.update(log_in(s.http, s.base, s.links["staff_username"], s.links["staff_password"]))
    assert s.get("/staff").status_code == 200
    assert s.post("/staff/logout").status_code == 303
    assert s.get("/staff").headers.get("location", "").startswith("/staff/login")


def test_guessing_join_codes_or_links_is_slowed_down_per_address(server):
    links = server.demo(members=0)
    guesser = {"X-Forwarded-For": "203.0.113.7"}  # uvicorn trusts this from 127.0.0.1 (a proxy)
    wrong = ["/join?code=ZZZZZ2", "/j/ZZZZZ3", "/r/ZZZZZ4/console", "/i/0123456789abcdef0123456789abcdef", "/i/x/history"]
    with plain_client() as http:
        for n in range(20):  # GUESSES_PER_MINUTE
            assert http.get(server.base + wrong[n % len(wrong)], headers=guesser).status_code == 404
        refused = http.get(f"{server.base}/join", params={"code": "ZZZZZ5"}, headers=guesser)
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert "Vent et minutt" in refused.text
        # From that address even the right code is refused for now: the answer gives nothing away.
        right = http.get(f"{server.base}/join", params={"code": links["code"]}, headers=guesser)
        assert right.status_code == 429
        assert http.get(f"{server.base}/j/{links['code']}", headers=guesser).status_code == 429
        # Everyone else is unaffected.
        other = http.get(f"{server.base}/join", params={"code": links["code"]}, headers={"X-Forwarded-For": "203.0.113.8"})
        assert other.status_code == 303
        # Right codes never count: a venue full of phones behind one address joins freely.
        venue = {"X-Forwarded-For": "198.51.100.1"}
        for _ in range(50):
            assert http.get(f"{server.base}/join", params={"code": links["code"]}, headers=venue).status_code == 303
