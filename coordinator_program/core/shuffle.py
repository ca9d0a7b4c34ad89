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
from functools import lru_cache
from typing import TypeVar

from coordinator_program.core.errors import CoordinatorPanic

__all__ = [
    "SHUFFLE_ROUND_COUNT",
    "LCG_A",
    "LCG_C",
    "sha256v",
    "SwapOrNotRounds",
    "swap_or_not_rounds",
    "compute_shuffled_index",
    "Lcg",
    "deterministic_shuffle",
]

SHUFFLE_ROUND_COUNT = 90
LCG_A = 6364136223846793005
LCG_C = 1442695040888963407
_U64 = (1 << 64) - 1
_FORWARD = tuple(range(SHUFFLE_ROUND_COUNT))
_BACKWARD = _FORWARD[::-1]
_ROUND_BYTES = tuple(bytes((round_number,)) for round_number in _FORWARD)


def _block_bytes(block: int) -> bytes:
    """How a source hash names its block of 256 positions: the reference hashes only the low 4 bytes of the u64
    ``position / 256``, little-endian."""
    return (block & 0xFFFF_FFFF).to_bytes(4, "little")


T = TypeVar("T")
_Steps = tuple[tuple[int, int], ...]


def sha256v(*parts: bytes) -> bytes:
    """SHA-256 of the concatenation of ``parts``.

    >>> sha256v(b"ab", b"c") == hashlib.sha256(b"abc").digest()
    True
    """
    return hashlib.sha256(b"".join(parts)).digest()


class SwapOrNotRounds:
    """The 90 round hashes of one swap-or-not permutation (a seed and an index count), and the indices already
    mapped through it (both ways), computed once.

    Every index of a permutation goes through the same 90 rounds, each with one pivot hash and one source hash per
    block of 256 positions; only the arithmetic differs between indices. A round's witnesses all verify positions
    of the same permutation, so keeping the hashes turns 180 SHA-256 calls per proof into a table lookup. Source
    blocks are hashed on first use (a count of at most 256, the program's limit, needs one per round).
    """

    __slots__ = ("seed", "index_count", "pivots", "_sources", "_steps", "_positions", "_indices")

    def __init__(self, seed: bytes, index_count: int) -> None:
        if len(seed) != 32:
            raise ValueError("the swap-or-not seed is 32 bytes")
        self.seed = seed
        self.index_count = index_count
        self.pivots = tuple(
            int.from_bytes(sha256v(seed, number)[:8], "little") % index_count for number in _ROUND_BYTES
        )
        self._sources: dict[tuple[int, int], bytes] = {}
        self._steps: tuple[_Steps, _Steps] | None = None
        # Indices and positions already run through the rounds, both ways: the simulator elects a round's witnesses
        # by their positions, and the coordinator then verifies the same indices.
        self._positions: dict[int, int] = {}
        self._indices: dict[int, int] = {}

    def _source(self, round_number: int, block: int) -> bytes:
        """The source hash of a round's block of 256 positions."""
        source = self._sources.get((round_number, block))
        if source is None:
            source = sha256v(self.seed, _ROUND_BYTES[round_number], _block_bytes(block))
            self._sources[(round_number, block)] = source
        return source

    def _run(self, current: int, backward: bool) -> int:
        """Apply the 90 rounds in order (in reverse if ``backward``) to ``current``: a round sends it to its flip when
        the source bit says so.

        The decision depends only on the pair ``{current, flip}`` (through its larger member), so each round is an
        involution and the permutation's inverse runs the same rounds backwards.
        """
        count = self.index_count
        if count <= 256:  # one source block a round: its 256 bits as one integer, bit i = byte i // 8, bit i % 8
            for pivot, word in self._block_zero_steps()[backward]:
                flip = (pivot - current) % count
                if word >> (current if current > flip else flip) & 1:
                    current = flip
            return current
        pivots = self.pivots
        for round_number in _BACKWARD if backward else _FORWARD:
            flip = (pivots[round_number] + count - current) % count
            position = current if current > flip else flip
            source = self._sources.get((round_number, position >> 8)) or self._source(round_number, position >> 8)
            if (source[(position & 255) >> 3] >> (position & 7)) & 1:
                current = flip
        return current

    def block_zero_sources(self) -> bytes:
        """The 90 rounds' source hashes of the first block of 256 positions, in round order, concatenated: all the
        source bits a count of at most 256 uses."""
        seed, block = self.seed, _block_bytes(0)
        return b"".join([sha256v(seed, number, block) for number in _ROUND_BYTES])

    def _block_zero_steps(self) -> tuple[_Steps, _Steps]:
        """``(pivot, source bits)`` of each round, forward then backward, for a count of at most 256."""
        if self._steps is None:
            sources = self.block_zero_sources()
            words = [int.from_bytes(sources[at : at + 32], "little") for at in range(0, len(sources), 32)]
            forward = tuple(zip(self.pivots, words, strict=True))
            self._steps = (forward, forward[::-1])
        return self._steps

    def remember(self, index: int, position: int) -> None:
        """Keep ``index <-> position``, a pair of this permutation found by other means (the simulator's election
        inverts whole positions at once), for the coordinator's verification to look up."""
        self._positions[index], self._indices[position] = position, index

    def shuffled(self, index: int) -> int:
        """The position of ``index`` (``compute_shuffled_index``); ``index`` must be below the count."""
        position = self._positions.get(index)
        if position is None:
            position = self._run(index, backward=False)
            self._positions[index], self._indices[position] = position, index
        return position

    def unshuffled(self, position: int) -> int:
        """The index whose position is ``position``: the inverse permutation."""
        index = self._indices.get(position)
        if index is None:
            index = self._run(position, backward=True)
            self._positions[index], self._indices[position] = position, index
        return index


@lru_cache(maxsize=64)
def swap_or_not_rounds(seed: bytes, index_count: int) -> SwapOrNotRounds:
    """The round hashes of the permutation of ``range(index_count)`` keyed by ``seed``, shared by every caller.

    A round selects with two seeds (committee and witness salts); 64 entries hold the last rounds of many runs.
    """
    return SwapOrNotRounds(seed, index_count)


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
    return swap_or_not_rounds(bytes(seed), index_count).shuffled(index)


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
