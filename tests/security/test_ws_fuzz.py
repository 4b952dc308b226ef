"""A property-based fuzzer over every WebSocket command, from every audience, against one real
server: wrong types, missing and extra fields, huge and hostile strings, deep nesting, binary
frames, invalid UTF-8, unknown and server-only commands.

Every message must get exactly one answer frame: `ok` only where the sender's role allows the
command, otherwise a refusal in the sender's language (a message of the Bokmål catalog). The
socket stays open, the server stays healthy and logs no crash, and the store holds only clean
text and only the events the senders were entitled to cause.

The per-socket rate limit is lifted here so that every message reaches the rules; the flood is
tested in test_ws_flood.py."""

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from itertools import count

import httpx
import msgspec
import pytest
from anyio.from_thread import start_blocking_portal
from hypothesis import assume, given
from hypothesis import strategies as st

from rooms.codec import CLIENT_COMMAND_TYPES
from rooms.rounds import ROUND_TYPES
from rooms.text import clean_text
from server.meetings.service import demo_plan
from tests.conftest import ServerProcess
from tests.security.conftest import events, fuzz_settings, in_catalog, notice_of, strings_in
from tests.security.payloads import garbage, hostile_text, huge_numbers, json_text
from tests.support.cast import cast
from tests.support.phone import Client, Frame

FUZZ = fuzz_settings(40)

COMMANDS = {c.__struct_config__.tag: c for c in CLIENT_COMMAND_TYPES}
# Built by the server from pages and forms; never accepted from a socket.
SERVER_ONLY = {
    "join": ["pid", "name", "member"],
    "add_person": ["pid", "name", "table", "member"],
    "add_host": ["host", "table"],
    "set_recap": ["lines"],
    "replace_round": ["round", "config"],
    "replace_plan": ["plan"],
}
FIELDS = {tag: [f.name for f in msgspec.structs.fields(c) if f.name != "nonce"] for tag, c in COMMANDS.items()}
FIELDS |= SERVER_ONLY
PARTICIPANT_COMMANDS = {tag for tag, c in COMMANDS.items() if "participant" in {r.value for r in c.roles}}
# What participants' commands may leave in the log; anything else needs the facilitator.
PARTICIPANT_EVENTS = {
    "item_posted", "dots_cast", "poll_answered", "scale_answered", "consent_given", "ranking_given",
    "budget_allocated", "question_upvoted", "statement_rated", "ballot_seated", "scribe_entry",
    "help_requested", "help_cleared",
}
DEMO_PLAN = [c.type for c in demo_plan()]  # every round type, in the demo meeting's order
IDS = [f"r{r}i{i}" for r in (0, 7, 8) for i in range(1, 4)] + ["s1", "s2", "s7", "r0t1", "o0", "o1", "", "r99i1"]


def plausible(name: str) -> st.SearchStrategy:
    """Values close to what the forms send, so messages get past decoding to the rules."""
    match name:
        case "round":
            return st.integers(-2, 10) | st.sampled_from(["0", "3", "x", None])
        case "idea" | "item" | "into" | "statement" | "theme":
            return st.sampled_from(IDS)
        case "option":
            return st.integers(-1, 5) | st.sampled_from(["o0", "o3", "r0i1", "1"])
        case "delta" | "by":
            return st.sampled_from([1, -1, 0, 2, -5, "1"])
        case "level" | "value":
            return st.integers(-1, 12)
        case "vote":
            return st.sampled_from(["agree", "disagree", "pass", "maybe", ""])
        case "live" | "answered":
            return st.booleans() | st.sampled_from(["true", "false", 1])
        case "size" | "table":
            return st.integers(-1, 60)
        case "seconds":
            return st.integers(-1, 20000)
        case "type":
            return st.sampled_from([*ROUND_TYPES, "nope", ""])
        case _:
            return hostile_text


def value_for(name: str) -> st.SearchStrategy:
    # Mostly plausible, sometimes the wrong type altogether.
    return st.integers(0, 9).flatmap(
        lambda k: plausible(name) if k < 6 else (hostile_text, garbage, huge_numbers, hostile_text)[k - 6]
    )


