"""Storage: each room's event log and typed records, behind one narrow interface."""

from server.store.base import AppendConflict, Store, StoreUnavailable
from server.store.records import Record

__all__ = ["AppendConflict", "Record", "Store", "StoreUnavailable"]
