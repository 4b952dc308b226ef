"""Storage: each room's event log and typed records, behind one narrow interface."""

from typing import TYPE_CHECKING

from server.store.base import AppendConflict, Store, StoreUnavailable
from server.store.records import Record

if TYPE_CHECKING:
    from server.settings import Settings

__all__ = ["AppendConflict", "Record", "Store", "StoreUnavailable"]


async def open_store(settings: "Settings") -> Store:
    """Redis when REDIS_URL is set (several processes share it), else the SQLite file."""
    if settings.redis_url:
        from server.store.redis import RedisStore

        return await RedisStore(settings.redis_url, settings.redis_prefix).open()
    from server.store.sqlite import SQLiteStore

    return await SQLiteStore(settings.database_path).open()
