"""Participant blooms for simulated witnesses, built without hashing every peer every round.

A witness's ``participant_bloom`` holds ``sha256(signer)`` of every trainer whose result it received (spec
client-training §5.1), under 8 keys the witness draws. Building one from scratch is 8 keyed FNV-1a hashes per
peer in Python, ~65 000 per round of 32 witnesses over 256 clients. Instead the keys come from a fixed pool drawn
once from the simulation's seed, and each peer's 1024-bit mask under a key set is computed once (with the core's
own ``bloom_positions``) and OR-ed in afterwards. Witnesses still disagree on keys, so the blooms' false positives
(~31 % per bloom at 256 peers: the reference fixes the size at 1024 bits) stay independent between witnesses.
"""

from __future__ import annotations

import random
from functools import reduce
from operator import or_

from coordinator_program.core import sha256v
from coordinator_program.core.bloom import BLOOM_BITS, BLOOM_KEYS, bloom_positions
from coordinator_program.core.types import WitnessBloom

__all__ = ["KEY_SETS", "ParticipantBlooms"]

KEY_SETS = 64
"""Key sets in the pool: enough that two witnesses of a round rarely share one."""
CACHED_BLOOMS = 4096
"""Blooms kept for reuse: the set of received results rarely changes from one round to the next."""


class ParticipantBlooms:
    """The pool of witness key sets and every peer's bits under each (computed on first use)."""

    def __init__(self, rng: random.Random, key_sets: int = KEY_SETS) -> None:
        self._keys = [[rng.getrandbits(64) for _ in range(BLOOM_KEYS)] for _ in range(key_sets)]
        self._key_bytes = [b"".join(key.to_bytes(8, "little") for key in keys) for keys in self._keys]
        self._masks: list[dict[bytes, int]] = [{} for _ in range(key_sets)]
        self._blooms: dict[tuple[int, frozenset[bytes]], bytes] = {}

    def draw_key_set(self, rng: random.Random) -> int:
        """A witness picks its key set for a round (with its own random generator)."""
        return rng.randrange(len(self._keys))

    def _masks_of(self, key_set: int, signers: frozenset[bytes]) -> dict[bytes, int]:
        """Every peer's bits under a key set, those of ``signers`` not seen before computed now."""
        masks = self._masks[key_set]
        for signer in signers - masks.keys():
            mask = 0
            for position in bloom_positions(sha256v(signer), self._keys[key_set]):
                mask |= 1 << position
            masks[signer] = mask
        return masks

    def bloom(self, key_set: int, signers: frozenset[bytes]) -> WitnessBloom:
        """The participant bloom of a witness that received results from ``signers`` (bit i = word i//64, bit i%64)."""
        raw = self._blooms.get((key_set, signers))
        if raw is None:
            bits = reduce(or_, map(self._masks_of(key_set, signers).__getitem__, signers), 0)
            raw = self._key_bytes[key_set] + bits.to_bytes(BLOOM_BITS // 8, "little")
            if len(self._blooms) >= CACHED_BLOOMS:
                self._blooms.clear()
            self._blooms[(key_set, signers)] = raw
        return WitnessBloom.from_buffer_copy(raw)
