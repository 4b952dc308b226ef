"""Who is who in a room, from cookies that hold secrets whose hashes are stored.

- Participant: cookie `ip_seat_<room>` holds the seat secret. Its sha256 finds the Seat record
  (the pseudonym); the ballot key is derived from the secret itself, so it is never stored.
- Facilitator / board: cookie `ip_<role>_<room>` holds the key from the meeting's link; its
  sha256 must match the Meeting record.
- Scribe: the facilitator (as above), or a table host whose cookie `ip_host_<room>` holds a key
  whose sha256 finds its HostKey record. A scribe acts for one person without a phone at a time;
  that person's ballot key is derived from SECRET_KEY, the room and the person's pseudonym.
"""

from datetime import UTC, datetime
from urllib.parse import urlsplit

from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from rooms import Actor, Role

from server.realtime.connection import Audience
from server.settings import Settings
from server.store import Store
from server.store.records import HostKey, Meeting, Seat, StaffSession, StaffUser
from server.tokens import derive, hash_token, same

COOKIE_MAX_AGE = 60 * 60 * 24 * 30
STAFF_SESSION_COOKIE = "ip_staff_session"  # a month: a phone that sleeps through a long meeting stays in


def seat_cookie_name(room: str) -> str:
    return f"ip_seat_{room}"


def role_cookie_name(room: str, audience: Audience) -> str:
    return f"ip_{audience.value}_{room}"


def make_cookie(name: str, value: str, settings: Settings) -> Cookie:
    return Cookie(
        key=name,
        value=value,
        path="/",
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="lax",
    )


def host_cookie_name(room: str) -> str:
    return f"ip_host_{room}"


def scribed_ballot(secret_key: str, room: str, pid: str) -> str:
    """The ballot key of someone without a phone. Never stored: the server derives it again
    whenever a scribe acts for them, so the database alone links no vote to them."""
    return derive(secret_key, f"scribed-ballot:{room}:{pid}")


def acting_for(scribe: Actor, pid: str, secret_key: str, room: str) -> Actor:
    """The participant a scribe enters for, marked as entered by that scribe."""
    return Actor(Role.PARTICIPANT, pid=pid, ballot=scribed_ballot(secret_key, room, pid), scribe=scribe.scribe)


def invitation_seat(token: str, room: str) -> tuple[str, str]:
    """The seat secret and pseudonym a personal invitation link has in its room: the same link
    on another device (or next week) is the same participant."""
    return derive(token, f"seat:{room}"), derive(token, f"pid:{room}")[:12]


def ballot_of(secret: str, room: str) -> str:
    return derive(secret, f"ballot:{room}")


def nonce_salt_of(secret: str, room: str) -> str:
    return derive(secret, f"nonce:{room}")


def key_matches(meeting: Meeting, audience: Audience, key: str | None) -> bool:
    if not key:
        return False
    expected = {Audience.FACILITATOR: meeting.facilitator_key, Audience.BOARD: meeting.board_key}
    stored = expected.get(audience)
    return stored is not None and same(stored, hash_token(key))


async def participant(store: Store, room: str, secret: str | None) -> Actor | None:
    if not secret:
        return None
    seat = await store.get(Seat, hash_token(secret))
    if seat is None or seat.room != room:
        return None
    return Actor(Role.PARTICIPANT, pid=seat.pid, ballot=ballot_of(secret, room))


async def identify(
    store: Store, room: str, audience: Audience, cookies: dict[str, str]
) -> tuple[Actor, str] | None:
    """The actor behind a connection and the salt for its nonces, or None if not allowed."""
    if audience is Audience.PARTICIPANT:
        secret = cookies.get(seat_cookie_name(room))
        actor = await participant(store, room, secret)
        return (actor, nonce_salt_of(secret, room)) if actor and secret else None
    if audience is Audience.SCRIBE:
        return await scribe(store, room, cookies)
    meeting = await store.get(Meeting, room)
    if meeting is None:
        return None
    key = cookies.get(role_cookie_name(room, audience))
    if not key_matches(meeting, audience, key):
        # Logged-in staff may run any meeting without its link.
        key = await staff_key(store, cookies.get(STAFF_SESSION_COOKIE))
        if key is None:
            return None
    role = Role.FACILITATOR if audience is Audience.FACILITATOR else Role.BOARD
    return Actor(role), nonce_salt_of(key, room)  # type: ignore[arg-type]


async def scribe(store: Store, room: str, cookies: dict[str, str]) -> tuple[Actor, str] | None:
    """A table host (by its own key) or else the facilitator, as a scribe; None if neither."""
    key = cookies.get(host_cookie_name(room))
    if key:
        found = await store.get(HostKey, hash_token(key))
        if found is not None and found.room == room:
            return Actor(Role.HOST, scribe=found.host), nonce_salt_of(key, room)
    facilitator = await identify(store, room, Audience.FACILITATOR, cookies)
    if facilitator is None:
        return None
    return Actor(Role.FACILITATOR, scribe="facilitator"), facilitator[1]


async def session_user(store: Store, token: str | None) -> StaffUser | None:
    """The staff user a session cookie belongs to, while the session lasts."""
    if not token:
        return None
    session = await store.get(StaffSession, hash_token(token))
    if session is None or session.expires_at <= datetime.now(UTC):
        return None
    user = await store.get(StaffUser, session.username)
    return user if user is not None and user.active else None


async def staff_key(store: Store, token: str | None) -> str | None:
    """For a live staff session: the session's own secret, to scope the socket's nonces."""
    return token if await session_user(store, token) is not None else None


def origin_allowed(connection: ASGIConnection, settings: Settings) -> bool:
    """Refuse cross-site WebSocket hijacking: a browser always sends Origin, and it must be us.
    Clients that are not browsers send none and must present their own cookies anyway."""
    origin = connection.headers.get("origin")
    if origin is None:
        return True
    host = urlsplit(origin).netloc.lower()
    return host in {connection.headers.get("host", "").lower(), urlsplit(settings.base_url).netloc.lower()}
