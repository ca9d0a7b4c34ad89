"""Witness quorum table and the consensus helpers of §5.1."""

from __future__ import annotations

import hashlib

import pytest

from coordinator_program.core.bloom import Bloom
from coordinator_program.core.errors import CoordinatorPanic
from coordinator_program.core.quorum import select_consensus_commitment, trainer_healthy_score, witness_quorum


def test_quorum_table() -> None:
    table = {1: 1, 2: 2, 3: 2, 4: 2, 5: 3, 6: 4, 7: 4, 8: 5, 9: 6, 10: 6, 31: 20, 32: 21}
    assert {k: witness_quorum(k, 0) for k in table} == table


def test_quorum_of_configured_nodes_ignores_the_count() -> None:
    assert witness_quorum(6, 1) == 4
    assert witness_quorum(0, 6) == 4


def test_quorum_of_zero_is_unreachable() -> None:
    with pytest.raises(CoordinatorPanic):
        witness_quorum(0, 0)


def bloom_with(*items: bytes, keys: range = range(1, 9)) -> Bloom:
    bloom = Bloom.with_keys(keys)
    for item in items:
        bloom.add(item)
    return bloom


def test_trainer_score_counts_blooms_holding_the_hashed_signer() -> None:
    signer = b"s" * 32
    hashed = hashlib.sha256(signer).digest()
    blooms = [bloom_with(hashed), bloom_with(), bloom_with(hashed, keys=range(9, 17)), Bloom()]
    assert trainer_healthy_score(signer, blooms) == 2


def test_consensus_votes_for_the_first_contained_commitment_and_ties_go_last() -> None:
    first, second = b"1" * 32, b"2" * 32
    # one witness saw both: it votes only for the first in list order
    assert select_consensus_commitment([first, second], [bloom_with(first, second)], 1) == 0
    # one vote each: a tie, the last qualifying index wins
    assert select_consensus_commitment([first, second], [bloom_with(first), bloom_with(second)], 1) == 1
    assert select_consensus_commitment([first, second], [bloom_with(first), bloom_with(second)], 2) is None
    assert select_consensus_commitment([], [bloom_with(first)], 1) is None
