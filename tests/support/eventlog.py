"""Read what a room's log holds after a test, through the app's own store (SQLite or Redis,
whichever the server process was given), to count what was applied."""

from collections import Counter

from rooms import Event
from rooms.codec import decode_event
from rooms.rounds.dots import DotsCast
from server.auth import ballot_of, seat_cookie_name
from server.settings import Settings
from server.store import open_store


async def room_log(env: dict[str, str], code: str) -> list[tuple[int, Event]]:
    """Every event of room `code` with its sequence number, from the store `env` names."""
    store = await open_store(Settings.from_env(env))
    try:
        return [(seq, decode_event(data)) for seq, data in await store.read(code)]
    finally:
        await store.close()


def ballot(cookies: dict[str, str], code: str) -> str:
    """The ballot key the server derives for the phone holding these cookies."""
    return ballot_of(cookies[seat_cookie_name(code)], code)


def dots_of(events: list[Event]) -> dict[str, Counter]:
    """Per ballot: how many DotsCast events moved each idea, by delta (+1 and -1 apart)."""
    out: dict[str, Counter] = {}
    for event in events:
        if isinstance(event, DotsCast):
            out.setdefault(event.ballot, Counter())[(event.idea, event.delta)] += 1
    return out
