"""Guessing join codes or invitation links, slowed down per client address.

A join code has 31^6 (about 2^30) values, so it is not a secret on its own: this keeps anyone from
walking through them. Each wrong code or link from an address is remembered for a minute; an
address with too many is refused every lookup (right or wrong, so the refusal itself gives
nothing away) until its oldest wrong guess is a minute old. In-process: with several processes
each keeps its own count.
"""

import time
from collections import deque

WINDOW = 60.0
MAX_ADDRESSES = 50_000  # beyond this, addresses with no recent wrong guess are forgotten


class Guesses:
    def __init__(self, per_minute: int) -> None:
        self.limit = per_minute
        self._wrong: dict[str, deque[float]] = {}

    def _recent(self, address: str, now: float) -> deque[float]:
        stamps = self._wrong.get(address)
        if stamps is None:
            return deque()
        while stamps and stamps[0] <= now - WINDOW:
            stamps.popleft()
        return stamps

    def blocked(self, address: str) -> bool:
        return len(self._recent(address, time.monotonic())) >= self.limit

    def retry_after(self, address: str) -> int:
        """Seconds until the address may try again."""
        now = time.monotonic()
        stamps = self._recent(address, now)
        return max(1, int(stamps[0] + WINDOW - now) + 1) if stamps else 1

    def wrong(self, address: str) -> None:
        now = time.monotonic()
        if len(self._wrong) >= MAX_ADDRESSES and address not in self._wrong:
            self._wrong = {a: s for a, s in self._wrong.items() if self._recent(a, now)}
        self._wrong.setdefault(address, deque()).append(now)
