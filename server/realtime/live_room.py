"""A room that is live in this process: its state, its sockets, and the one task that writes it.

Commands queue up and are handled in batches: each is decided against the state left by the one
before, the batch's events are appended to the store in one transaction (a group commit), and only
then is each sender told "received". Views are refreshed at most every `flush_interval` seconds,
rendered once per audience and language; a participant's own view is rendered once per distinct
personal state. A flush looks at every phone only when what all participants see alike changed
or an event may concern anyone; after votes it looks only at the voters' phones (`rooms.touches`).
"""

import asyncio
from html import escape
import logging
import time
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from rooms import Actor, Command, Event, Rejection, Role, RoomState, apply, apply_all, decide, replay, touches
from rooms.codec import decode_event, encode_event
from rooms.rejection import N_

from server.metrics import METRICS
from server.realtime.connection import Audience, Connection, shared_frame
from server.store import AppendConflict, Store, StoreUnavailable

log = logging.getLogger(__name__)

STORE_DOWN = Rejection(
    "store_unavailable", N_("Sorry, that could not be saved just now. Please try again.")
)
BATCH_LIMIT = 256
MAX_CONFLICT_RETRIES = 5


class Views(Protocol):
    def shared(
        self, audience: Audience, state: RoomState, language: str, present: Sequence[Actor] = ()
    ) -> str: ...

    def participant(self, state: RoomState, actor: Actor | None, language: str) -> str: ...

    def scribe(self, state: RoomState, actor: Actor, language: str) -> str: ...

    def personal_key(self, state: RoomState, actor: Actor) -> Hashable: ...

    def notice(
        self, state: RoomState, language: str, command: Command | None, rejection: Rejection | None
    ) -> str: ...


@dataclass(frozen=True, slots=True)
class Accepted:
    seq: int
    duplicate: bool = False


Result = Accepted | Rejection


@dataclass(slots=True)
class Pending:
    command: Command
    actor: Actor
    nonce_key: str | None
    connection: Connection | None
    received: float
    future: asyncio.Future[Result] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


def view_frame(seq: int, inner: str) -> str:
    return f'<div id="view" hx-swap-oob="true" data-seq="{seq}">{inner}</div>'


def ack_frame(seq: int, nonce: str, result: Result, notice: str) -> str:
    """The answer to one command: its first element carries data-seq and data-ack."""
    if isinstance(result, Rejection):
        status = f'data-result="rejected" data-reason="{result.code}"'
    else:
        status = 'data-result="ok"'
    return (
        f'<div id="notice" hx-swap-oob="innerHTML" data-seq="{seq}" data-ack="{escape(nonce)}" {status}>'
        f"{notice}</div>"
    )


