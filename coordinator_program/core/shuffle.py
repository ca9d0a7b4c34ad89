"""The two deterministic shuffles the coordinator and its clients agree on.

* ``compute_shuffled_index``: the Eth2-style swap-or-not shuffle (90 rounds over SHA-256). Committee and witness
  membership are positions in this virtual shuffle, so a client can prove its role with one index.
* ``deterministic_shuffle``: Fisher-Yates driven by a 64-bit LCG; it orders the trainers before the batch of a
  round is split between them.

Both must match the reference bit for bit: every client recomputes them locally.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TypeVar

from coordinator_program.core.errors import CoordinatorPanic

__all__ = [
    "SHUFFLE_ROUND_COUNT",
    "LCG_A",
    "LCG_C",
    "sha256v",
    "compute_shuffled_index",
    "Lcg",
    "deterministic_shuffle",
]

SHUFFLE_ROUND_COUNT = 90
LCG_A = 6364136223846793005
LCG_C = 1442695040888963407
_U64 = (1 << 64) - 1

T = TypeVar("T")


def sha256v(*parts: bytes) -> bytes:
    """SHA-256 of the concatenation of ``parts``.

    >>> sha256v(b"ab", b"c") == hashlib.sha256(b"abc").digest()
    True
    """
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
    return digest.digest()


def compute_shuffled_index(index: int, index_count: int, seed: bytes) -> int:
    """Position of ``index`` in the swap-or-not permutation of ``range(index_count)`` keyed by a 32-byte seed.

    The reference asserts ``index < index_count``; a violation is a panic, which fails the whole transaction.

    >>> sorted(compute_shuffled_index(i, 7, bytes(32)) for i in range(7))
    [0, 1, 2, 3, 4, 5, 6]
    >>> compute_shuffled_index(0, 1, bytes(32))
    0
    """
    if not index < index_count:
        raise CoordinatorPanic(f"compute_shuffled_index: index {index} >= count {index_count}")
    if len(seed) != 32:
        raise ValueError("the swap-or-not seed is 32 bytes")
    current = index
    for round_number in range(SHUFFLE_ROUND_COUNT):
        round_byte = bytes((round_number,))
        pivot = int.from_bytes(sha256v(seed, round_byte)[:8], "little") % index_count
        flip = (pivot + index_count - current) % index_count
        position = max(current, flip)
        # The reference hashes only the low 4 bytes of the u64 (position / 256) in little-endian order.
        source = sha256v(seed, round_byte, ((position // 256) & 0xFFFF_FFFF).to_bytes(4, "little"))
        bit = (source[(position % 256) // 8] >> (position % 8)) & 1
        if bit == 1:
            current = flip
    return current


class Lcg:
    """The reference's 64-bit linear congruential generator (wrapping arithmetic on purpose).

    >>> rng = Lcg(0)
    >>> rng.next_u64() == LCG_C
    True
    """

    def __init__(self, seed: int) -> None:
        self.state = seed & _U64

    def next_u64(self) -> int:
        """Advance the state and return the new state."""
        self.state = (self.state * LCG_A + LCG_C) & _U64
        return self.state

    def next_range(self, bound: int) -> int:
        """A value in ``[0, bound)``: the next state modulo ``bound``."""
        return self.next_u64() % bound


def deterministic_shuffle(items: Sequence[T], seed: int) -> list[T]:
    """Fisher-Yates (from the back) with ``Lcg(seed)``; returns a new list, the input is left alone.

    >>> deterministic_shuffle([1], 42)
    [1]
    >>> sorted(deterministic_shuffle(list(range(5)), 42))
    [0, 1, 2, 3, 4]
    """
    shuffled = list(items)
    rng = Lcg(seed)
    for i in range(len(shuffled) - 1, 0, -1):
        j = rng.next_range(i + 1)
        shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
    return shuffled
