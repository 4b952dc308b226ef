"""Announcing appended events to every process that has the room live, through Litestar's
channels (in-memory by default; Redis pub/sub when the app is scaled out).

The announcement is a hint, not the record: a process that sees a gap reads the store.
"""

import msgspec
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend


class Announcement(msgspec.Struct, array_like=True):
    first_seq: int
    events: list[msgspec.Raw]


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Announcement)


def channel_name(room: str) -> str:
    return f"room:{room}"


def encode_announcement(first_seq: int, events: list[bytes]) -> bytes:
    return _encoder.encode(Announcement(first_seq, [msgspec.Raw(e) for e in events]))


def decode_announcement(data: bytes) -> tuple[int, list[bytes]]:
    msg = _decoder.decode(data)
    return msg.first_seq, [bytes(e) for e in msg.events]


def channels_plugin() -> ChannelsPlugin:
    # One subscriber per room per process; its queue is bounded by the rooms' own pace.
    return ChannelsPlugin(backend=MemoryChannelsBackend(), arbitrary_channels_allowed=True)
