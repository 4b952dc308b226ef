"""Staff accounts: scrypt password hashes, lockout after repeated failures, sessions in the store.

Roles nest: an administrator may do all a coordinator may, and a coordinator all a facilitator may.
"""

import asyncio
import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta
from enum import IntEnum

from litestar import Request
from rooms.rejection import N_

from server.auth import STAFF_SESSION_COOKIE as SESSION_COOKIE
from server.auth import session_user
from server.store import Store
from server.store.records import StaffSession, StaffUser
from server.tokens import hash_token, new_token

SESSION_LIFETIME = timedelta(hours=12)
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 12
NOT_YOUR_ROLE = N_("Your role does not allow this. Ask an administrator if you need it.")

# scrypt with n=2**14, r=8 needs 16 MiB per hash: memory-hard, and about 50 ms here.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "maxmem": 64 * 1024 * 1024}


class Role(IntEnum):
    FACILITATOR = 1
    COORDINATOR = 2
    ADMINISTRATOR = 3

    @classmethod
    def named(cls, name: str) -> "Role":
        return cls[name.upper()]


ROLE_NAMES = {role.name.lower(): role for role in Role}


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${salt.hex()}${digest.hex()}"


def password_matches(password: str, stored: str) -> bool:
    try:
        scheme, n, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    params = {**_SCRYPT, "n": int(n)}
    candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), dklen=32, **params)
    return hmac.compare_digest(candidate.hex(), digest)


# Checked when no such user exists, so a wrong username costs as long as a wrong password.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


async def create_user(store: Store, username: str, name: str, role: str, password: str) -> StaffUser:
    if role not in ROLE_NAMES:
        raise ValueError(f"unknown role {role!r}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"passwords need at least {MIN_PASSWORD_LENGTH} characters")
    user = StaffUser(username=username.strip().lower(), name=name, role=role, password_hash=hash_password(password))
    await store.put(user)
    return user


class LoginRefused(Exception):
    def __init__(self, locked: bool) -> None:
        self.locked = locked


async def log_in(store: Store, username: str, password: str) -> str:
    """A new session token for the right username and password; raises LoginRefused. After
    MAX_FAILED_LOGINS wrong passwords the account is locked for LOCKOUT, whatever is typed."""
    now = datetime.now(UTC)
    user = await store.get(StaffUser, username.strip().lower())
    if user is None or not user.active:
        await asyncio.to_thread(password_matches, password, _DUMMY_HASH)
        raise LoginRefused(locked=False)
    if user.locked_until is not None and user.locked_until > now:
        raise LoginRefused(locked=True)
    # Hashing takes ~50-80 ms of CPU: off the event loop, so live meetings do not stall.
    if not await asyncio.to_thread(password_matches, password, user.password_hash):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.failed_logins = 0
            user.locked_until = now + LOCKOUT
        await store.put(user)
        raise LoginRefused(locked=user.locked_until is not None and user.locked_until > now)
    if user.failed_logins or user.locked_until:
        user.failed_logins, user.locked_until = 0, None
        await store.put(user)
    token = new_token()
    await store.put(StaffSession(token_hash=hash_token(token), username=user.username, expires_at=now + SESSION_LIFETIME))
    return token


async def log_out(store: Store, token: str | None) -> None:
    if token:
        session = await store.get(StaffSession, hash_token(token))
        if session is not None:
            session.expires_at = datetime.now(UTC)
            await store.put(session)


async def current_user(request: Request) -> StaffUser | None:
    return await session_user(request.app.state.store, request.cookies.get(SESSION_COOKIE))


def may(user: StaffUser | None, role: Role) -> bool:
    return user is not None and ROLE_NAMES.get(user.role, Role.FACILITATOR) >= role


async def staff_or_refusal(request: Request, role: Role):
    """The logged-in staff user if they hold `role`; otherwise the response to send instead:
    the login page for strangers, a polite refusal for those without the role."""
    from litestar.response import Redirect

    from server.pages import page

    user = await current_user(request)
    if user is None:
        return Redirect(f"/staff/login?next={request.url.path}", status_code=303)
    if not may(user, role):
        return page(request, "error.html", status=403, status_code=403, user=user, message_id=NOT_YOUR_ROLE)
    return user
