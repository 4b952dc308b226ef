"""Who is in a room: joining, and seating people who arrive after the tables were made."""

from rooms.events import Event, ParticipantJoined, TableAssigned
from rooms.rejection import N_, Rejection
from rooms.state import RoomState
from rooms.text import clean_text

MAX_NAME_LENGTH = 40
NAME_TOO_LONG = Rejection(
    "name_too_long", N_("Please keep your name to %(max)d characters or fewer."), {"max": MAX_NAME_LENGTH}
)


def admit(
    state: RoomState, pid: str, name: str, member: str | None, scribed: bool = False, table: int = 0
) -> list[Event] | Rejection:
    """The events that let `pid` in (none if already in). Seated at `table` if given, otherwise,
    once there are tables, at the smallest one (the first of equals)."""
    if pid in state.participants:
        return []
    name = clean_text(name)
    if len(name) > MAX_NAME_LENGTH:
        return NAME_TOO_LONG
    joined: list[Event] = [ParticipantJoined(pid=pid, name=name, member=member, scribed=scribed)]
    if table:
        joined.append(TableAssigned(pid=pid, table=table))
    elif state.tables:
        sizes = state.table_sizes()
        joined.append(TableAssigned(pid=pid, table=min(sizes, key=lambda t: (sizes[t], t))))
    return joined
