"""A meeting's plan (its ordered rounds) and the event that opens a room with it."""

from typing import Union

from rooms.events import Event
from rooms.rounds import ROUND_TYPES

AnyRoundConfig = Union[tuple(t.config for t in ROUND_TYPES.values())]  # type: ignore[valid-type]


class RoomOpened(Event, tag="room_opened"):
    code: str
    title: str
    plan: list[AnyRoundConfig]  # type: ignore[valid-type]
    language: str = "nb"
