"""A property-based fuzzer over every HTTP form and every page's query string: random and hostile
field values, missing and extra fields, huge values, wrong content types, garbage in the path.

Expectation: never a 5xx; a refusal (4xx) is an HTML page that says what was wrong, or the form
again with a message. The forms are those of the app's own route table, so a new POST route
fails `test_every_post_route_is_fuzzed` until it is added here."""

import json
import re
from collections import Counter
from urllib.parse import quote, urlencode

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rooms.rounds import ROUND_TYPES
from server.app import create_app
from server.panel.csv_io import COLUMNS
from server.settings import Settings
from tests.conftest import ServerProcess
from tests.security.conftest import fuzz_settings
from tests.security.payloads import EVERYTHING, hostile_text
from tests.security.site import Site, end_meeting, explains_itself, log_in, site

FUZZ = fuzz_settings(400)

MEMBER_FIELDS = [c.field for c in COLUMNS]
ROUND_FIELDS = sorted({f"f_{name}" for t in ROUND_TYPES.values() for name in t.config.labels})
# Every POST route of the app and the fields its form sends.
FORMS: dict[str, list[str]] = {
    "/j/{code:str}": ["join_nonce", "name"],
    "/i/{token:str}": [],
    "/i/{token:str}/answer": ["coming", "accessibility", "dietary"],
    "/r/{code:str}/console/format": ["format"],
    "/r/{code:str}/console/hosts": ["table"],
    "/r/{code:str}/console/rounds/{index:int}": ROUND_FIELDS,
    "/r/{code:str}/scribe": ["name", "table", "form_nonce"],
    "/staff/login": ["username", "password", "next"],
    "/staff/logout": [],
    "/staff/accounts": ["username", "name", "password", "role"],
    "/staff/meetings/new": ["title", "date", "time", "format", "language", "place", "description"],
    "/staff/meetings/{code:str}/checkin/{invitation_id:str}": ["arrived"],
    "/staff/meetings/{code:str}/checkin/{invitation_id:str}/without-phone": [],
    "/staff/meetings/{code:str}/draw/setup": [
        "invite", "tolerance_seats", "tolerance_percent", "history", "keep_edits",
        "min:gender:female", "max:gender:female", "min:age", "max:x:y:z", "min:",
    ],
    "/staff/meetings/{code:str}/draw/lottery": [],
    "/staff/meetings/{code:str}/draw/seed": ["seed"],
    "/staff/meetings/{code:str}/draw/check": [],
    "/staff/meetings/{code:str}/draw/invite": [],
    "/staff/meetings/{code:str}/draw/replace/{member:str}": [],
    "/staff/meetings/{code:str}/follow-up": ["item", "status", "explanation", "decided_on"],
    "/staff/meetings/{code:str}/invite": ["member"],
    "/staff/meetings/{code:str}/invitations/{invitation_id:str}/withdraw": [],
    "/staff/meetings/{code:str}/recap": [],
    "/staff/panel/import": ["file"],
    "/staff/panel/new": MEMBER_FIELDS,
    "/staff/panel/{member_id:str}": MEMBER_FIELDS,
    "/staff/panel/{member_id:str}/erase": ["confirm"],
    "/staff/panel/{member_id:str}/status": ["status"],
    "/i/{token:str}/survey/q/{number:int}": ["choice", "other", "value", "level", "reason", "text", "place_o0", "amount_0", "vote_s1", "skip", "back"],
    "/i/{token:str}/survey/review": [],
    "/staff/surveys/new": ["title", "description", "language"],
    "/staff/surveys/{code:str}/questions": ["type"],
    "/staff/surveys/{code:str}/questions/{index:int}/remove": [],
    "/staff/surveys/{code:str}/questions/{index:int}/move": ["by"],
    "/staff/surveys/{code:str}/questions/{index:int}/items/{item:str}/{action:str}": [],
    "/staff/surveys/{code:str}/open": ["date", "time"],
    "/staff/surveys/{code:str}/close": [],
    "/staff/surveys/{code:str}/mail": ["kind"],
    "/staff/surveys/{code:str}/publish": ["summary"],
    "/staff/surveys/{code:str}/paper/{invitation_id:str}": [],
}
# Pages whose query strings people (or links) fill in.
QUERIES: dict[str, list[str]] = {
    "/": ["code", "error"],
    "/join": ["code"],
    "/lang": ["to", "next"],
    "/i/{token:str}": ["answered"],
    "/r/{code:str}/board": ["key"],
    "/r/{code:str}/console": ["key"],
    "/r/{code:str}/host": ["key"],
    "/staff/login": ["next"],
    "/staff/panel": ["q", "status", "district", "gender", "background", "age"],
    "/staff/panel/{member_id:str}": ["saved"],
    "/staff/meetings/{code:str}/invitees": ["q", "district", "gender", "background", "age"],
    "/staff/meetings/{code:str}": ["recap"],
    "/r/{code:str}/sheets/{index:int}": [],
    "/r/{code:str}/scribe/{pid:str}": [],
    "/staff/meetings/{code:str}/draw/chances.csv": [],
    "/staff/meetings/{code:str}/outcome.csv": [],
}
PLAUSIBLE = {
    "coming": ["yes", "no", "maybe"], "format": ["brainwriting", "1-2-4-all", "world-cafe", "x"],
    "table": ["0", "1", "50", "51", "-1", "x"], "role": ["administrator", "coordinator", "facilitator", "king"],
    "language": ["nb", "nn", "en", "xx"], "date": ["2027-01-31", "2027-02-30", "31.01.2027", ""],
    "time": ["18:00", "25:61", ""], "arrived": ["yes", "no"], "history": ["yes", "no"],
    "keep_edits": ["yes", "no"], "status": ["active", "paused", "withdrawn", "adopted", "considering", "x"],
    "confirm": ["yes", "no"], "invite": ["1", "30", "0", "-5", "99999999999999999999"],
    "birth_year": ["1950", "2030", "1800", "19x0"], "gender": ["female", "kvinne", "x"],
    "item": ["r0i1", "round-0", "round-99", "x"], "decided_on": ["2027-01-01", "2027-13-01", "x"],
    "to": ["nb", "nn", "en", "xx"], "next": ["/staff", "//evil.example", "https://evil.example", "/\\evil.example"],
    "seed": ["042", "", "x" * 65], "member": ["demo-0001", "demo-0002", "nobody"],
}
OK = {200, 303, 400, 401, 403, 404, 405, 409, 410, 413, 415, 429}
TALLY: Counter = Counter()


