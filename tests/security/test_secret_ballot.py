"""The secret ballot, proved on the whole store: after a full meeting (phones with the code, phones
with personal invitations linked to members, a member checked in at the door without a phone, a
person a scribe enters for, one a table host enters for; every round type answered by everyone),
every row of every SQLite table (and every Redis key in Redis mode) is read, and no row that holds
a vote names a participant, a member, an invitation or a device's secret. Each vote is found
under the ballot key its voter's device (or the server, for people without a phone) derives, and
that key is in no record of a person."""

import hashlib
import hmac
import json
import re
import uuid

import pytest
import redis

from tests.conftest import ServerProcess
from tests.security.conftest import store_rows
from tests.support.cast import cast, vote
from tests.support.phone import Client, _form_post, http_client, join_with_code, join_with_invitation
from tests.support.staff import Staff

pytestmark = pytest.mark.anyio

SECRET_KEY = "test-secret-key"  # tests/conftest.py gives every server this key
REDIS_URL = "redis://127.0.0.1:6379/13"
VOTES = {
    "dots_cast", "poll_answered", "scale_answered", "consent_given", "ranking_given", "budget_allocated",
    "question_upvoted", "statement_rated", "ballot_seated",
}


def derive(secret: str, purpose: str) -> str:
    """server/tokens.py's derive(), done by the test on its own."""
    return hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).hexdigest()[:32]


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture(params=["sqlite", "redis"])
def store_server(request, tmp_path):
    env = {"REDIS_URL": REDIS_URL, "REDIS_PREFIX": f"sb{uuid.uuid4().hex[:8]}:"} if request.param == "redis" else {}
    proc = ServerProcess(tmp_path / "ballot.sqlite3", extra_env=env).start()
    yield proc, request.param
    proc.stop()
    if request.param == "redis":
        r = redis.Redis.from_url(REDIS_URL)
        for key in r.scan_iter(match=env["REDIS_PREFIX"] + "*"):
            r.delete(key)


def dump(server: ServerProcess, kind: str) -> list[str]:
    """Every row of every table, or every Redis key with everything it holds, as text."""
    if kind == "sqlite":
        return [f"{table}: {text}" for table, text in store_rows(server.database)]
    r = redis.Redis.from_url(REDIS_URL, decode_responses=False)
    rows = []
    for key in r.scan_iter(match=server.extra_env["REDIS_PREFIX"] + "*"):
        name = key.decode()
        match r.type(key).decode():
            case "string":
                values = [r.get(key)]
            case "hash":
                values = [k + b" " + v for k, v in r.hgetall(key).items()]
            case "list":
                values = r.lrange(key, 0, -1)
            case "set":
                values = list(r.smembers(key))
            case "zset":
                values = [m + b" " + str(s).encode() for m, s in r.zrange(key, 0, -1, withscores=True)]
            case "stream":
                values = [json.dumps({k.decode(): v.decode("utf-8", "replace") for k, v in fields.items()}).encode() for _, fields in r.xrange(key)]
            case other:
                raise AssertionError(f"unexpected Redis type {other} at {name}")
        rows += [f"{name}: {v.decode('utf-8', 'replace')}" for v in values]
    assert rows, "nothing found under the prefix"
    return rows


def event_kind(row: str) -> str | None:
    found = re.search(r'"t":"([a-z_]+)"', row)
    return found.group(1) if found else None


