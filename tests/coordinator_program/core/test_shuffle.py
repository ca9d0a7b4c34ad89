"""The shuffles match values computed by an independent std-only Rust implementation of the reference algorithms."""

from __future__ import annotations

import hashlib

import pytest

from coordinator_program.core import shuffle
from coordinator_program.core.errors import CoordinatorPanic
from coordinator_program.core.shuffle import (
    LCG_A,
    LCG_C,
    SHUFFLE_ROUND_COUNT,
    Lcg,
    compute_shuffled_index,
    deterministic_shuffle,
    sha256v,
)


def salted_seed(seed: int, salt: bytes) -> bytes:
    return sha256v(hashlib.sha256(seed.to_bytes(8, "little")).digest(), salt)


def test_swap_or_not_with_zero_seed_matches_rust() -> None:
    assert [compute_shuffled_index(i, 10, bytes(32)) for i in range(10)] == [9, 7, 4, 1, 8, 0, 5, 6, 3, 2]


def test_committee_and_witness_positions_match_rust() -> None:
    committee = salted_seed(12345, b"committee")
    witness = salted_seed(12345, b"witness")
    assert [compute_shuffled_index(i, 100, committee) for i in range(10)] == [83, 58, 32, 29, 76, 82, 21, 88, 14, 56]
    assert [compute_shuffled_index(i, 100, witness) for i in range(10)] == [58, 86, 21, 7, 69, 31, 63, 29, 11, 88]


def test_swap_or_not_uses_the_second_256_block_for_large_counts() -> None:
    seed = salted_seed(7, b"witness")
    assert compute_shuffled_index(999, 1000, seed) == 936
    assert compute_shuffled_index(500, 1000, seed) == 104


def test_swap_or_not_is_a_permutation() -> None:
    seed = salted_seed(99, b"committee")
    assert sorted(compute_shuffled_index(i, 257, seed) for i in range(257)) == list(range(257))


def test_swap_or_not_index_out_of_range_panics() -> None:
    with pytest.raises(CoordinatorPanic):
        compute_shuffled_index(10, 10, bytes(32))


def test_lcg_wraps_at_64_bits() -> None:
    rng = Lcg(12345)
    assert rng.next_u64() == (12345 * LCG_A + LCG_C) % 2**64
    assert Lcg(2**64 - 1).next_u64() == ((2**64 - 1) * LCG_A + LCG_C) % 2**64


def test_deterministic_shuffle_matches_rust() -> None:
    assert deterministic_shuffle(list(range(10)), 42) == [2, 1, 0, 6, 7, 5, 4, 9, 8, 3]
    assert deterministic_shuffle(list(range(5)), 0) == [3, 0, 1, 4, 2]
    assert deterministic_shuffle(list(range(23)), 2**64 - 1) == [
        6, 18, 20, 22, 1, 5, 2, 10, 15, 13, 14, 3, 12, 9, 8, 21, 4, 17, 16, 11, 0, 7, 19,
    ]  # fmt: skip


def test_deterministic_shuffle_leaves_input_alone() -> None:
    items = [1, 2, 3, 4, 5]
    deterministic_shuffle(items, 42)
    assert items == [1, 2, 3, 4, 5]
    assert deterministic_shuffle([], 42) == []


def test_round_hashes_are_computed_once_per_permutation(monkeypatch: pytest.MonkeyPatch) -> None:
    """A round's 32 witnesses verify positions of one permutation: its 90 pivot and 90 source hashes are computed
    once and shared, not 180 SHA-256 calls per proof."""
    calls = 0

    def counting_sha256v(*parts: bytes) -> bytes:
        nonlocal calls
        calls += 1
        return sha256v(*parts)

    monkeypatch.setattr(shuffle, "sha256v", counting_sha256v)
    seed = salted_seed(424242, b"witness")
    positions = [compute_shuffled_index(i, 256, seed) for i in range(32)]
    assert calls == 2 * SHUFFLE_ROUND_COUNT
    assert [shuffle.swap_or_not_rounds(seed, 256).unshuffled(p) for p in positions] == list(range(32))


@pytest.mark.parametrize("count", [1, 2, 7, 100, 256, 257, 1000])
def test_cached_rounds_match_the_algorithm_step_by_step(count: int) -> None:
    """The cached tables give what the reference's loop computes from scratch (one block, and several)."""
    seed = salted_seed(count, b"committee")

    def from_scratch(index: int) -> int:
        current = index
        for round_number in range(SHUFFLE_ROUND_COUNT):
            pivot = int.from_bytes(hashlib.sha256(seed + bytes((round_number,))).digest()[:8], "little") % count
            flip = (pivot + count - current) % count
            position = max(current, flip)
            block = (position // 256).to_bytes(4, "little")
            source = hashlib.sha256(seed + bytes((round_number,)) + block).digest()
            if (source[(position % 256) // 8] >> (position % 8)) & 1:
                current = flip
        return current

    indices = sorted({0, count // 3, count // 2, count - 1})
    assert [compute_shuffled_index(i, count, seed) for i in indices] == [from_scratch(i) for i in indices]


def test_an_index_is_run_through_the_rounds_once_whichever_way_it_is_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """The simulator elects witnesses from their positions; the coordinator then verifies the same indices."""
    rounds = shuffle.SwapOrNotRounds(salted_seed(99, b"witness"), 256)
    runs = 0
    run = shuffle.SwapOrNotRounds._run

    def counting_run(self: shuffle.SwapOrNotRounds, current: int, backward: bool) -> int:
        nonlocal runs
        runs += 1
        return run(self, current, backward)

    monkeypatch.setattr(shuffle.SwapOrNotRounds, "_run", counting_run)
    indices = [rounds.unshuffled(position) for position in range(32)]
    assert [rounds.shuffled(index) for index in indices] == list(range(32))
    assert [rounds.unshuffled(position) for position in range(32)] == indices
    assert runs == 32
