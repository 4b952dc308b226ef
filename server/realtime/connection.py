"""One open socket, with a mailbox that keeps only the newest frame of each kind.

A phone that reads slowly never builds a queue: a newer view replaces the unsent older one, so
memory per socket stays bounded and other sockets are never held up. Answers are one kind per
command, so a phone that sends but does not read could still pile them up (measured: 4.8 million
characters for one such socket): while MAX_WAITING of its commands are unanswered or answers wait
to be sent, its next commands are not read (see `wait_to_read`).

Frames are written at once when the socket can take them: the drain runs as an *eager* task, so
a send that completes without waiting (the usual case: the ASGI server's send only waits when
the socket's write buffer is full) costs no scheduling round-trip through the event loop. A
plain task per frame was most of the per-frame cost (bench/README.md, "changes and their effect").
Only a drain that really waits lives on as a task, held by its connection (the event loop holds
tasks only weakly).
"""

import asyncio
import ctypes
import sys
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from rooms import Actor

from server.metrics import METRICS

MAX_WAITING = 8


def _utf8_cacher() -> Callable[[str], None] | None:
    if sys.implementation.name != "cpython":
        return None
    f = ctypes.pythonapi.PyUnicode_AsUTF8AndSize
    f.argtypes, f.restype = [ctypes.py_object, ctypes.c_void_p], ctypes.c_void_p
    return lambda text: f(text, None) and None


_cache_utf8 = _utf8_cacher()


def shared_frame(frame: str) -> str:
    """Encode a frame that many sockets get once, not once per socket. The ASGI server encodes
    each socket's text with `str.encode()`, which for text with æ, ø or å (every view here)
    transcodes it afresh: ~3–10 µs for a 1.4 kB view, a tenth of a frame's cost. CPython keeps
    the UTF-8 form that `PyUnicode_AsUTF8AndSize` makes inside the string object, and `encode()`
    then only copies it. (Binary frames would skip the encoding too, but htmx's ws extension
    swaps only text frames.)"""
    if _cache_utf8 is not None:
        _cache_utf8(frame)
    return frame


class Audience(StrEnum):
    PARTICIPANT = "participant"
    BOARD = "board"
    FACILITATOR = "facilitator"
    SCRIBE = "scribe"  # a facilitator or table host entering for someone without a phone


@dataclass(eq=False, slots=True, weakref_slot=True)
class Connection:
    send_text: Callable[[str], Awaitable[None]]
    audience: Audience
    actor: Actor
    language: str
    # Secret salt that scopes this device's nonces (so one device cannot pre-empt another's).
    nonce_salt: str
    pending: dict[str, str] | None = None
    # Characters of frame text waiting for this socket: in `pending`, and the one being sent.
    queued: int = 0
    sending: bool = False
    closed: bool = False
    # What this socket was last sent of its own view, to skip re-sending unchanged views.
    personal_key: object = None
    # Commands read from this socket and not yet answered.
    unanswered: int = 0
    _drainer: asyncio.Task[None] | None = None  # held: the loop keeps only weak references
    _may_read: asyncio.Event | None = None  # made only for a socket that fell behind

    def __post_init__(self) -> None:
        OPEN.add(self)

    def deliver(self, kind: str, frame: str) -> None:
        """Queue a frame; a queued frame of the same kind is replaced and moved to the back."""
        if self.closed:
            return
        if self.pending is None:
            self.pending = {}
        else:
            replaced = self.pending.pop(kind, None)
            if replaced is not None:
                self.queued -= len(replaced)
                METRICS.frames_coalesced += 1
        self.pending[kind] = frame
        self.queued += len(frame)
        if self.queued > METRICS.mailbox_peak:
            METRICS.mailbox_peak = self.queued
        if not self.sending:
            self.sending = True
            task = asyncio.Task(self._drain(), loop=asyncio.get_running_loop(), eager_start=True)
            self._drainer = None if task.done() else task

    async def _drain(self) -> None:
        try:
            while self.pending:
                kind = next(iter(self.pending))
                frame = self.pending.pop(kind)
                self._wake()
                await self.send_text(frame)
                if not self.closed:
                    self.queued -= len(frame)
                METRICS.frames_sent += 1
        except Exception:  # the peer went away; the receive loop notices and detaches us
            self.close()
        finally:
            self.sending = False
            self._drainer = None
            if self.pending == {}:
                self.pending = None  # idle sockets hold no dict

    def close(self) -> None:
        """The socket is gone: what waited for it is dropped now, not when its send gives up."""
        self.closed = True
        self.pending = None
        self.queued = 0
        self._wake()

    def asked(self, answer: asyncio.Future) -> None:
        """A command from this socket is on its way; `answer` is done once its answer is queued."""
        self.unanswered += 1
        answer.add_done_callback(self._answered)

    def _answered(self, _: asyncio.Future) -> None:
        self.unanswered -= 1
        self._wake()

    async def wait_to_read(self) -> None:
        """Hold the receive loop while too many commands or frames wait for this socket: a phone
        that does not read its answers gets no more of them queued."""
        while not self.closed and self.unanswered + len(self.pending or ()) >= MAX_WAITING:
            if self._may_read is None:
                self._may_read = asyncio.Event()
            self._may_read.clear()
            await self._may_read.wait()

    def _wake(self) -> None:
        if self._may_read is not None:
            self._may_read.set()


OPEN: "weakref.WeakSet[Connection]" = weakref.WeakSet()
METRICS.gauges["socket_mailbox_chars"] = (
    "Frame text (characters) waiting for all sockets now",
    lambda: sum(conn.queued for conn in OPEN),
)
