"""Personal invitations: tokens, answers, check-in, expiry and withdrawal.

A token is HMAC(SECRET_KEY, invitation id): the server can print a letter again at any time,
while the database keeps only the token's sha256. Changing SECRET_KEY revokes every link.
A link stops working when staff withdraw it, and `grace_days` after its meeting has ended.
"""

import secrets
from datetime import UTC, datetime, timedelta

from server.auth import invitation_seat
from server.store import Store
from server.store.records import Invitation, Meeting, Member, Seat
from server.tokens import derive, hash_token

REVOKED = "revoked_invitation"
EXPIRED = "expired_invitation"


def token_for(secret_key: str, invitation_id: str) -> str:
    return derive(secret_key, f"invitation:{invitation_id}")


async def invite(store: Store, secret_key: str, meeting: Meeting, member: Member) -> tuple[Invitation, str]:
    """The member's invitation to the meeting, made now or found; and its link's token."""
    existing = await invitation_of(store, meeting.code, member.id)
    if existing is not None:
        return existing, token_for(secret_key, existing.id)
    invitation_id = secrets.token_hex(8)
    token = token_for(secret_key, invitation_id)
    invitation = Invitation(token_hash=hash_token(token), member=member.id, meeting=meeting.code, id=invitation_id)
    await store.put(invitation)
    return invitation, token


async def invitations_to(store: Store, meeting: str, include_revoked: bool = False) -> list[Invitation]:
    """The meeting's invitations; withdrawn ones only if asked for (letters, check-in, outcomes
    and draws never see them)."""
    return [
        i for i in await store.list(Invitation)
        if i.meeting == meeting and (include_revoked or i.revoked_at is None)
    ]


async def invitation_of(store: Store, meeting: str, member: str) -> Invitation | None:
    return next((i for i in await invitations_to(store, meeting) if i.member == member), None)


def link_problem(invitation: Invitation, meeting: Meeting, grace_days: int, now: datetime | None = None) -> str | None:
    """Why the link no longer works (REVOKED, EXPIRED), or None while it does."""
    if invitation.revoked_at is not None:
        return REVOKED
    now = now or datetime.now(UTC)
    if meeting.ended_at is not None and now > meeting.ended_at + timedelta(days=grace_days):
        return EXPIRED
    return None


async def revoke(store: Store, secret_key: str, invitation: Invitation) -> None:
    """Withdraw the invitation: its link stops working, and a device that joined with it loses
    its seat (the seat's secret is derived from the link, so it is found without being stored)."""
    invitation.revoked_at = datetime.now(UTC)
    await store.put(invitation)
    await store.delete(Seat, hash_token(invitation_seat(token_for(secret_key, invitation.id), invitation.meeting)[0]))


async def answer(store: Store, invitation: Invitation, coming: bool, accessibility: str, dietary: str) -> Invitation:
    invitation.answer = "yes" if coming else "no"
    invitation.accessibility = accessibility
    invitation.dietary = dietary
    invitation.answered_at = datetime.now(UTC)
    await store.put(invitation)
    return invitation


async def check_in(store: Store, invitation: Invitation, arrived: bool) -> None:
    invitation.checked_in_at = datetime.now(UTC) if arrived else None
    await store.put(invitation)


async def complete(store: Store, invitation: Invitation) -> None:
    """A survey's respondent has sent their answers (again): reminders skip them from now on."""
    invitation.completed_at = datetime.now(UTC)
    await store.put(invitation)
