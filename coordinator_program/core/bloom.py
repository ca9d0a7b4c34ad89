"""The witnesses' Bloom filter: ``Bloom<16, 8>`` of the reference (1024 bits in 16 u64 words, 8 keys).

Each key seeds one FNV-1a 64 hash by *replacing the offset basis* with the key; the bit position is the hash modulo
1024 whatever size a client asked for. Bit ``i`` lives in word ``i // 64`` at bit ``i % 64`` (LSB first), which is
how the account stores it. A bloom whose keys are all zero (the default) has no bits set, so it contains nothing.

The functions take the keys and the words as plain indexable sequences so they work on a Python ``Bloom`` value and
directly on the ``keys``/``bits`` arrays of the account's ``WitnessBloom`` structure.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

__all__ = [
    "BLOOM_WORDS",
    "BLOOM_KEYS",
    "BLOOM_BITS",
    "BLOOM_FALSE_RATE",
    "FNV_PRIME",
    "WordArray",
    "BloomLike",
    "fnv1a_keyed",
    "bloom_positions",
    "bloom_add",
    "bloom_contains",
    "Bloom",
]

BLOOM_WORDS = 16
BLOOM_KEYS = 8
BLOOM_BITS = BLOOM_WORDS * 64
BLOOM_FALSE_RATE = 0.01
FNV_PRIME = 0x100000001B3
_U64 = (1 << 64) - 1


class WordArray(Protocol):
    """An indexable array of u64 words: a Python list or a ctypes ``c_uint64`` array of the account."""

    def __getitem__(self, index: int, /) -> int: ...

    def __setitem__(self, index: int, value: int, /) -> None: ...

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[int]: ...


class BloomLike(Protocol):
    """Anything with the two arrays of a witness bloom: a ``Bloom`` value or the account's ``WitnessBloom``."""

    @property
    def keys(self) -> WordArray: ...

    @property
    def bits(self) -> WordArray: ...


def fnv1a_keyed(data: bytes, key: int) -> int:
    """FNV-1a 64 with the initial state set to ``key`` (wrapping multiply, no length prefix).

    >>> fnv1a_keyed(b"", 7)
    7
    >>> fnv1a_keyed(b"\\x01", 0) == FNV_PRIME
    True
    """
    state = key & _U64
    for byte in data:
        state = ((state ^ byte) * FNV_PRIME) & _U64
    return state


def bloom_positions(item: bytes, keys: Sequence[int] | WordArray) -> list[int]:
    """The bit positions ``item`` maps to, one per key.

    >>> bloom_positions(b"\\x01", [0])
    [435]
    """
    return [fnv1a_keyed(item, key) % BLOOM_BITS for key in keys]


def bloom_add(bloom: BloomLike, item: bytes) -> None:
    """Set the bits of ``item`` in ``bloom.bits`` (16 u64 words)."""
    words = bloom.bits
    for position in bloom_positions(item, bloom.keys):
        words[position // 64] = words[position // 64] | (1 << (position % 64))


def bloom_contains(bloom: BloomLike, item: bytes) -> bool:
    """True iff every bit of ``item`` is set (a false positive is possible, a false negative is not)."""
    words = bloom.bits
    return all(words[position // 64] >> (position % 64) & 1 for position in bloom_positions(item, bloom.keys))


@dataclass
class Bloom:
    """A witness bloom as a Python value (the account holds the same two arrays).

    >>> bloom = Bloom.with_keys([1, 2, 3, 4, 5, 6, 7, 8])
    >>> bloom.add(b"peer")
    >>> bloom.contains(b"peer"), bloom.contains(b"other")
    (True, False)
    >>> Bloom().contains(b"peer")
    False
    """

    keys: list[int] = field(default_factory=lambda: [0] * BLOOM_KEYS)
    bits: list[int] = field(default_factory=lambda: [0] * BLOOM_WORDS)

    def __post_init__(self) -> None:
        if len(self.keys) != BLOOM_KEYS or len(self.bits) != BLOOM_WORDS:
            raise ValueError(f"a witness bloom has {BLOOM_KEYS} keys and {BLOOM_WORDS} words")

    @classmethod
    def with_keys(cls, keys: Sequence[int]) -> Bloom:
        """An empty bloom with the given 8 keys (clients draw them at random; the rules never do)."""
        return cls(keys=list(keys))

    def add(self, item: bytes) -> None:
        """Insert ``item``."""
        bloom_add(self, item)

    def contains(self, item: bytes) -> bool:
        """Membership test with the bloom's keys."""
        return bloom_contains(self, item)

    def clear(self) -> None:
        """Drop every bit, keep the keys."""
        self.bits[:] = [0] * BLOOM_WORDS
