"""Role checks, exhaustively, over real sockets and HTTP: every command from every audience, every
staff and console page for people who are not staff, every staff route for every staff role,
hidden and waiting text, tallies before the reveal, keys used in another room, table hosts at
another table."""

import re

import httpx
import msgspec
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from rooms.codec import CLIENT_COMMAND_TYPES
from server.app import create_app
from server.settings import Settings
from tests.conftest import ServerProcess
from tests.security.conftest import events
from tests.security.site import CSRF, cookies_of, explains_itself, log_in, plain_client, site
from tests.support.cast import add_person, cast, host_cookies, vote
from tests.support.phone import Client, cookie_header, http_client, join_with_code

pytestmark = pytest.mark.anyio

IDEAS, DOTS, POLL, SCALE, CONSENT, RANKING, BUDGET, QA, STATEMENTS = range(9)
# What shows a round's tallies on a screen (rounds/_bars.html and the round types' own tables).
TALLY_MARKS = ('class="results"', 'class="statement-results"', 'class="scale-summary"', "ranking-table")


def example_fields(command: type) -> dict:
    """Well-formed values for a command's fields, so that only the role check can refuse it."""
    values = {int: 0, str: "r0i1", bool: True}
    return {
        f.name: values.get(f.type, 0 if "int" in str(f.type) else "r0i1")
        for f in msgspec.structs.fields(command) if f.name != "nonce" and f.required
    }


FACILITATOR_COMMANDS = [
    (c.__struct_config__.tag, example_fields(c)) for c in CLIENT_COMMAND_TYPES
    if "participant" not in {r.value for r in c.roles}
]
EVERY_COMMAND = [(c.__struct_config__.tag, example_fields(c)) for c in CLIENT_COMMAND_TYPES]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # Hundreds of commands one after another: the per-participant rate limit is not under test.
    proc = ServerProcess(tmp_path_factory.mktemp("roles") / "panel.sqlite3", extra_env={"WS_RATE": "10000", "WS_BURST": "10000"}).start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def routes() -> dict[str, set[str]]:
    app = create_app(Settings(database_path=":memory:", secret_key="x"))
    found: dict[str, set[str]] = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for method in getattr(handler, "http_methods", ()):
                found.setdefault(method, set()).add(route.path)
    return found


def shows_tally(view: str) -> bool:
    return any(mark in view for mark in TALLY_MARKS)


async def test_no_audience_but_the_facilitator_can_run_the_meeting(server):
    everyone = await cast(server)
    before = len(events(server.database, everyone.code))
    for audience in ("phone", "invited", "scribe", "host", "board"):
        client = everyone.clients[audience]
        commands = EVERY_COMMAND if audience == "board" else FACILITATOR_COMMANDS
        for name, fields in commands:
            frame = await client.command(name, **fields)
            assert frame.result == ("rejected", "not_allowed"), (audience, name, frame.text[:200])
    # Commands only the server may send are not even understood from a socket.
    for client in everyone.clients.values():
        for name, fields in (("join", {"pid": "x"}), ("add_person", {"pid": "x"}), ("add_host", {"host": "x"}),
                             ("set_recap", {"lines": []}), ("replace_plan", {"plan": []})):
            assert (await client.command(name, **fields)).result == ("rejected", "unreadable"), name
    assert len(events(server.database, everyone.code)) == before  # nothing stored
    await everyone.close()