@st.composite
def command_message(draw, names: list[str], likely: list[str] = ()) -> str | bytes:
    name = draw(st.sampled_from(likely) if likely and draw(st.booleans()) else st.sampled_from(names))
    body: dict[str, object] = {"cmd": name}
    for field_name in FIELDS.get(name, []):
        if draw(st.integers(0, 9)) < 9:  # now and then a field is missing
            body[field_name] = draw(value_for(field_name))
    for _ in range(draw(st.integers(0, 2))):
        body[draw(st.text(max_size=10))] = draw(garbage)
    text = json_text(body)
    return text.encode() if draw(st.integers(0, 19)) == 19 else text  # now and then a binary frame


def deep(depth: int, kind: str) -> str:
    return ("[" * depth + "]" * depth) if kind == "[" else ('{"a":' * depth + "1" + "}" * depth)


raw_message = st.one_of(
    st.text(max_size=200),
    st.binary(max_size=200),
    st.sampled_from([b"\xff\xfe\xfd", b"\xc3\x28", b'{"cmd":"post_idea","text":"\xed\xa0\x80"}', b"\x00" * 64]),
    st.sampled_from(["", "null", "[]", "1", '"post_idea"', "{}", '{"cmd":null}', '{"cmd":', "{'cmd':'dot'}", "NaN"]),
    st.tuples(st.integers(100, 12000), st.sampled_from(["[", "{"])).map(lambda t: deep(*t)),
    st.tuples(st.integers(100, 9000), st.sampled_from(["[", "{"])).map(
        lambda t: '{"cmd":"post_idea","nonce":"NONCE","text":"x","junk":' + deep(*t) + "}"
    ),
)


@dataclass
class Tally:
    sent: int = 0
    results: Counter = field(default_factory=Counter)
    nonces: count = field(default_factory=count)


TALLY = Tally()
STARTED: set[int] = set()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    proc = ServerProcess(
        tmp_path_factory.mktemp("fuzz") / "panel.sqlite3", extra_env={"WS_RATE": "100000", "WS_BURST": "100000"}
    ).start()
    yield proc
    proc.stop()
    print(f"\nWebSocket fuzzer: {TALLY.sent} messages, answers {dict(TALLY.results)}")


@pytest.fixture(scope="module")
def portal():
    """One event loop, in a thread, for the module's sockets: hypothesis calls the test once per
    example, synchronously, and each call runs its exchange on this loop."""
    with start_blocking_portal() as portal:
        yield portal


@pytest.fixture(scope="module")
def room(server, portal):
    everyone = portal.call(cast, server)
    yield everyone, len(events(server.database, everyone.code))
    portal.call(everyone.close)


@pytest.fixture(scope="module")
def open_room(server, portal):
    """A second meeting where the facilitator's commands are fuzzed too."""
    everyone = portal.call(cast, server)
    yield everyone
    portal.call(everyone.close)


def answers(client: Client) -> int:
    return sum(1 for f in client.frames if "data-result=" in f.text)


def prepare(payload: str | bytes) -> str | bytes:
    """A fresh nonce, so that no answer is a replay of another's; and under the frame limit."""
    if isinstance(payload, str) and "NONCE" in payload:
        payload = payload.replace("NONCE", f"fz{next(TALLY.nonces)}")
    elif isinstance(payload, str) and payload.startswith('{"cmd"'):
        try:
            body = json.loads(payload)
        except ValueError:
            body = None
        if isinstance(body, dict):
            body["nonce"] = f"fz{next(TALLY.nonces)}"
            payload = json_text(body)
    assume(len(payload.encode() if isinstance(payload, str) else payload) < 65000)
    return payload


async def exchange(client: Client, payload: str | bytes) -> Frame:
    """Send one message and wait for its one answer frame."""
    before = answers(client)
    assert client.ws is not None
    await client.ws.send(payload)
    await client.wait_for(lambda c: answers(c) > before)
    frame = [f for f in client.frames if "data-result=" in f.text][before]
    TALLY.sent += 1
    TALLY.results[frame.result[1] or frame.result[0]] += 1
    return frame


