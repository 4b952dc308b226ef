"""One open socket, with a mailbox that keeps only the newest frame of each kind.

A phone that reads slowly never builds a queue: a newer view replaces the unsent older one, so
memory per socket stays bounded and other sockets are never held up.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from rooms import Actor

from server.metrics import METRICS

# Frames of different kinds waiting for one socket. Views replace each other, but every command
# gets its own answer: a client that floods and never reads would otherwise grow this without end.
MAX_PENDING = 64


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
        elif len(self.pending) >= MAX_PENDING:
            # The oldest waiting frame goes (an answer the client can ask for again by its nonce).
            del self.pending[next(iter(self.pending))]
            METRICS.frames_dropped += 1
        self.pending[kind] = frame
        if not self.sending:
            self.sending = True
            asyncio.get_running_loop().create_task(self._drain())

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
