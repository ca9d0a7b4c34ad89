"""The witness bloom: keyed FNV-1a, positions modulo 1024, LSB-first words."""

from __future__ import annotations

import hashlib

from coordinator_program.core.bloom import BLOOM_BITS, FNV_PRIME, Bloom, bloom_positions, fnv1a_keyed


def test_fnv_is_keyed_by_its_initial_state() -> None:
    assert fnv1a_keyed(b"", 0xDEAD) == 0xDEAD
    # one byte, hand computed: (1 ^ 0x61) * prime, low 10 bits = 96 * 0x1b3 mod 1024 = 800
    assert fnv1a_keyed(b"a", 1) == (0x60 * FNV_PRIME) % 2**64
    assert fnv1a_keyed(b"a", 1) % BLOOM_BITS == 800
    assert fnv1a_keyed(b"abc", 0xDEADBEEF) == 13410827188771382113


def test_positions_match_rust_for_a_hashed_signer() -> None:
    digest = hashlib.sha256(b"peer").digest()
    assert bloom_positions(digest, range(1, 9)) == [753, 386, 47, 112, 677, 438, 483, 228]


def test_add_sets_lsb_first_bits_in_words() -> None:
    bloom = Bloom.with_keys([0] * 8)
    bloom.add(b"\x01")  # every key 0 → position 0x1b3 = 435 = word 6, bit 51
    assert bloom.bits == [0] * 6 + [1 << 51] + [0] * 9
    assert bloom.contains(b"\x01")


def test_default_bloom_contains_nothing() -> None:
    assert not Bloom().contains(b"")
    assert not Bloom().contains(hashlib.sha256(b"x").digest())


def test_contains_needs_every_key() -> None:
    bloom = Bloom.with_keys(range(1, 9))
    bloom.add(b"item")
    assert bloom.contains(b"item")
    word = bloom_positions(b"item", [8])[0]
    bloom.bits[word // 64] &= ~(1 << (word % 64))
    assert not bloom.contains(b"item")


def test_clear_keeps_keys() -> None:
    bloom = Bloom.with_keys(range(8))
    bloom.add(b"x")
    bloom.clear()
    assert bloom.keys == list(range(8))
    assert not bloom.contains(b"x")