def check_answer(frame: Frame, audience: str, payload: str | bytes) -> None:
    result, reason = frame.result
    assert result in ("ok", "rejected"), frame.text[:300]
    if result == "rejected":
        assert reason, frame.text[:300]
        text = notice_of(frame.text)
        assert in_catalog(text), (reason, text)  # a clear message, in the sender's language (Bokmål)
        return
    # Accepted: only a command this audience may send.
    name = re.match(r'\{"cmd": ?"([^"]*)"', payload.decode() if isinstance(payload, bytes) else payload).group(1)
    assert audience != "board", payload
    if audience != "facilitator":
        assert name in PARTICIPANT_COMMANDS, (audience, payload[:200])


def test_the_demo_meeting_has_every_round_type():
    assert sorted(DEMO_PLAN) == sorted(ROUND_TYPES)


@pytest.mark.parametrize("index", range(len(DEMO_PLAN)))
@FUZZ
@given(data=st.data())
def test_every_audience_gets_a_clear_answer_to_anything_in_every_round(portal, room, index, data):
    everyone, _ = room
    if index not in STARTED:
        STARTED.add(index)
        started = portal.call(partial(everyone.facilitator.command, "start_round", round=index))
        assert started.result == ("ok", None)
    audience = data.draw(st.sampled_from(["phone", "invited", "scribe", "host", "board"]))
    client = everyone.clients[audience]
    # Half the time a command of the open round, so that many messages get to its rules.
    likely = [c.__struct_config__.tag for c in ROUND_TYPES[DEMO_PLAN[index]].commands]
    payload = data.draw(st.one_of(command_message([*FIELDS, "launch_rockets", ""], likely), command_message(list(FIELDS)), raw_message))
    payload = prepare(payload)
    frame = portal.call(exchange, client, payload)
    check_answer(frame, audience, payload)


@fuzz_settings(150)
@given(data=st.data())
def test_the_facilitator_too_gets_a_clear_answer_to_anything(portal, open_room, data):
    everyone = open_room
    audience = data.draw(st.sampled_from(["facilitator", "facilitator", "phone", "scribe", "host", "board"]))
    names = [n for n in FIELDS if n != "end_meeting"]  # ending is final; it is tested on its own
    payload = data.draw(st.one_of(command_message(names), raw_message))
    payload = prepare(payload)
    frame = portal.call(exchange, everyone.clients[audience], payload)
    check_answer(frame, audience, payload)


def test_afterwards_the_server_is_healthy_and_stored_only_what_it_should(server, portal, room, open_room):
    everyone, baseline = room
    assert httpx.get(f"{server.base}/healthz").json() == {"status": "ok"}
    # Every socket is still open and answers.
    for audience, client in [*everyone.clients.items(), *open_room.clients.items()]:
        frame = portal.call(client.command, "request_help")
        assert frame.result[0] in ("ok", "rejected"), audience
    # Only participants' commands changed the first room after the facilitator's round starts.
    stored = events(server.database, everyone.code, baseline)
    kinds = Counter(e["t"] for e in stored)
    assert set(kinds) - PARTICIPANT_EVENTS <= {"round_started", "round_closed", "results_revealed"}, kinds
    assert kinds["round_started"] == len(ROUND_TYPES)
    assert kinds["item_posted"] > 0 and sum(kinds.values()) > 2 * len(ROUND_TYPES)  # the fuzzer reached the rules
    # Whatever was stored is clean text: no control characters, no direction overrides.
    for event in [*stored, *events(server.database, open_room.code)]:
        for text in event_strings(event):
            assert clean_text(text) == text, (event["t"], text[:80])
            assert len(text) <= 400, (event["t"], len(text))
    log = server.log_path.read_text()
    for sign in ("Traceback", "unhandled error", "batch failed", "ERROR"):
        assert sign not in log, log[-3000:]
    assert TALLY.sent >= 200


def event_strings(event: dict) -> list[str]:
    # Plan configs carry the staff's own texts and defaults; people's input is everywhere else.
    return strings_in({k: v for k, v in event.items() if k not in ("plan",)})

