"""The embedded default store: one SQLite file in WAL mode, written from one thread.

Every append is a transaction committed with synchronous=FULL, so an acknowledged event survives
a crash or power cut. Calls run on a single worker thread to keep the event loop free while
SQLite waits for the disk.
"""

import asyncio
import sqlite3
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import msgspec

from server.store.base import AppendConflict, StoreUnavailable
from server.store.records import Record

R = TypeVar("R", bound=Record)
T = TypeVar("T")

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    room TEXT NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL,
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (room, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS nonces (
    room TEXT NOT NULL, nonce TEXT NOT NULL, seq INTEGER NOT NULL,
    PRIMARY KEY (room, nonce)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS records (
    kind TEXT NOT NULL, key TEXT NOT NULL, data BLOB NOT NULL,
    PRIMARY KEY (kind, key)) WITHOUT ROWID;
"""

_encoder = msgspec.json.Encoder()


class SQLiteStore:
    # One process writes the file: what it holds in memory is the latest.
    shared = False

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        self._db: sqlite3.Connection | None = None
        self._decoders: dict[type, msgspec.json.Decoder] = {}
        self._closed = False

    async def open(self) -> "SQLiteStore":
        await self._run(self._open)
        return self

    def _open(self) -> None:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA busy_timeout=5000")
        # Deleted records (an erased member) are overwritten with zeros, not left in free pages.
        db.execute("PRAGMA secure_delete=ON")
        db.executescript(SCHEMA)
        self._db = db

    async def _run(self, fn: Callable[..., T], *args: object) -> T:
        loop = asyncio.get_running_loop()
        if self._closed:
            raise StoreUnavailable("store is closed")
        try:
            return await loop.run_in_executor(self._executor, fn, *args)
        except sqlite3.Error as exc:
            raise StoreUnavailable(str(exc)) from exc

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise StoreUnavailable("store is not open")
        return self._db

    async def append(
        self, room: str, expected_seq: int, events: list[bytes], nonces: Mapping[str, int] = {}
    ) -> int:
        return await self._run(self._append, room, expected_seq, events, dict(nonces))

    def _append(self, room: str, expected: int, events: list[bytes], nonces: dict[str, int]) -> int:
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            (actual,) = db.execute(
                "SELECT coalesce(max(seq), 0) FROM events WHERE room = ?", (room,)
            ).fetchone()
            if actual != expected:
                raise AppendConflict(room, expected, actual)
            db.executemany(
                "INSERT INTO events (room, seq, data) VALUES (?, ?, ?)",
                [(room, expected + i, data) for i, data in enumerate(events, 1)],
            )
            db.executemany(
                "INSERT INTO nonces (room, nonce, seq) VALUES (?, ?, ?)",
                [(room, key, seq) for key, seq in nonces.items()],
            )
            db.execute("COMMIT")
        except sqlite3.IntegrityError:
            db.execute("ROLLBACK")
            # A nonce recorded by another process in the meantime: the caller reloads.
            raise AppendConflict(room, expected, -1) from None
        except BaseException:
            # A full disk can fail the COMMIT itself, after which SQLite has already rolled back.
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        return expected + len(events)

    async def read(self, room: str, after_seq: int = 0) -> list[tuple[int, bytes]]:
        return await self._run(self._read, room, after_seq)

    def _read(self, room: str, after_seq: int) -> list[tuple[int, bytes]]:
        return self.db.execute(
            "SELECT seq, data FROM events WHERE room = ? AND seq > ? ORDER BY seq",
            (room, after_seq),
        ).fetchall()

    async def head(self, room: str) -> int:
        (seq,) = await self._run(
            lambda: self.db.execute("SELECT coalesce(max(seq), 0) FROM events WHERE room = ?", (room,)).fetchone()
        )
        return seq

    async def read_nonces(self, room: str, after_seq: int = 0) -> dict[str, int]:
        rows = await self._run(
            lambda: self.db.execute(
                "SELECT nonce, seq FROM nonces WHERE room = ? AND seq > ?", (room, after_seq)
            ).fetchall()
        )
        return dict(rows)

    async def put(self, record: Record) -> None:
        await self._run(self._write, record, "INSERT OR REPLACE")

    async def add(self, record: Record) -> bool:
        return await self._run(self._write, record, "INSERT OR IGNORE")

    def _write(self, record: Record, verb: str) -> bool:
        cur = self.db.execute(
            f"{verb} INTO records (kind, key, data) VALUES (?, ?, ?)",
            (record.kind, record.key, _encoder.encode(record)),
        )
        return cur.rowcount == 1

    async def get(self, kind: type[R], key: str) -> R | None:
        row = await self._run(
            lambda: self.db.execute(
                "SELECT data FROM records WHERE kind = ? AND key = ?", (kind.kind, key)
            ).fetchone()
        )
        return self._decode(kind, row[0]) if row else None

    async def delete(self, kind: type[R], key: str) -> bool:
        cur = await self._run(
            lambda: self.db.execute("DELETE FROM records WHERE kind = ? AND key = ?", (kind.kind, key))
        )
        return cur.rowcount == 1

    async def forget(self) -> None:
        # The write-ahead log still holds old page images until it is checkpointed and emptied.
        await self._run(lambda: self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone())

    async def list(self, kind: type[R], prefix: str = "") -> list[R]:
        # Keys are compared as a range, not with LIKE, so '%' and '_' in keys mean nothing special.
        rows = await self._run(
            lambda: self.db.execute(
                "SELECT data FROM records WHERE kind = ? AND key >= ? AND key < ? ORDER BY key",
                (kind.kind, prefix, prefix + "\U0010ffff"),
            ).fetchall()
        )
        return [self._decode(kind, data) for (data,) in rows]

    def _decode(self, kind: type[R], data: bytes) -> R:
        decoder = self._decoders.get(kind)
        if decoder is None:
            decoder = self._decoders[kind] = msgspec.json.Decoder(kind)
        return decoder.decode(data)

    async def ping(self) -> None:
        await self._run(lambda: self.db.execute("SELECT 1").fetchone())

    async def close(self) -> None:
        if self._closed:
            return
        if self._db is not None:
            await self._run(self._db.close)
            self._db = None
        self._closed = True
        self._executor.shutdown(wait=True)
