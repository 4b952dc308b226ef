"""One open socket, with a mailbox that keeps only the newest frame of each kind.

A phone that reads slowly never builds a queue: a newer view replaces the unsent older one, so
memory per socket stays bounded and other sockets are never held up.

Frames are written at once when the socket can take them: the drain runs as an *eager* task, so
a send that completes without waiting (the usual case: the ASGI server's send only waits when
the socket's write buffer is full) costs no scheduling round-trip through the event loop. A
plain task per frame was most of the per-frame cost (bench/README.md, "changes and their effect").
Only a drain that really waits lives on as a task, and it is kept in `_WAITING` until it ends
(the event loop holds tasks only weakly).
"""

import asyncio
import ctypes
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from rooms import Actor

from server.metrics import METRICS

_WAITING: set[asyncio.Task[None]] = set()


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


@dataclass(eq=False, slots=True)
class Connection:
    send_text: Callable[[str], Awaitable[None]]
    audience: Audience
    actor: Actor
    language: str
    # Secret salt that scopes this device's nonces (so one device cannot pre-empt another's).
    nonce_salt: str
    pending: dict[str, str] | None = None
    sending: bool = False
    closed: bool = False
    # What this socket was last sent of its own view, to skip re-sending unchanged views.
    personal_key: object = None

    def deliver(self, kind: str, frame: str) -> None:
        """Queue a frame; a queued frame of the same kind is replaced and moved to the back."""
        if self.closed:
            return
        if self.pending is None:
            self.pending = {}
        elif kind in self.pending:
            del self.pending[kind]
            METRICS.frames_coalesced += 1
        self.pending[kind] = frame
        if not self.sending:
            self.sending = True
            task = asyncio.Task(self._drain(), loop=asyncio.get_running_loop(), eager_start=True)
            if not task.done():
                _WAITING.add(task)
                task.add_done_callback(_WAITING.discard)

    async def _drain(self) -> None:
        try:
            while self.pending:
                kind = next(iter(self.pending))
                frame = self.pending.pop(kind)
                await self.send_text(frame)
                METRICS.frames_sent += 1
        except Exception:  # the peer went away; the receive loop notices and detaches us
            self.closed = True
            self.pending = None
        finally:
            self.sending = False
            if self.pending == {}:
                self.pending = None  # idle sockets hold no dict