def value(name: str) -> st.SearchStrategy[str]:
    plausible = st.sampled_from(PLAUSIBLE.get(name, ["", "1", "Kari Nordmann"]))
    long = st.tuples(st.sampled_from(["x", "å", "<", "\u202e"]), st.integers(1000, 100_000)).map(lambda t: t[0] * t[1])
    return st.one_of(plausible, plausible, hostile_text, st.sampled_from(EVERYTHING), long)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # Garbage in the path is mostly wrong meeting codes: lift the per-address limit on guessing
    # them (tested in test_tokens.py), so that the fuzzer reaches the forms.
    proc = ServerProcess(tmp_path_factory.mktemp("forms") / "panel.sqlite3", extra_env={"GUESSES_PER_MINUTE": "1000000"}).start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def here(server) -> dict:
    """A meeting with invitations, a meeting that has ended (for follow-up), and their ids."""
    ended = server.demo(members=1)  # first: each demo gives the demo administrator a new password
    end_meeting(ended)
    s = site(server)
    checkin = s.get(f"/staff/meetings/{s.code}/checkin").text
    # An open survey with one invited member, so the survey forms are reached with real ids too.
    survey = s.post("/staff/surveys/new", {"title": "Fuzz", "language": "nb"}).headers["location"].rsplit("/", 1)[-1]
    s.post(f"/staff/meetings/{survey}/invite", {"member": ["demo-0001"]})
    s.post(f"/staff/surveys/{survey}/open", {"date": "2099-01-01", "time": "12:00"})
    survey_token = re.search(r"/i/(\w+)", s.get(f"/staff/meetings/{survey}/invitations.csv").text).group(1)
    return {
        "site": s,
        "params": {
            "code": [s.code, ended["code"], survey],
            "token": [s.links["participants"][0].rsplit("/", 1)[-1], survey_token],
            "index": ["0", "4", "8"],
            "invitation_id": re.findall(r"/checkin/([0-9a-f]+)", checkin)[:1] or ["x"],
            "member_id": ["demo-0001", "demo-0002"],
            "member": ["demo-0001"],
            "pid": ["nobody"],
            "number": ["1", "3", "0"],
            "item": ["r0i1", "x"],
            "action": ["approve", "hide", "show", "x"],
        },
    }


def fill(path: str, params: dict, draw) -> str:
    """Put real ids (mostly) or garbage into the path's parameters."""

    def one(match: re.Match) -> str:
        name = match.group(1)
        if draw(st.integers(0, 4)) < 4:
            return draw(st.sampled_from(params[name]))
        garbage = draw(st.one_of(hostile_text, st.sampled_from(["..", "%00", "-1", "9" * 30])))
        return quote(raw(garbage[:500]), safe="")  # URLs stay short enough for the HTTP parser

    return re.sub(r"\{(\w+):\w+\}", one, path)


@st.composite
def request(draw, params: dict) -> tuple[str, str, dict]:
    if draw(st.integers(0, 3)) == 0:
        route = draw(st.sampled_from(sorted(QUERIES)))
        query = {k: draw(value(k))[:2000] for k in QUERIES[route] if draw(st.booleans())}  # URLs stay short
        return "GET", fill(route, params, draw), {"params": query}
    route = draw(st.sampled_from(sorted(FORMS)))
    fields = {k: draw(value(k)) for k in FORMS[route] if draw(st.integers(0, 5)) < 5}
    for _ in range(draw(st.integers(0, 2))):
        fields[draw(st.text(max_size=12))] = draw(hostile_text)
    kind = draw(st.sampled_from(["form", "form", "form", "multipart", "json", "text", "empty"]))
    return "POST", fill(route, params, draw), {"kind": kind, "fields": fields}