async def test_no_stored_record_links_a_vote_to_a_person(store_server):
    server, kind = store_server
    everyone = await cast(server, members=3)
    code, base, f = everyone.code, server.base, everyone.facilitator
    async with http_client() as http:
        extra = [await (await join_with_code(http, base, code, f"Gjest {n}")).connect() for n in range(2)]
        second_member = await (await join_with_invitation(http, everyone.links["participants"][1])).connect()
        # At the door: the third invited member, without a phone.
        staff = Staff(http, base, await _staff(http, everyone.links))
        door = (await staff.get(f"/staff/meetings/{code}/checkin")).text
        invitation_ids = re.findall(r'/checkin/([0-9a-f]+)/without-phone', door)
        third = next(i for i in invitation_ids if derive(SECRET_KEY, f"invitation:{i}") == everyone.links["participants"][2].rsplit("/", 1)[-1])
        assert (await staff.post(f"/staff/meetings/{code}/checkin/{third}/without-phone")).status_code == 303
        people = (await http.get(f"{base}/r/{code}/scribe", headers={"Cookie": "; ".join(f"{k}={v}" for k, v in f.cookies.items())})).text
        at_door = next(p for p in re.findall(rf'href="/r/{code}/scribe/([0-9a-f]+)"', people) if p not in (everyone.scribed, everyone.hosted))
    door_scribe = await Client(base, code, audience="scribe", query=f"&for={at_door}", cookies=f.cookies).connect()
    phones = [everyone.phone, everyone.invited, second_member, *extra]
    scribes = [everyone.scribe, everyone.host, door_scribe]
    await f.command("split_tables", size=3)
    for index in range(9):
        assert (await f.command("start_round", round=index)).result == ("ok", None)
        for client in (*phones, *scribes):
            await vote(client, index)
        if index == 7:  # questions: everyone also upvotes someone else's
            for client in (*phones, *scribes):
                await client.wait_for(lambda c: 'value="upvote"' in c.view)
                item = re.search(r'value="upvote"><input type="hidden" name="item" value="([^"]+)"', client.view).group(1)
                assert (await client.command("upvote", item=item, delta=1, round=7)).result == ("ok", None)
        assert (await f.command("reveal", round=index)).result[0] == "ok"
    assert (await f.command("end_meeting", confirm="yes")).result == ("ok", None)

    # Who is who, as only the devices and the server's key know it.
    seats = [c.cookies[f"ip_seat_{code}"] for c in phones]
    tokens = [link.rsplit("/", 1)[-1] for link in everyone.links["participants"]]
    members = ["demo-0001", "demo-0002", "demo-0003"]
    everything = "\n".join(dump(server, kind))
    pids = set(re.findall(r'"t":"participant_joined","pid":"([^"]+)"', everything))
    joined_members = set(re.findall(r'"t":"participant_joined","pid":"[^"]+","name":"[^"]*","member":"([^"]+)"', everything))
    assert len(pids) == len(phones) + 3 and joined_members == set(members)
    invitation_ids = re.findall(r'"id":"([0-9a-f]{16})"', " ".join(r for r in dump(server, kind) if '"token_hash"' in r))
    person = {
        *pids, *members, *tokens, *(sha256(t) for t in tokens), *invitation_ids, *seats, *(sha256(s) for s in seats),
        *(f.cookies[f"ip_facilitator_{code}"], everyone.host_cookies[f"ip_host_{code}"]),
    }
    ballots = {derive(s, f"ballot:{code}") for s in seats}
    ballots |= {derive(SECRET_KEY, f"scribed-ballot:{code}:{pid}") for pid in (everyone.scribed, everyone.hosted, at_door)}

    rows = dump(server, kind)
    vote_rows = [r for r in rows if event_kind(r) in VOTES]
    assert len(vote_rows) >= (len(phones) + len(scribes)) * 6  # every answering round, by everyone
    found_ballots: set[str] = set()
    for row in vote_rows:
        for secret in person:
            assert secret not in row, (secret, row[:300])
        found_ballots |= {b for b in ballots if b in row}
    # Every voter's votes are there, each under its own ballot key...
    assert found_ballots == ballots
    # ...and no row outside the votes holds a ballot key: nothing ties one to a person.
    for row in rows:
        if event_kind(row) not in VOTES:
            assert not any(b in row for b in ballots), row[:300]
    # The outcome and the histories keep tallies and members' own ideas, never a ballot.
    kept = [r for r in rows if '"rounds":' in r or '"attended":' in r]
    assert kept and not any(b in r for r in kept for b in ballots)
    for client in (*phones, *scribes):
        await client.close()
    await everyone.close()


async def _staff(http, links) -> dict[str, str]:
    cookies: dict[str, str] = {}
    response = await _form_post(http, links["staff"], cookies, {"username": links["staff_username"], "password": links["staff_password"]})
    assert response.status_code == 303
    return cookies