async def test_hidden_and_waiting_text_reaches_nobody_but_its_author_and_the_facilitator(server):
    everyone = await cast(server)
    f, phone, invited, board = everyone.facilitator, everyone.phone, everyone.invited, everyone.board
    others = [phone, board, everyone.scribe, everyone.host]
    await f.command("start_round", round=IDEAS)
    assert (await phone.command("post_idea", text="Synlig idé om benker")).result == ("ok", None)
    assert (await invited.command("post_idea", text="Skjult idé ABC")).result == ("ok", None)
    # Until the facilitator shows them, each phone sees only its own ideas.
    assert "Skjult idé ABC" not in phone.view and "Synlig idé" not in invited.view
    await f.wait_for(lambda c: "Skjult idé ABC" in c.view)
    hidden = re.search(r'name="item" value="(r0i\d+)">[^<]*<button[^>]*>[^<]*<span class="ds-sr-only"> Skjult idé ABC', f.view)
    assert hidden, f.view[:2000]
    assert (await f.command("hide", item=hidden.group(1), round=IDEAS)).result == ("ok", None)
    # The dot round shows the ideas to everyone: not the hidden one, and it takes no dots.
    done = await f.command("start_round", round=DOTS)
    for client in others:
        await client.wait_for(lambda c, seq=done.seq: c.view_seq >= seq)
        assert "Skjult idé ABC" not in client.view, client.audience
        assert client is board or "Synlig idé om benker" in client.view, client.audience  # the board shows only progress
    assert (await phone.command("dot", idea=hidden.group(1), round=DOTS)).result == ("rejected", "no_such_idea")
    done = await f.command("reveal", round=DOTS)
    for client in others:
        await client.wait_for(lambda c, seq=done.seq: c.view_seq >= seq)
        assert "Skjult idé ABC" not in client.view
    assert "Synlig idé om benker" in board.view  # the results name the ideas, all but the hidden one
    # A statement a participant adds waits for the facilitator before anyone else sees it.
    await f.command("start_round", round=STATEMENTS)
    await phone.wait_for(lambda c: 'value="add_statement"' in c.view)
    assert (await phone.command("add_statement", text="Ny påstand XYZ", round=STATEMENTS)).result == ("ok", None)
    await f.wait_for(lambda c: "Ny påstand XYZ" in c.view)
    waiting = re.search(r'name="item" value="([^"]+)">[^<]*<button[^>]*>[^<]*<span class="ds-sr-only"> Ny påstand XYZ', f.view)
    assert waiting, f.view[:2000]
    for client in (invited, board, everyone.scribe):
        assert "Ny påstand XYZ" not in client.view
    item = waiting.group(1)
    assert (await invited.command("rate", statement=item, vote="agree", round=STATEMENTS)).result == ("rejected", "no_such_statement")
    assert (await f.command("approve", item=item, round=STATEMENTS)).result == ("ok", None)
    assert (await invited.command("rate", statement=item, vote="agree", round=STATEMENTS)).result == ("ok", None)
    await everyone.close()


async def test_no_one_but_the_facilitator_sees_a_tally_before_the_reveal(server):
    everyone = await cast(server)
    f, board = everyone.facilitator, everyone.board
    async with http_client() as http:
        bystander = await (await join_with_code(http, server.base, everyone.code, "Ser bare på")).connect()
    watchers = [everyone.phone, everyone.invited, everyone.scribe, everyone.host, bystander, board]
    await f.command("start_round", round=IDEAS)
    for client in (everyone.phone, everyone.invited):
        await client.command("post_idea", text=f"Idé fra {client.audience} {id(client)}")
    for index in (DOTS, POLL, SCALE, CONSENT, RANKING, BUDGET, STATEMENTS):
        started = await f.command("start_round", round=index)
        assert started.result == ("ok", None)
        for voter in (everyone.phone, everyone.invited, everyone.scribe, everyone.host):
            await vote(voter, index)
        closed = await f.command("close_round", round=index)
        await f.wait_for(lambda c, seq=closed.seq: c.view_seq >= seq)
        assert shows_tally(f.view), index  # the facilitator alone sees the live tally
        shown = await f.command("reveal", round=index)
        for client in (bystander, board):
            await client.wait_for(lambda c: shows_tally(c.view))
        # Every view any of them was sent before the reveal showed no tally, at any moment.
        for client in watchers:
            early = [frame for frame in client.frames if 'id="view"' in frame.text and started.seq <= frame.seq < shown.seq]
            assert early and not any(shows_tally(frame.text.split('id="view"', 1)[1]) for frame in early), (index, client.audience)
    await bystander.close()
    await everyone.close()


