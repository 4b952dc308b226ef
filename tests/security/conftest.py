"""Shared by the security tests: one event loop per module (so a module's server, sockets and
hypothesis examples share it), the catalog's messages as patterns, and the store read directly."""

import html
import os
import re
import sqlite3
from functools import cache
from pathlib import Path

import msgspec
import pytest
from babel.messages.pofile import read_po
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[2]
NOTICE = re.compile(r'<div id="notice"[^>]*>(.*?)</div>', re.S)


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@cache
def catalog_patterns(language: str) -> list[re.Pattern[str]]:
    """Every message of a catalog as a pattern, its placeholders matching any text."""
    with (ROOT / "web" / "locale" / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    patterns = []
    for message in catalog:
        texts = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in texts:
            if text:
                parts = re.split(r"%\(\w+\)[sd]|%%", text)
                patterns.append(re.compile(".+?".join(re.escape(p) for p in parts), re.S))
    return patterns


def in_catalog(text: str, language: str = "nb") -> bool:
    """Whether `text` is one of the catalog's translated messages (with its values filled in)."""
    return any(p.fullmatch(text) for p in catalog_patterns(language))


def notice_of(frame_text: str) -> str:
    """The words of a command's answer, as a screen shows them."""
    m = NOTICE.search(frame_text)
    assert m, frame_text[:300]
    return html.unescape(re.sub(r"<[^>]+>", "", m.group(1))).strip()


def events(database: Path, room: str, after: int = 0) -> list[dict]:
    """The room's log as stored, decoded to plain data."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT data FROM events WHERE room = ? AND seq > ? ORDER BY seq", (room, after)).fetchall()
    return [msgspec.json.decode(bytes(data)) for (data,) in rows]


def strings_in(value: object) -> list[str]:
    """Every string anywhere inside a decoded JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *strings_in(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings_in(v)]
    return []


def store_rows(database: Path) -> list[tuple[str, str]]:
    """Every row of every table of the store, as (table, text of the row)."""
    rows = []
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"):
            for row in db.execute(f"SELECT * FROM {table}"):
                rows.append((table, " ".join(bytes(v).decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in row)))
    return rows


def store_files(database: Path) -> bytes:
    """The store's files as they lie on disk: the database and its write-ahead log."""
    return b"".join(p.read_bytes() for p in (database, Path(f"{database}-wal")) if p.exists())


def fuzz_settings(examples: int) -> settings:
    """Modest and repeatable in the suite; FUZZ_DEEP=N runs N fresh random examples instead
    (e.g. `FUZZ_DEEP=3000 bin/test tests/security -k fuzz`) to look further."""
    deep = int(os.environ.get("FUZZ_DEEP", "0"))
    return settings(
        max_examples=deep or examples, derandomize=not deep, database=None, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
