"""The draw's only source of randomness: SHA-256 in counter mode over a published seed.

Anyone can re-implement this in a few lines of any language and re-run a draw:

    block(i) = SHA-256( b"innbyggerpanel-draw/1" 0x00 label 0x00 seed 0x00 i )

with `label` and `seed` as UTF-8 (the seed NFC-normalised, otherwise exactly as given) and `i` =
0, 1, 2, ... as 8 bytes big-endian. The blocks are concatenated into one byte stream, read 8 bytes
at a time as big-endian unsigned integers. A separate `label` gives each use (which panel, which
members of a type, the reserve order) its own independent stream, so adding a use never shifts
the numbers another use sees.

`below(n)` draws a uniform integer in [0, n) by rejection (no modulo bias): take the next 64-bit
number u; if u < 2**64 - (2**64 mod n), return u mod n, else take the next one. `shuffle` is
Fisher-Yates from the last position down: for i = len-1 .. 1, swap item i with item below(i+1).
Python's `random` module is never used for a draw.
"""

import hashlib
import struct
import unicodedata
from collections.abc import Sequence

DOMAIN = b"innbyggerpanel-draw/1"
_TWO64 = 1 << 64


class Stream:
    """An endless, reproducible byte stream for one (seed, label) pair."""

    def __init__(self, seed: str, label: str) -> None:
        self._prefix = b"\0".join((
            DOMAIN, label.encode("utf-8"), unicodedata.normalize("NFC", seed).encode("utf-8"), b"",
        ))
        self._counter = 0
        self._buffer = b""

    def _take(self, size: int) -> bytes:
        while len(self._buffer) < size:
            block = hashlib.sha256(self._prefix + struct.pack(">Q", self._counter)).digest()
            self._buffer += block
            self._counter += 1
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out

    def uint64(self) -> int:
        return int.from_bytes(self._take(8), "big")

    def below(self, n: int) -> int:
        """A uniform integer in [0, n)."""
        if n <= 0:
            raise ValueError("n must be positive")
        limit = _TWO64 - _TWO64 % n
        while True:
            u = self.uint64()
            if u < limit:
                return u % n

    def shuffle[T](self, items: Sequence[T]) -> list[T]:
        """A new list: `items` in a uniformly random order (Fisher-Yates)."""
        out = list(items)
        for i in range(len(out) - 1, 0, -1):
            j = self.below(i + 1)
            out[i], out[j] = out[j], out[i]
        return out