async def test_keys_and_seats_work_only_in_their_own_room(server):
    a, b = await cast(server), await cast(server)
    ws = server.base.replace("http", "ws")
    moved = {
        "participant": {f"ip_seat_{b.code}": a.phone.cookies[f"ip_seat_{a.code}"]},
        "facilitator": {f"ip_facilitator_{b.code}": a.facilitator.cookies[f"ip_facilitator_{a.code}"]},
        "board": {f"ip_board_{b.code}": a.board.cookies[f"ip_board_{a.code}"]},
        "scribe": {f"ip_host_{b.code}": a.host_cookies[f"ip_host_{a.code}"]},
    }
    for audience, cookies in moved.items():
        query = f"&for={b.hosted}" if audience == "scribe" else ""
        with pytest.raises(InvalidStatus) as refused:
            await connect(f"{ws}/ws/rooms/{b.code}?as={audience}{query}", additional_headers=cookie_header(cookies))
        assert refused.value.response.status_code == 403, audience
    async with httpx.AsyncClient() as http:
        for path, cookies in ((f"/r/{b.code}/console", moved["facilitator"]), (f"/r/{b.code}/board", moved["board"]),
                              (f"/r/{b.code}/scribe", moved["scribe"]), (f"/r/{b.code}/scribe", moved["facilitator"])):
            page = await http.get(server.base + path, headers=cookie_header(cookies))
            assert page.status_code == 403 and explains_itself(page), path
        seat = await http.get(f"{server.base}/r/{b.code}", headers=cookie_header(moved["participant"]))
        assert seat.status_code == 303 and seat.headers["location"] == f"/j/{b.code}"  # asked to join, as a stranger
    await a.close()
    await b.close()


async def test_a_table_host_acts_only_at_their_own_table(server):
    everyone = await cast(server)
    async with http_client() as http:
        table_one = await host_cookies(http, server.base, everyone.code, everyone.facilitator.cookies, table=1)
        at_two = await add_person(http, server.base, everyone.code, everyone.facilitator.cookies, "Per ved bord to", table=2)
        at_one = await add_person(http, server.base, everyone.code, table_one, "Anne ved bord en")
        # The host's own list shows their table only.
        listed = await http.get(f"{server.base}/r/{everyone.code}/scribe", headers=cookie_header(table_one))
        assert at_one in listed.text and at_two not in listed.text
        # Nor can the host open that person's page (it shows their answers) or their socket.
        other = await http.get(f"{server.base}/r/{everyone.code}/scribe/{at_two}", headers=cookie_header(table_one))
        assert other.status_code == 403 and explains_itself(other)
    ws = server.base.replace("http", "ws")
    async with connect(f"{ws}/ws/rooms/{everyone.code}?as=scribe&for={at_two}", additional_headers=cookie_header(table_one)) as socket:
        with pytest.raises(ConnectionClosed):
            await socket.recv()  # closed before any view is sent
        assert socket.close_code == 4403
    mine = await Client(server.base, everyone.code, audience="scribe", query=f"&for={at_one}", cookies=table_one).connect()
    await everyone.facilitator.command("start_round", round=IDEAS)
    assert (await mine.command("post_idea", text="Fra bord en", round=IDEAS)).result == ("ok", None)
    await mine.close()
    await everyone.close()


