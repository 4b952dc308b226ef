"""The WebSocket endpoint: /ws/rooms/{room}?as=participant|board|facilitator.

Client -> server: JSON objects with at least `cmd` and `nonce` (see docs/protocol.md).
Server -> client: HTML fragments for htmx to swap out-of-band.
"""

import contextlib
import logging
import re
import time

import msgspec
from litestar import WebSocket, websocket
from rooms import Actor, Rejection, Role
from rooms.codec import decode_command
from rooms.scribes import may_scribe
from rooms.rejection import N_

from server.auth import acting_for, identify, origin_allowed
from server.i18n import pick_language
from server.metrics import METRICS
from server.realtime.connection import Audience, Connection
from server.realtime.live_room import LiveRoom
from server.tokens import derive

NONCE = re.compile(r"[A-Za-z0-9_-]{1,64}")

UNREADABLE = Rejection(
    "unreadable", N_("The app did not understand that. Please reload the page and try again.")
)
NO_NONCE = Rejection("no_nonce", N_("The app did not understand that. Please reload the page and try again."))
TOO_FAST = Rejection(
    "rate_limited", N_("You are sending very fast. Please wait a moment and try again.")
)

CLOSE_FORBIDDEN = 4403
CLOSE_NO_ROOM = 4404
CLOSE_INTERNAL = 1011

log = logging.getLogger(__name__)


class _Envelope(msgspec.Struct):
    nonce: str = ""


_envelope = msgspec.json.Decoder(_Envelope)


class TokenBucket:
    """At most `rate` messages a second on average, with bursts up to `burst`."""

    __slots__ = ("rate", "burst", "tokens", "stamp")

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst, self.tokens, self.stamp = rate, burst, float(burst), time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    @property
    def full(self) -> bool:
        return self.tokens + (time.monotonic() - self.stamp) * self.rate >= self.burst


class Buckets:
    """One bucket per sender, shared by all their sockets: a participant who opens ten tabs (or
    ten scripts with the same cookie) still gets one participant's rate."""

    PRUNE_ABOVE = 10_000

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[tuple[str, ...], TokenBucket] = {}

    def of(self, key: tuple[str, ...]) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.PRUNE_ABOVE:
                # A full bucket holds nothing worth keeping: a new one would be the same.
                self._buckets = {k: b for k, b in self._buckets.items() if not b.full}
            bucket = self._buckets[key] = TokenBucket(self.rate, self.burst)
        return bucket


def sender_key(room: str, audience: Audience, actor: Actor, nonce_salt: str) -> tuple[str, ...]:
    """Who is sending, for the rate limit: the participant (whichever device or scribe), or the
    facilitator's or board's device."""
    if actor.role is Role.PARTICIPANT and actor.pid:
        return (room, "participant", actor.pid)
    return (room, audience.value, nonce_salt)


def _nonce_of(text: str) -> str:
    try:
        nonce = _envelope.decode(text).nonce
    except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
        return ""
    return nonce if NONCE.fullmatch(nonce) else ""


@websocket("/ws/rooms/{room:str}")
async def room_socket(socket: WebSocket, room: str) -> None:
    app_state = socket.app.state
    settings, store, hub = app_state.settings, app_state.store, app_state.hub
    try:
        audience = Audience(socket.query_params.get("as", "participant"))
    except ValueError:
        audience = None
    who = await identify(store, room, audience, socket.cookies) if audience else None
    if who is None or not origin_allowed(socket, settings):
        await socket.close(code=CLOSE_FORBIDDEN)
        return
    actor, nonce_salt = who
    await socket.accept()
    found = await hub.room(room)
    if found is None:
        await socket.close(code=CLOSE_NO_ROOM)
        return
    if audience is Audience.SCRIBE:
        # A scribe's socket acts for one person without a phone (?for=<pid>).
        person = found.state.participants.get(socket.query_params.get("for", ""))
        if person is None or not person.scribed:
            await socket.close(code=CLOSE_FORBIDDEN)
            return
        actor = acting_for(actor, person.pid, settings.secret_key, room)
        if may_scribe(found.state, actor) is not None:
            # A host at another table (or one taken back) would see that person's answers.
            await socket.close(code=CLOSE_FORBIDDEN)
            return
    if audience is Audience.BOARD:
        language = found.state.language  # the projector speaks the meeting's language
    else:
        language = pick_language(socket.cookies.get("lang"), socket.headers.get("accept-language"))

    async def send_text(frame: str) -> None:
        await socket.send({"type": "websocket.send", "text": frame, "bytes": None})

    conn = Connection(send_text, audience, actor, language, nonce_salt)  # type: ignore[arg-type]
    live = await hub.attach(room, conn)  # may be a fresh load if the room was let go meanwhile
    if live is None:
        await socket.close(code=CLOSE_NO_ROOM)
        return
    bucket = app_state.buckets.of(sender_key(room, audience, actor, nonce_salt))
    try:
        while True:
            await conn.wait_to_read()
            message = await socket.receive()
            if message["type"] == "websocket.disconnect":
                break
            METRICS.commands += 1
            _handle(live, conn, message.get("text"), bucket, nonce_salt)
    except Exception:
        # Litestar would close with 4500 and log nothing; operators need the trace.
        log.exception("room %s: socket handler failed", room)
        with contextlib.suppress(Exception):
            await socket.close(code=CLOSE_INTERNAL)
    finally:
        hub.detach(live, conn)


def _handle(live: LiveRoom, conn: Connection, text: str | None, bucket: TokenBucket, salt: str) -> None:
    # Every frame counts, binary or not: a flood of anything is a flood.
    if not bucket.take():
        METRICS.commands_rate_limited += 1
        live.send_rejection(conn, None, _nonce_of(text) if text else "", TOO_FAST)
        return
    if text is None:
        live.send_rejection(conn, None, "", UNREADABLE)
        return
    try:
        command = decode_command(text)
    except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):  # deep nesting: refused too
        live.send_rejection(conn, None, _nonce_of(text), UNREADABLE)
        return
    if not NONCE.fullmatch(command.nonce):
        live.send_rejection(conn, command, "", NO_NONCE)
        return
    conn.asked(live.submit(command, conn.actor, derive(salt, command.nonce), conn))
