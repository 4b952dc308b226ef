"""Bytes in and out: events for the log and the channel, commands from clients."""

from typing import Union

import msgspec

from rooms.commands import ROOM_COMMANDS, Command
from rooms.events import ROOM_EVENTS, Event
from rooms.plan import PLAN_CLIENT_COMMANDS, PlanChanged, RoomOpened
from rooms.rounds import ROUND_TYPES
from rooms.survey import SURVEY_EVENTS

# Several round types share some events and commands (e.g. moderation): each is listed once.
EVENT_TYPES: tuple[type[Event], ...] = tuple(
    dict.fromkeys(
        (RoomOpened, PlanChanged, *ROOM_EVENTS, *SURVEY_EVENTS, *(e for t in ROUND_TYPES.values() for e in t.events))
    )
)
CLIENT_COMMAND_TYPES: tuple[type[Command], ...] = tuple(
    dict.fromkeys(
        (*ROOM_COMMANDS, *PLAN_CLIENT_COMMANDS, *(c for t in ROUND_TYPES.values() for c in t.commands))
    )
)

AnyEvent = Union[EVENT_TYPES]  # type: ignore[valid-type]
ClientCommand = Union[CLIENT_COMMAND_TYPES]  # type: ignore[valid-type]

_encoder = msgspec.json.Encoder()
_event_decoder = msgspec.json.Decoder(AnyEvent)
# Form values arrive as strings ("2" for a round number): lax mode converts them.
_command_decoder = msgspec.json.Decoder(ClientCommand, strict=False)


def encode_event(event: Event) -> bytes:
    return _encoder.encode(event)


def decode_event(data: bytes | str) -> Event:
    return _event_decoder.decode(data)


def decode_command(data: bytes | str) -> Command:
    """Raises msgspec.ValidationError (or DecodeError) for anything that is not a known command."""
    return _command_decoder.decode(data)
