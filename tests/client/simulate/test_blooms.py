"""Simulated participant blooms are real witness blooms: the coordinator's bloom rules read them as built."""

from __future__ import annotations

import random

from client.simulate.blooms import ParticipantBlooms
from coordinator_program.core import Bloom, bloom_contains, sha256v


def test_bloom_contains_every_received_peer_and_matches_the_core_bloom() -> None:
    rng = random.Random(3)
    blooms = ParticipantBlooms(rng, key_sets=4)
    signers = [bytes([i]) * 32 for i in range(40)]
    key_set = blooms.draw_key_set(rng)
    bloom = blooms.bloom(key_set, frozenset(signers[:25]))

    reference = Bloom.with_keys(list(bloom.keys))
    for signer in signers[:25]:
        reference.add(sha256v(signer))
    assert list(bloom.bits) == reference.bits
    assert all(bloom_contains(bloom, sha256v(signer)) for signer in signers[:25])


def test_empty_bloom_keeps_its_keys_and_contains_nobody() -> None:
    blooms = ParticipantBlooms(random.Random(1), key_sets=2)
    bloom = blooms.bloom(1, frozenset())
    assert any(bloom.keys) and not any(bloom.bits)
    assert not bloom_contains(bloom, sha256v(bytes(32)))
