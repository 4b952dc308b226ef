"""The hub owns this process's live rooms: it loads them, gives each ONE subscription to its
channel, attaches sockets, and lets rooms go when nobody has been connected for a while."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from litestar.channels import ChannelsPlugin, Subscriber
from rooms import Actor, Command, Event, RoomState

from server.realtime.connection import Connection
from server.realtime.fanout import channel_name, decode_announcement, encode_announcement
from server.realtime.live_room import LiveRoom, Result, Views
from server.store import Store

log = logging.getLogger(__name__)

UNLOAD_AFTER = 60.0  # seconds without sockets before a room is dropped from memory
HEAD_CHECK_INTERVAL = 1.0


class Hub:
    def __init__(
        self,
        store: Store,
        views: Views,
        channels: ChannelsPlugin,
        after_append: Callable[[RoomState, list[Event]], Awaitable[None]],
        scribed_ballot: Callable[[str, str], str],
        flush_interval: float = 0.1,
    ) -> None:
        self.store = store
        self.scribed_ballot = scribed_ballot
        self.views = views
        self.channels = channels
        self.after_append = after_append
        self.flush_interval = flush_interval
        self._rooms: dict[str, LiveRoom] = {}
        self._loading: dict[str, asyncio.Task[LiveRoom | None]] = {}
        self._subscriptions: dict[str, tuple[Subscriber, asyncio.Task[None]]] = {}
        self._unload_timers: dict[str, asyncio.TimerHandle] = {}
        self._watcher: asyncio.Task[None] | None = None

    def start(self) -> None:
        """With a shared store, look at every live room's log head each second: announcements
        lost while Redis was away (pub/sub keeps nothing) are caught up from the log."""
        if getattr(self.store, "shared", False) and self._watcher is None:
            self._watcher = asyncio.get_running_loop().create_task(self._watch_heads(), name="hub-heads")

    async def _watch_heads(self) -> None:
        while True:
            await asyncio.sleep(HEAD_CHECK_INTERVAL)
            for room in list(self._rooms.values()):
                try:
                    if await self.store.head(room.code) > room.state.seq:
                        await room.catch_up()
                except Exception:
                    log.warning("room %s: could not check the log's head", room.code)

    async def room(self, code: str) -> LiveRoom | None:
        """The live room, loaded from the store if needed; None if no such room exists."""
        room = self._rooms.get(code)
        if room is not None:
            return room
        task = self._loading.get(code)
        if task is None:
            task = self._loading[code] = asyncio.create_task(self._load(code))
            task.add_done_callback(lambda _: self._loading.pop(code, None))
        return await asyncio.shield(task)

    async def _load(self, code: str) -> LiveRoom | None:
        room = LiveRoom(
            code, self.store, self.views, self._publish, self.after_append, self.scribed_ballot,
            self.flush_interval,
        )
        # Subscribe before reading the log, so nothing appended meanwhile is missed.
        subscriber = await self.channels.subscribe(channel_name(code))
        try:
            exists = await room.load()
        except BaseException:
            await self.channels.unsubscribe(subscriber)
            raise
        if not exists:
            await self.channels.unsubscribe(subscriber)
            return None
        # A process that stopped between ending a meeting and writing its outcome finishes here.
        await self.after_append(room.state, [])
        reader = asyncio.create_task(self._read_channel(room, subscriber), name=f"channel-{code}")
        self._subscriptions[code] = (subscriber, reader)
        room.start()
        self._rooms[code] = room
        self._schedule_unload(code)
        return room

    async def _read_channel(self, room: LiveRoom, subscriber: Subscriber) -> None:
        async for message in subscriber.iter_events():
            try:
                first_seq, events = decode_announcement(message)
                await room.receive_published(first_seq, events)
            except Exception:
                log.exception("room %s: could not apply an announcement", room.code)

    def _publish(self, code: str, first_seq: int, events: list[bytes]) -> None:
        self.channels.publish(encode_announcement(first_seq, events), channel_name(code))

    async def execute(
        self,
        code: str,
        command: Command,
        actor: Actor,
        nonce_key: str | None = None,
        connection: Connection | None = None,
    ) -> Result | None:
        """Run a command in a room and wait until it is durable (or refused)."""
        room = await self.room(code)
        if room is None:
            return None
        return await room.submit(command, actor, nonce_key, connection)

    async def attach(self, code: str, conn: Connection) -> LiveRoom | None:
        room = await self.room(code)
        if room is None:
            return None
        timer = self._unload_timers.pop(code, None)
        if timer is not None:
            timer.cancel()
        await room.attach(conn)
        return room

    def detach(self, room: LiveRoom, conn: Connection) -> None:
        room.detach(conn)
        if room.idle:
            self._schedule_unload(room.code)

    def _schedule_unload(self, code: str) -> None:
        if code in self._unload_timers:
            return
        loop = asyncio.get_running_loop()
        self._unload_timers[code] = loop.call_later(
            UNLOAD_AFTER, lambda: asyncio.ensure_future(self._unload_if_idle(code))
        )

    async def _unload_if_idle(self, code: str) -> None:
        self._unload_timers.pop(code, None)
        room = self._rooms.get(code)
        if room is None:
            return
        if room.idle:
            await self._unload(code)
        elif not any(room.connections.values()):
            self._schedule_unload(code)  # still writing: look again later
        # With sockets attached, the last one to leave schedules the next look.

    async def _unload(self, code: str) -> None:
        room = self._rooms.pop(code, None)
        subscription = self._subscriptions.pop(code, None)
        if subscription is not None:
            subscriber, reader = subscription
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
            await self.channels.unsubscribe(subscriber)
        if room is not None:
            await room.stop()

    async def close(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        for timer in self._unload_timers.values():
            timer.cancel()
        self._unload_timers.clear()
        for code in list(self._rooms):
            await self._unload(code)
