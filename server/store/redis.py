"""The shared store for running several processes or machines: Redis.

Each room's log is a Redis list (event N at index N-1) and its nonces a hash; an append runs as one
Lua script, so "check the expected sequence and the nonces, then push" is atomic across processes.
Records live in one hash per kind. What survives a Redis crash depends on its persistence
settings: see docs/operations.md.
"""

from collections.abc import Mapping
from typing import TypeVar

import msgspec
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from server.store.base import AppendConflict, StoreUnavailable
from server.store.records import Record

R = TypeVar("R", bound=Record)

# KEYS: log, nonces. ARGV: expected seq, number of events, the events, then nonce/seq pairs.
_APPEND = """
local length = redis.call('LLEN', KEYS[1])
if length ~= tonumber(ARGV[1]) then return {-1, length} end
local n = tonumber(ARGV[2])
for i = 3 + n, #ARGV, 2 do
  if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 1 then return {-2, length} end
end
for i = 3, 2 + n do redis.call('RPUSH', KEYS[1], ARGV[i]) end
for i = 3 + n, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
return {0, length + n}
"""

_encoder = msgspec.json.Encoder()
MAX_CONNECTIONS = 100  # per process; more callers wait their turn (at most 3 s)


class RedisStore:
    # Several processes write the same rooms: a refusal may come from a stale view (see LiveRoom).
    shared = True

    def __init__(self, url: str, prefix: str = "ip:") -> None:
        self.url = url
        self.prefix = prefix
        self._redis: aioredis.Redis | None = None
        self._append = None
        self._decoders: dict[type, msgspec.json.Decoder] = {}

    async def open(self) -> "RedisStore":
        # Short timeouts: a phone waiting on a dead Redis should hear "try again" within seconds.
        # A pool that makes callers wait for a free connection: redis-py's default pool refuses
        # outright beyond 100 ("Too many connections"), which turned half of 200 phones
        # reconnecting at once (after a restart) away with a 403.
        pool = aioredis.BlockingConnectionPool.from_url(
            self.url, max_connections=MAX_CONNECTIONS, timeout=3,
            socket_timeout=3, socket_connect_timeout=3, health_check_interval=15,
        )
        self._redis = aioredis.Redis.from_pool(pool)
        self._append = self._redis.register_script(_APPEND)
        return self

    @property
    def redis(self) -> aioredis.Redis:
        if self._redis is None:
            raise StoreUnavailable("store is not open")
        return self._redis

    def _log(self, room: str) -> str:
        return f"{self.prefix}log:{room}"

    def _nonces(self, room: str) -> str:
        return f"{self.prefix}nonces:{room}"

    def _records(self, kind: str) -> str:
        return f"{self.prefix}rec:{kind}"

    async def append(
        self, room: str, expected_seq: int, events: list[bytes], nonces: Mapping[str, int] = {}
    ) -> int:
        args: list[bytes | str | int] = [expected_seq, len(events), *events]
        for key, seq in nonces.items():
            args += [key, seq]
        try:
            status, length = await self._append(  # type: ignore[misc]
                keys=[self._log(room), self._nonces(room)], args=args, client=self.redis
            )
        except RedisError as exc:
            raise StoreUnavailable(str(exc)) from exc
        if status == -1:
            raise AppendConflict(room, expected_seq, int(length))
        if status == -2:
            raise AppendConflict(room, expected_seq, -1)
        return int(length)

    async def read(self, room: str, after_seq: int = 0) -> list[tuple[int, bytes]]:
        try:
            rows = await self.redis.lrange(self._log(room), after_seq, -1)
        except RedisError as exc:
            raise StoreUnavailable(str(exc)) from exc
        return [(after_seq + i, data) for i, data in enumerate(rows, 1)]

    async def head(self, room: str) -> int:
        try:
            return int(await self.redis.llen(self._log(room)))
        except RedisError as exc:
            raise StoreUnavailable(str(exc)) from exc

    async def read_nonces(self, room: str, after_seq: int = 0) -> dict[str, int]:
        try:
            found = await self.redis.hgetall(self._nonces(room))
        except RedisError as exc:
            raise StoreUnavailable(str(exc)) from exc
        return {k.decode(): int(v) for k, v in found.items() if int(v) > after_seq}

    async def put(self, record: Record) -> None:
        try:
            await self.redis.hset(self._records(record.kind), record.key, _encoder.encode(record))
        except RedisError as exc:
            raise StoreUnavailable(str(exc)) from exc

    async def add(self, record: Record) -> bool:
        try:
            return bool(await self.redis.hsetnx(self._records(record.kind), record.key, _encoder.encode(record)))
        except RedisError as exc:
            raise StoreUnavailable(str(exc)) from exc

    async def get(self, kind: type[R], key: str) -> R | None:
        try:
            data = await self.redis.hget(self._records(kind.kind), key)
        except RedisError as exc:
            raise StoreUnavailable(str(exc)) from exc
        return self._decode(kind, data) if data is not None else None

    async def delete(self, kind: type[R], key: str) -> bool:
        try:
            return bool(await self.redis.hdel(self._records(kind.kind), key))
        except RedisError as exc:
            raise StoreUnavailable(str(exc)) from exc

    async def forget(self) -> None:
        """Deleted keys are gone from Redis's memory at once. An append-only file still holds
        them until it is rewritten: ask for that now, so erasure reaches the disk too."""
        try:
            await self.redis.bgrewriteaof()
        except RedisError:
            pass  # no AOF configured, or a rewrite already running: nothing more to do now

    async def list(self, kind: type[R], prefix: str = "") -> list[R]:
        try:
            found = await self.redis.hgetall(self._records(kind.kind))
        except RedisError as exc:
            raise StoreUnavailable(str(exc)) from exc
        keys = sorted(k.decode() for k in found if k.decode().startswith(prefix))
        return [self._decode(kind, found[k.encode()]) for k in keys]

    def _decode(self, kind: type[R], data: bytes) -> R:
        decoder = self._decoders.get(kind)
        if decoder is None:
            decoder = self._decoders[kind] = msgspec.json.Decoder(kind)
        return decoder.decode(data)

    async def ping(self) -> None:
        try:
            await self.redis.ping()
        except RedisError as exc:
            raise StoreUnavailable(str(exc)) from exc

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None

    async def wipe(self) -> None:
        """Remove every key under this store's prefix (tests and benchmarks clean up with it)."""
        async for key in self.redis.scan_iter(match=f"{self.prefix}*", count=500):
            await self.redis.delete(key)
