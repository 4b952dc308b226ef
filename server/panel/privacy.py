"""A member's right to see and to be forgotten: everything held about them, and erasure.

Erasure removes the member record, their invitations and their history. What they said in
meetings stays, anonymous: the rooms know them only by a per-room pseudonym, and the link from
that pseudonym to the member (the invitation) is gone.
"""

from typing import Any

import msgspec

from server.store import Store
from server.store.records import HistoryEntry, Invitation, Member


async def _invitations(store: Store, member_id: str) -> list[Invitation]:
    return [i for i in await store.list(Invitation) if i.member == member_id]


async def export_member(store: Store, member: Member) -> dict[str, Any]:
    return {
        "member": msgspec.to_builtins(member),
        "invitations": [{"meeting": i.meeting} for i in await _invitations(store, member.id)],
        "history": [msgspec.to_builtins(e) for e in await store.list(HistoryEntry, prefix=f"{member.id}/")],
    }


async def erase_member(store: Store, member: Member) -> int:
    """Delete every record about the member; returns how many records went."""
    gone = 0
    for invitation in await _invitations(store, member.id):
        gone += await store.delete(Invitation, invitation.key)
    for entry in await store.list(HistoryEntry, prefix=f"{member.id}/"):
        gone += await store.delete(HistoryEntry, entry.key)
    gone += await store.delete(Member, member.id)
    await store.forget()
    return gone
