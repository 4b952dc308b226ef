"""The staff audit log: who changed what, when. Field names only, never values or names."""

import secrets
from datetime import UTC, datetime

from server.store import Store
from server.store.records import AuditEntry


async def record(store: Store, staff: str, action: str, target: str = "", fields: list[str] | None = None) -> None:
    await store.put(
        AuditEntry(
            at=datetime.now(UTC), entry_id=secrets.token_hex(4), staff=staff, action=action,
            target=target, fields=sorted(fields or []),
        )
    )
