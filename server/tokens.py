"""Secrets in links and cookies. Only their hashes are stored."""

import hashlib
import hmac
import secrets

# Easy to read aloud and to type: no 0/O, no 1/I/l.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 6


def new_token() -> str:
    """192 random bits, URL-safe."""
    return secrets.token_urlsafe(24)


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalise_join_code(typed: str) -> str:
    """What someone typed, as a code: case, spaces and dashes ignored."""
    return "".join(typed.split()).replace("-", "").upper()


def new_pid() -> str:
    return secrets.token_hex(6)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def derive(secret: str, purpose: str) -> str:
    """A value only the holder of `secret` can compute (HMAC-SHA256, 128 bits shown)."""
    return hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).hexdigest()[:32]


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
