"""Committee counts, witness selection and proofs (§4.2, scenario 7)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from coordinator_program.core.committee import CommitteeSelection
from coordinator_program.core.errors import CoordinatorError, CoordinatorFailure
from coordinator_program.core.types import Committee, CommitteeProof


@dataclass(frozen=True)
class Proof:
    position: int
    index: int
    witness: int


def role_counts(selection: CommitteeSelection) -> dict[Committee, int]:
    counts = dict.fromkeys(Committee, 0)
    for index in range(selection.total_nodes):
        counts[Committee(selection.get_committee(index).committee)] += 1
    return counts


def test_reference_unit_numbers_10_20_30_100() -> None:
    selection = CommitteeSelection.new(10, 20, 30, 100, 12345)
    assert (selection.tie_breaker_nodes, selection.verifier_nodes, selection.trainer_nodes) == (10, 27, 63)
    assert role_counts(selection) == {Committee.TieBreaker: 10, Committee.Verifier: 27, Committee.Trainer: 63}
    assert sum(selection.get_witness(i)[1] for i in range(100)) == 20


def test_reference_unit_numbers_10_5_20_100() -> None:
    selection = CommitteeSelection.new(10, 5, 20, 100, 12345)
    assert role_counts(selection) == {Committee.TieBreaker: 10, Committee.Verifier: 18, Committee.Trainer: 72}


def test_witness_nodes_zero_means_first_32_positions() -> None:
    selection = CommitteeSelection.new(0, 0, 0, 240, 5)
    assert sum(selection.get_witness(i)[1] for i in range(240)) == 32
    assert sum(CommitteeSelection.new(0, 0, 0, 7, 5).get_witness(i)[1] for i in range(7)) == 7


def test_single_client_is_position_zero() -> None:
    selection = CommitteeSelection.new(0, 1, 0, 1, 987654321)
    assert selection.get_witness(0) == (0, True)
    proof = selection.get_committee(0)
    assert (proof.committee, proof.position, proof.index) == (Committee.Trainer, 0, 0)


@pytest.mark.parametrize(
    ("tie_breakers", "witnesses", "percent", "total"),
    [(10, 5, 20, 9), (0, 5, 0, 4), (0, 0, 101, 10)],
)
def test_impossible_selections_are_rejected(tie_breakers: int, witnesses: int, percent: int, total: int) -> None:
    with pytest.raises(CoordinatorFailure) as failure:
        CommitteeSelection.new(tie_breakers, witnesses, percent, total, 1)
    assert failure.value.error is CoordinatorError.InvalidCommitteeSelection


def test_committee_proofs_verify_only_with_the_right_position_and_role() -> None:
    selection = CommitteeSelection.new(10, 20, 30, 100, 12345)
    for index in range(100):
        proof = selection.get_committee(index)
        assert selection.verify_committee(proof)
        assert not selection.verify_committee(CommitteeProof(proof.committee, (proof.position + 1) % 100, index))
        wrong_role = (proof.committee + 1) % 3
        assert not selection.verify_committee(CommitteeProof(wrong_role, proof.position, index))


def test_witness_proof_byte_must_be_exactly_zero_or_one() -> None:
    selection = CommitteeSelection.new(0, 1, 0, 1, 3)
    assert selection.verify_witness(Proof(0, 0, 1))
    assert not selection.verify_witness(Proof(0, 0, 2))  # SmallBoolean compares bytes
    assert not selection.verify_witness(Proof(0, 0, 0))


def test_client_check_uses_signers_and_comes_before_the_shuffle() -> None:
    selection = CommitteeSelection.new(0, 0, 0, 3, 11)
    signers = [b"a" * 32, b"b" * 32, b"c" * 32]
    position, is_witness = selection.get_witness(1)
    proof = Proof(position, 1, int(is_witness))
    assert selection.verify_witness_for_client(b"b" * 32, proof, signers)
    assert not selection.verify_witness_for_client(b"a" * 32, proof, signers)
    # an index past the list is rejected before the shuffle (which would panic on it)
    assert not selection.verify_witness_for_client(b"b" * 32, Proof(0, 5, 1), signers)
