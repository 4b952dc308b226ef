from collections.abc import Mapping
from typing import Protocol, TypeVar

from server.store.records import Record

R = TypeVar("R", bound=Record)


class AppendConflict(Exception):
    """Another writer appended to the room first: reload, decide again, retry."""

    def __init__(self, room: str, expected: int, actual: int) -> None:
        super().__init__(f"room {room}: expected seq {expected}, log is at {actual}")
        self.actual = actual


class StoreUnavailable(Exception):
    """The store could not be reached or refused the write; nothing was written."""


class Store(Protocol):
    # True when other processes may append to the same rooms (then a refusal decided on this
    # process's view is checked against the log's head before it is sent).
    shared: bool

    async def append(
        self, room: str, expected_seq: int, events: list[bytes], nonces: Mapping[str, int] = {}
    ) -> int:
        """Atomically append encoded events after `expected_seq` and return the new last seq.

        `nonces` maps each command's nonce key to the seq its last event gets, so a repeated
        command can be answered without appending. Raises AppendConflict if the log has moved on
        or a nonce was already recorded (another process won the race): reload and decide again.
        Raises StoreUnavailable if nothing could be written."""
        ...

    async def read(self, room: str, after_seq: int = 0) -> list[tuple[int, bytes]]: ...

    async def head(self, room: str) -> int:
        """The sequence number of the room's last event (0 for none)."""
        ...

    async def read_nonces(self, room: str, after_seq: int = 0) -> dict[str, int]:
        """Nonce keys recorded with appends after `after_seq`, with the seq each reached."""
        ...

    async def put(self, record: Record) -> None: ...

    async def add(self, record: Record) -> bool:
        """Store the record only if none with its key exists; True if stored."""
        ...

    async def get(self, kind: type[R], key: str) -> R | None: ...

    async def delete(self, kind: type[R], key: str) -> bool:
        """Remove a record for good (overwritten, not only unlinked); True if there was one."""
        ...

    async def forget(self) -> None:
        """Make sure deleted data is gone from the store's files and journals, not just unlinked."""
        ...

    async def list(self, kind: type[R], prefix: str = "") -> list[R]: ...

    async def ping(self) -> None: ...

    async def close(self) -> None: ...