class LiveRoom:
    def __init__(
        self,
        code: str,
        store: Store,
        views: Views,
        publish: Callable[[str, int, list[bytes]], None],
        after_append: Callable[[RoomState, list[Event]], Awaitable[None]],
        scribed_ballot: Callable[[str, str], str],
        flush_interval: float = 0.1,
    ) -> None:
        self.code = code
        self.scribed_ballot = scribed_ballot
        self.store = store
        self.views = views
        self.publish = publish
        self.after_append = after_append
        self.flush_interval = flush_interval
        self.state = RoomState()
        self.log: list[Event] = []  # every durable event, to rebuild the state after a failed write
        self.nonces: dict[str, int] = {}
        self.connections: dict[Audience, set[Connection]] = {a: set() for a in Audience}
        # Participant sockets by language, and by pid and by ballot (a person may have two tabs).
        self._participants_by_language: dict[str, set[Connection]] = {}
        self._by_person: dict[str, set[Connection]] = {}
        # Whose own view the events since the last flush may have changed; None: anyone's.
        self._touched: set[str] | None = set()
        self.lock = asyncio.Lock()  # held while the state differs from what is durable
        self._queue: asyncio.Queue[Pending] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self._flush_handle: asyncio.Handle | None = None
        self._last_flush = 0.0
        self._last_shared: dict[tuple[Audience, str], str] = {}

    # -- loading and catching up ---------------------------------------------------------

    async def load(self) -> bool:
        """Read the room from the store; False if it has never been opened."""
        events = [decode_event(data) for _, data in await self.store.read(self.code)]
        self.log = events
        self.state = replay(events)
        self.nonces = await self.store.read_nonces(self.code)
        return self.state.opened

    def start(self) -> None:
        self._worker = asyncio.get_running_loop().create_task(self._work(), name=f"room-{self.code}")
        self._worker.add_done_callback(self._worker_ended)

    def _worker_ended(self, task: asyncio.Task[None]) -> None:
        # The worker never returns; if it dies, the room stops answering: say so loudly.
        if not task.cancelled() and task.exception() is not None:
            log.error("room %s: the command worker died", self.code, exc_info=task.exception())

    async def stop(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
        if self._worker is not None:
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass

    async def catch_up(self) -> None:
        """Apply what other processes have appended since our last event."""
        async with self.lock:
            await self._catch_up_locked()

    async def _catch_up_locked(self) -> None:
        rows = await self.store.read(self.code, self.state.seq)
        if not rows:
            return
        events = [decode_event(data) for _, data in rows]
        self.log.extend(events)
        apply_all(self.state, events)
        self._note(events)
        self.nonces.update(await self.store.read_nonces(self.code, rows[0][0] - 1))
        self.mark_dirty()

    async def receive_published(self, first_seq: int, events: list[bytes]) -> None:
        """Events another process (or this one) appended, as announced on the room's channel."""
        last = first_seq + len(events) - 1
        if last <= self.state.seq:
            return  # ours, or already caught up
        async with self.lock:
            if first_seq > self.state.seq + 1:
                await self._catch_up_locked()  # a gap: read the log, never guess
                return
            fresh = [decode_event(e) for e in events[self.state.seq - first_seq + 1 :]]
            self.log.extend(fresh)
            apply_all(self.state, fresh)
            self._note(fresh)
            self.mark_dirty()

    # -- commands ------------------------------------------------------------------------

    def submit(
        self, command: Command, actor: Actor, nonce_key: str | None, connection: Connection | None
    ) -> asyncio.Future[Result]:
        pending = Pending(command, actor, nonce_key, connection, time.perf_counter())
        self._queue.put_nowait(pending)
        return pending.future

    async def _work(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < BATCH_LIMIT and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                async with self.lock:
                    results = await self._handle(batch)
            except Exception:
                log.exception("room %s: batch failed", self.code)
                # Decisions may have been applied to the state speculatively: back to what is durable.
                self._rebuild()
                results = [STORE_DOWN] * len(batch)
            self._answer(batch, results)
            if asyncio.get_running_loop().time() - self._last_flush >= self.flush_interval:
                # Under a steady storm the timer keeps finding a batch in flight: flush here,
                # between batches, so screens still update ~10 times a second.
                self._flush()
            else:
                self.mark_dirty()

    async def _handle(self, batch: list[Pending]) -> list[Result]:
        for _ in range(MAX_CONFLICT_RETRIES):
            base_seq = self.state.seq
            results, events, nonces = self._decide_batch(batch)
            if self.store.shared and any(isinstance(r, Rejection) for r in results):
                # Another process may have moved the room on (opened the round this phone is
                # answering): never refuse on a stale view.
                try:
                    stale = await self.store.head(self.code) > base_seq
                except StoreUnavailable:
                    stale = False
                if stale:
                    self._rebuild()
                    await self._catch_up_locked()
                    continue
            if not events:
                return results
            encoded = [encode_event(e) for e in events]
            try:
                await self.store.append(self.code, base_seq, encoded, nonces)
            except AppendConflict:
                self._rebuild()
                await self._catch_up_locked()
                continue
            except StoreUnavailable as problem:
                METRICS.store_errors += 1
                log.warning("room %s: the store refused an append: %s", self.code, problem)
                self._rebuild()
                return [STORE_DOWN if isinstance(r, Accepted) and not r.duplicate else r for r in results]
            METRICS.appends += 1
            self.log.extend(events)
            self._note(events)
            self.nonces.update(nonces)
            self.publish(self.code, base_seq + 1, encoded)
            try:
                await self.after_append(self.state, events)
            except Exception:
                log.exception("room %s: after-append hook failed", self.code)
            return results
        return [STORE_DOWN] * len(batch)

    def _decide_batch(self, batch: list[Pending]) -> tuple[list[Result], list[Event], dict[str, int]]:
        """Decide each command on the state the previous ones left. Applies to self.state
        speculatively: the caller rebuilds it from the log if the append fails."""
        results: list[Result] = []
        events: list[Event] = []
        nonces: dict[str, int] = {}
        now = time.time()
        for item in batch:
            seen = self.nonces.get(item.nonce_key) or nonces.get(item.nonce_key)  # type: ignore[arg-type]
            if item.nonce_key and seen:
                results.append(Accepted(seen, duplicate=True))
                continue
            outcome = decide(self.state, item.command, item.actor, now)
            if isinstance(outcome, Rejection):
                results.append(outcome)
                continue
            for event in outcome:
                apply(self.state, event)
            events.extend(outcome)
            if item.nonce_key and outcome:
                nonces[item.nonce_key] = self.state.seq
            results.append(Accepted(self.state.seq))
        return results, events, nonces

    def _rebuild(self) -> None:
        self.state = replay(self.log)

    def _answer(self, batch: list[Pending], results: list[Result]) -> None:
        now = time.perf_counter()
        for item, result in zip(batch, results):
            if isinstance(result, Rejection):
                METRICS.commands_rejected += 1
            elif result.duplicate:
                METRICS.commands_duplicate += 1
            conn = item.connection
            if conn is not None and not conn.closed:
                self._send_ack(conn, item.command, result)
            METRICS.ack_seconds_sum += now - item.received
            METRICS.ack_seconds_count += 1
            if not item.future.done():
                item.future.set_result(result)

    def send_rejection(self, conn: Connection, command: Command | None, nonce: str, rejection: Rejection) -> None:
        """Refuse a message that never became a command (unreadable, unknown, too many)."""
        notice = self.views.notice(self.state, conn.language, command, rejection)
        conn.deliver(f"ack:{nonce}", ack_frame(self.state.seq, nonce, rejection, notice))

    def _send_ack(self, conn: Connection, command: Command, result: Result) -> None:
        seq = self.state.seq
        rejection = result if isinstance(result, Rejection) else None
        notice = self.views.notice(self.state, conn.language, command, rejection)
        frame = ack_frame(seq, command.nonce, result, notice)
        if conn.audience in PERSONAL:
            # The sender's own view in the same frame: they see their dot or idea at once.
            frame += self._personal_view(conn)
        conn.deliver(f"ack:{command.nonce}", frame)

    # -- sockets and views ---------------------------------------------------------------

    async def attach(self, conn: Connection) -> None:
        """Add a socket and send it the whole current view."""
        async with self.lock:
            self.connections[conn.audience].add(conn)
            if conn.audience is Audience.PARTICIPANT:
                self._participants_by_language.setdefault(conn.language, set()).add(conn)
                for key in _person_keys(conn):
                    self._by_person.setdefault(key, set()).add(conn)
            METRICS.sockets[conn.audience] = METRICS.sockets.get(conn.audience, 0) + 1
            conn.deliver("view", self._view_for(conn))
        if conn.audience is Audience.PARTICIPANT:
            self.mark_dirty()  # the facilitator's count of who is present

    def detach(self, conn: Connection) -> None:
        conn.close()
        if conn in self.connections[conn.audience]:
            self.connections[conn.audience].discard(conn)
            if conn.audience is Audience.PARTICIPANT:
                _unindex(self._participants_by_language, conn.language, conn)
                for key in _person_keys(conn):
                    _unindex(self._by_person, key, conn)
            METRICS.sockets[conn.audience] -= 1
            if conn.audience is Audience.PARTICIPANT and self.connections[Audience.FACILITATOR]:
                self.mark_dirty()

    def _present(self) -> list[Actor]:
        """Who can take part now: the phones connected, and everyone without a phone."""
        present = [c.actor for c in self.connections[Audience.PARTICIPANT] if not c.closed]
        present += [
            Actor(Role.PARTICIPANT, pid=p.pid, ballot=self.scribed_ballot(self.code, p.pid))
            for p in self.state.participants.values() if p.scribed
        ]
        return present

    @property
    def idle(self) -> bool:
        return not any(self.connections.values()) and self._queue.empty() and not self.lock.locked()

    def _view_for(self, conn: Connection) -> str:
        if conn.audience in PERSONAL:
            return self._personal_view(conn)
        return view_frame(self.state.seq, self.views.shared(conn.audience, self.state, conn.language, self._present()))

    def _personal_view(self, conn: Connection) -> str:
        """A view of one's own, rendered now, remembered as sent."""
        state = self.state
        if conn.audience is Audience.SCRIBE:
            # Few scribes, whose view shows much: simply rendered afresh after every change.
            conn.personal_key = state.seq
            return view_frame(state.seq, self.views.scribe(state, conn.actor, conn.language))
        conn.personal_key = self.views.personal_key(state, conn.actor)
        return view_frame(state.seq, self.views.participant(state, conn.actor, conn.language))

    def _note(self, events: list[Event]) -> None:
        """Remember whose own view these (applied) events may have changed, for the next flush."""
        if self._touched is None:
            return
        for event in events:
            who = touches(self.state, event)
            if who is None:
                self._touched = None
                return
            self._touched |= who

    def mark_dirty(self) -> None:
        if self._flush_handle is not None:
            return
        loop = asyncio.get_running_loop()
        wait = self._last_flush + self.flush_interval - loop.time()
        self._flush_handle = loop.call_later(max(wait, 0.0), self._flush)

    def _flush(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        loop = asyncio.get_running_loop()
        if self.lock.locked():
            # The state holds events not yet durable: look again shortly.
            self._flush_handle = loop.call_later(self.flush_interval / 5, self._flush)
            return
        self._last_flush = loop.time()
        METRICS.flushes += 1
        state = self.state
        seq = state.seq
        present = self._present()
        for audience in (Audience.BOARD, Audience.FACILITATOR):
            for language, group in _by_language(self.connections[audience]).items():
                inner = self.views.shared(audience, state, language, present)
                if self._last_shared.get((audience, language)) != inner:
                    self._last_shared[(audience, language)] = inner
                    frame = shared_frame(view_frame(seq, inner))
                    for conn in group:
                        conn.deliver("view", frame)
        self._flush_participants(state, seq)
        for conn in self.connections[Audience.SCRIBE]:
            if not conn.closed and conn.personal_key != seq:
                conn.deliver("view", self._personal_view(conn))

    def _flush_participants(self, state: RoomState, seq: int) -> None:
        rendered: dict[tuple[str, Hashable], str] = {}
        touched, self._touched = self._touched, set()
        for language, group in self._participants_by_language.items():
            # What every participant sees alike; if it changed, everyone gets a new view.
            shared = self.views.participant(state, None, language)
            changed = self._last_shared.get((Audience.PARTICIPANT, language)) != shared
            self._last_shared[(Audience.PARTICIPANT, language)] = shared
            if changed or touched is None:
                candidates: Iterable[Connection] = group
            else:  # only those whose own view the events named (a voter's, a newcomer's)
                candidates = {c for who in touched for c in self._by_person.get(who, ()) if c.language == language}
            for conn in candidates:
                if conn.closed:
                    continue
                key = self.views.personal_key(state, conn.actor)
                if not changed and key == conn.personal_key:
                    continue
                conn.personal_key = key
                frame = rendered.get((language, key))
                if frame is None:
                    inner = self.views.participant(state, conn.actor, language)
                    frame = rendered[(language, key)] = shared_frame(view_frame(seq, inner))
                conn.deliver("view", frame)


PERSONAL = (Audience.PARTICIPANT, Audience.SCRIBE)


def _person_keys(conn: Connection) -> tuple[str, ...]:
    return tuple(k for k in (conn.actor.pid, conn.actor.ballot) if k)


def _unindex(index: dict[str, set[Connection]], key: str, conn: Connection) -> None:
    group = index.get(key)
    if group is not None:
        group.discard(conn)
        if not group:
            del index[key]


def _by_language(conns: set[Connection]) -> dict[str, list[Connection]]:
    groups: dict[str, list[Connection]] = {}
    for conn in conns:
        if not conn.closed:
            groups.setdefault(conn.language, []).append(conn)
    return groups
