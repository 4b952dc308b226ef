"""Announcing appended events to every process that has the room live, through Litestar's
channels: in memory for one process, Redis pub/sub when the app runs as several.

The announcement is a hint, not the record: a process that sees a gap reads the store, and with
several processes each also checks the log's head every second (see Hub), so an announcement
lost while Redis was away costs at most a second.
"""

import asyncio
import logging
from collections.abc import AsyncGenerator, Iterable
from typing import Any

import msgspec
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.channels.backends.redis import RedisChannelsPubSubBackend
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


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


class ResilientRedisPubSub(RedisChannelsPubSubBackend):
    """Litestar's Redis pub/sub backend stops for good when its connection drops, and a failed
    publish kills the plugin's publishing task. Here both keep going: reading retries with
    back-off (redis-py subscribes again on reconnect) and a failed publish is logged and dropped."""

    async def stream_events(self) -> AsyncGenerator[tuple[str, Any], None]:
        delay = 0.1
        while True:
            try:
                async for item in super().stream_events():
                    delay = 0.1
                    yield item
            except (RedisError, OSError) as exc:
                log.warning("channels: lost Redis (%s); retrying in %.1f s", type(exc).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def publish(self, data: bytes, channels: Iterable[str]) -> None:
        try:
            await super().publish(data, channels)
        except (RedisError, OSError) as exc:
            log.warning("channels: could not announce (%s); other processes catch up from the log", type(exc).__name__)


def channels_plugin(redis_url: str | None = None, prefix: str = "ip:") -> ChannelsPlugin:
    # One subscriber per room per process; its queue is bounded by the rooms' own pace.
    if redis_url:
        redis = Redis.from_url(redis_url, socket_connect_timeout=3, health_check_interval=15)
        backend = ResilientRedisPubSub(redis=redis, key_prefix=f"{prefix}channels")
        return ChannelsPlugin(backend=backend, arbitrary_channels_allowed=True)
    return ChannelsPlugin(backend=MemoryChannelsBackend(), arbitrary_channels_allowed=True)
