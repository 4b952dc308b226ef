"""The pure domain of a live meeting: commands in, events out.

Nothing here does I/O or imports the server, Litestar, Jinja2 or redis. A room's state is the fold
of its event log (`apply`); every rule lives in `decide`.
"""

from rooms.actors import Actor, Role
from rooms.commands import Command, Join
from rooms.events import Event
from rooms.rejection import Rejection
from rooms.room import apply, apply_all, contributors, decide, new_room, replay, touches
from rooms.state import RoomState, RoundStatus

__all__ = [
    "Actor",
    "Command",
    "Event",
    "Join",
    "Rejection",
    "Role",
    "RoomState",
    "RoundStatus",
    "apply",
    "apply_all",
    "contributors",
    "decide",
    "new_room",
    "replay",
    "touches",
]