NOT_STAFF = ("phone", "invited", "board", "facilitator_link", "host")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
async def test_people_who_are_not_staff_reach_no_staff_page_and_only_their_own_console(server, routes):
    everyone = await cast(server)
    code = everyone.code
    staff_paths = sorted(p for m in ("GET", "POST") for p in routes[m] if p.startswith("/staff") and p != "/staff/login")
    console_paths = sorted(p for m in ("GET", "POST") for p in routes[m]
                           if p.startswith("/r/{code:str}/") and any(w in p for w in ("console", "scribe", "sheets")))
    params = {"code": code, "invitation_id": "x", "member_id": "demo-0001", "member": "demo-0001", "index": "0", "pid": everyone.scribed,
              "number": "1", "item": "x", "action": "approve", "kind": "csv"}
    jars = {
        "phone": everyone.phone.cookies, "invited": everyone.invited.cookies, "board": everyone.board.cookies,
        "facilitator_link": everyone.facilitator.cookies, "host": everyone.host_cookies,
    }
    before = len(events(server.database, code))
    async with httpx.AsyncClient() as http:
        page = await http.get(f"{server.base}/j/{code}")
        token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        csrf = cookies_of(page, {})
        for who, jar in jars.items():
            headers = cookie_header({**jar, **csrf})
            for path in staff_paths:
                url = server.base + re.sub(r"\{(\w+):\w+\}", lambda m: params[m.group(1)], path)
                for method in ("GET", "POST"):
                    if path not in routes[method]:
                        continue
                    response = await http.request(method, url, headers=headers, data={"_csrf_token": token} if method == "POST" else None)
                    if path.endswith("/progress"):  # polled by htmx on the draw page: a bare refusal
                        assert response.status_code == 403, (who, path)
                        continue
                    assert response.status_code == 303 and response.headers["location"].startswith("/staff/login"), (who, method, path, response.status_code)
            for path in console_paths:
                url = server.base + re.sub(r"\{(\w+):\w+\}", lambda m: params[m.group(1)], path)
                for method in ("GET", "POST"):
                    if path not in routes[method]:
                        continue
                    response = await http.request(method, url, headers=headers, data={"_csrf_token": token, "table": "1", "name": "x"} if method == "POST" else None)
                    allowed = who == "facilitator_link" or (who == "host" and "scribe" in path or who == "host" and "sheets" in path)
                    if not allowed:
                        assert response.status_code == 403 and explains_itself(response), (who, method, path, response.status_code)
    # Nothing those refused requests asked for was stored (the allowed ones add people and hosts).
    stored = [e["t"] for e in events(server.database, code, before)]
    assert set(stored) <= {"participant_joined", "table_assigned", "host_added", "plan_changed"}, stored
    await everyone.close()