def raw(text: str) -> bytes:
    """Text as bytes on the wire; a lone surrogate becomes invalid UTF-8, as a broken client sends."""
    return text.encode("utf-8", "surrogatepass")


def send(s: Site, method: str, path: str, how: dict) -> httpx.Response:
    if method == "GET":
        query = urlencode({raw(k): raw(v) for k, v in how["params"].items()})
        return s.http.get(f"{s.base}{path}?{query}", headers=s.header())
    fields, kind = {**how["fields"], "_csrf_token": s.csrf}, how["kind"]
    headers = s.header({}) | {"X-CSRFToken": s.csrf}  # lets the request past CSRF whatever its body
    url = s.base + path
    match kind:
        case "form":
            body = urlencode({raw(k): raw(v) for k, v in fields.items()})
            return s.http.post(url, content=body, headers=headers | {"Content-Type": "application/x-www-form-urlencoded"})
        case "multipart":
            upload = {"file": ("panel.csv", b"\n".join(raw(v) for v in fields.values()), "text/csv")}
            return s.http.post(url, data={k: raw(v) for k, v in fields.items() if k.isprintable()}, files=upload, headers=headers)
        case "json":
            return s.http.post(url, content=json.dumps(fields), headers=headers | {"Content-Type": "application/json"})
        case "text":
            return s.http.post(url, content=json.dumps(fields).encode(), headers=headers | {"Content-Type": "text/plain"})
    return s.http.post(url, headers=headers)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_every_post_route_is_fuzzed():
    app = create_app(Settings(database_path=":memory:", secret_key="x"))
    posts = {r.path for r in app.routes for h in getattr(r, "route_handlers", []) if "POST" in getattr(h, "http_methods", ())}
    assert posts == set(FORMS), posts ^ set(FORMS)


@FUZZ
@given(data=st.data())
def test_any_form_or_query_gets_a_page_that_says_what_was_wrong_never_a_5xx(here, data):
    s: Site = here["site"]
    method, path, how = data.draw(request(here["params"]))
    response = send(s, method, path, how)
    TALLY[response.status_code] += 1
    assert response.status_code in OK, (method, path, response.status_code, response.text[:500])
    if 400 <= response.status_code < 500 and response.status_code != 405:
        assert explains_itself(response), (method, path, response.status_code, response.text[:800])
    if response.status_code == 303 and response.headers["location"].startswith("/staff/login"):
        # The fuzzer logged itself out (or in as someone else): log in again and carry on.
        s.cookies.update(log_in(s.http, s.base, s.links["staff_username"], s.links["staff_password"]))


def test_inputs_that_once_broke_a_page(here):
    """Each of these answered 500 before; the fuzzer (or reading the code) found them."""
    s: Site = here["site"]
    cases = [
        # No member ticked: the multidict had no "member" at all.
        ("/staff/meetings/{code}/invite", {"kind": "form", "fields": {}}),
        # A quota field name without its category.
        ("/staff/meetings/{code}/draw/setup", {"kind": "form", "fields": {"keep_edits": "yes", "invite": "30", "min:age": "1"}}),
        # Joining a meeting that has ended: the refusal page itself crashed (a `name` clash).
        ("/j/{ended}", {"kind": "form", "fields": {"join_nonce": "late", "name": "Kari"}}),
        # A spreadsheet with a bare carriage return (the csv module raised).
        ("/staff/panel/import", {"kind": "multipart", "fields": {"": "\rCR"}}),
        # Bytes that are not UTF-8 in a multipart form.
        ("/r/{code}/console/rounds/0", {"kind": "multipart", "fields": {"f_title": "\ud800"}}),
    ]
    for path, how in cases:
        response = send(s, "POST", path.format(code=s.code, ended=here["params"]["code"][1]), how)
        assert response.status_code < 500 and (response.status_code < 400 or explains_itself(response)), (path, response.status_code)
    # An address cannot put its own words in a red alert on our front page.
    assert "Ring oss" not in s.get("/", params={"error": "Ring oss på 555 55 555"}).text


def test_a_body_over_the_limit_gets_a_page_too(here):
    s: Site = here["site"]
    response = s.http.post(
        f"{s.base}/staff/panel/import", files={"file": ("big.csv", b"x" * 11_000_000, "text/csv")},
        headers=s.header() | {"X-CSRFToken": s.csrf},
    )
    assert response.status_code in (400, 413) and explains_itself(response), response.text[:300]


def test_afterwards_the_server_is_healthy_and_logged_no_crash(server, here):
    assert httpx.get(f"{server.base}/healthz").json() == {"status": "ok"}
    log = server.log_path.read_text()
    assert '"level": "error"' not in log, log[-3000:]
    print(f"\nHTTP fuzzer: {sum(TALLY.values())} requests, statuses {dict(sorted(TALLY.items()))}")