# The least role each staff route needs (facilitator < coordinator < administrator). A new
# route fails the test below until it is given its role here.
STAFF_ROLES = {
    "/staff": "facilitator",
    "/staff/logout": "facilitator",
    "/staff/meetings/{code:str}": "facilitator",
    "/staff/meetings/{code:str}/outcome.json": "facilitator",
    "/staff/meetings/{code:str}/outcome.csv": "facilitator",
    "/staff/meetings/{code:str}/checkin": "facilitator",
    "/staff/meetings/{code:str}/checkin/{invitation_id:str}": "facilitator",
    "/staff/meetings/{code:str}/checkin/{invitation_id:str}/without-phone": "facilitator",
    "/staff/meetings/new": "coordinator",
    "/staff/meetings/{code:str}/follow-up": "coordinator",
    "/staff/meetings/{code:str}/recap": "coordinator",
    "/staff/meetings/{code:str}/invitees": "coordinator",
    "/staff/meetings/{code:str}/invite": "coordinator",
    "/staff/meetings/{code:str}/invitations/{invitation_id:str}/withdraw": "coordinator",
    "/staff/meetings/{code:str}/letters": "coordinator",
    "/staff/meetings/{code:str}/invitations.csv": "coordinator",
    "/staff/meetings/{code:str}/draw": "coordinator",
    "/staff/meetings/{code:str}/draw/progress": "coordinator",
    "/staff/meetings/{code:str}/draw/setup": "coordinator",
    "/staff/meetings/{code:str}/draw/lottery": "coordinator",
    "/staff/meetings/{code:str}/draw/seed": "coordinator",
    "/staff/meetings/{code:str}/draw/check": "coordinator",
    "/staff/meetings/{code:str}/draw/invite": "coordinator",
    "/staff/meetings/{code:str}/draw/replace/{member:str}": "coordinator",
    "/staff/meetings/{code:str}/draw/document.json": "coordinator",
    "/staff/meetings/{code:str}/draw/chances.csv": "coordinator",
    "/staff/panel": "coordinator",
    "/staff/panel/new": "coordinator",
    "/staff/panel/import": "coordinator",
    "/staff/panel/export.csv": "coordinator",
    "/staff/panel/composition": "coordinator",
    "/staff/panel/{member_id:str}": "coordinator",
    "/staff/panel/{member_id:str}/status": "coordinator",
    "/staff/panel/{member_id:str}/export.json": "coordinator",
    "/staff/panel/{member_id:str}/erase": "coordinator",
    "/staff/accounts": "administrator",
    "/staff/audit": "administrator",
    "/staff/surveys/new": "coordinator",
    "/staff/surveys/{code:str}/questions": "coordinator",
    "/staff/surveys/{code:str}/questions/{index:int}/remove": "coordinator",
    "/staff/surveys/{code:str}/questions/{index:int}/move": "coordinator",
    "/staff/surveys/{code:str}/questions/{index:int}/items/{item:str}/{action:str}": "facilitator",
    "/staff/surveys/{code:str}/open": "coordinator",
    "/staff/surveys/{code:str}/close": "coordinator",
    "/staff/surveys/{code:str}/preview/{number:int}": "facilitator",
    "/staff/surveys/{code:str}/results": "facilitator",
    "/staff/surveys/{code:str}/mail": "coordinator",
    "/staff/surveys/{code:str}/publish": "coordinator",
    "/staff/surveys/{code:str}/paper/{invitation_id:str}": "coordinator",
    "/staff/surveys/{code:str}/answers/{kind:str}": "coordinator",
}
RANK = {"facilitator": 1, "coordinator": 2, "administrator": 3}


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_staff_roles_cannot_exceed_their_role(server, routes):
    s = site(server, members=2)
    staff_paths = {p for m in ("GET", "POST") for p in routes[m] if p.startswith("/staff") and p != "/staff/login"}
    assert staff_paths == set(STAFF_ROLES), staff_paths ^ set(STAFF_ROLES)
    with plain_client() as http:
        for role in ("facilitator", "coordinator"):
            made = s.post("/staff/accounts", {"username": f"sec-{role}", "name": role, "role": role, "password": "a long password 123"})
            assert made.status_code == 303
        sessions = {role: log_in(http, server.base, f"sec-{role}", "a long password 123") for role in ("facilitator", "coordinator")}
        before = (len(events(server.database, s.code)), s.get("/staff/panel").text.count("<tr"))
        params = {"code": s.code, "invitation_id": "x", "member_id": "demo-0001", "member": "demo-0001",
                  "index": "0", "number": "1", "item": "x", "action": "approve", "kind": "csv"}
        for role, cookies in sessions.items():
            headers = cookie_header(cookies)
            for path in sorted(STAFF_ROLES):
                if path == "/staff/logout":
                    continue
                url = server.base + re.sub(r"\{(\w+):\w+\}", lambda m: params[m.group(1)], path)
                allowed = RANK[role] >= RANK[STAFF_ROLES[path]]
                for method in ("GET", "POST"):
                    if path not in routes[method]:
                        continue
                    response = http.request(method, url, headers=headers, data={"_csrf_token": cookies["csrftoken"]} if method == "POST" else None)
                    if allowed:
                        assert response.status_code != 403 and not response.headers.get("location", "").startswith("/staff/login"), (role, method, path)
                    elif path.endswith("/progress"):
                        assert response.status_code == 403, (role, path)  # polled by htmx: a bare refusal
                    else:
                        assert response.status_code == 403 and "Rollen din gir ikke tilgang til dette" in response.text, (role, method, path, response.status_code)
    # The refused requests changed nothing in the panel.
    assert s.get("/staff/panel").text.count("<tr") == before[1]
