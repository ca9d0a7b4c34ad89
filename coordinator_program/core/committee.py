"""Committee and witness selection (§4.2): who trains, who verifies, who witnesses a round.

A round's ``random_seed`` (u64) becomes a 32-byte seed ``sha256(seed LE)``. Each role is a position in a
swap-or-not shuffle of the round's client indices, salted with ``"committee"`` or ``"witness"``. Positions below the
tie-breaker count are tie-breakers, then come the verifiers, then the trainers; positions below ``witness_nodes``
(or below 32 when ``witness_nodes == 0``) are witnesses. A proof names the position and the index so the
coordinator can recompute it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from coordinator_program.core.errors import CoordinatorError, CoordinatorFailure
from coordinator_program.core.shuffle import compute_shuffled_index, sha256v
from coordinator_program.core.types.coordinator import CommitteeProof
from coordinator_program.core.types.enums import Committee

__all__ = [
    "COMMITTEE_SALT",
    "WITNESS_SALT",
    "SOLANA_MAX_NUM_WITNESSES",
    "WitnessProofLike",
    "CommitteeSelection",
    "is_client_at",
]

COMMITTEE_SALT = b"committee"
WITNESS_SALT = b"witness"
SOLANA_MAX_NUM_WITNESSES = 32


class WitnessProofLike(Protocol):
    """What verification reads from a witness proof (the account's ``WitnessProof`` has these fields).

    ``witness`` is the raw SmallBoolean byte: the reference compares the bytes, so only 0 and 1 can verify.
    """

    @property
    def position(self) -> int: ...

    @property
    def index(self) -> int: ...

    @property
    def witness(self) -> int: ...


def is_client_at(signer: bytes, index: int, client_signers: Sequence[bytes]) -> bool:
    """``client_signers[index] == signer``, false past the end (identity equality compares the signer key only).

    >>> is_client_at(b"a", 1, [b"b", b"a"]), is_client_at(b"a", 2, [b"b", b"a"])
    (True, False)
    """
    return index < len(client_signers) and client_signers[index] == signer


@dataclass(frozen=True)
class CommitteeSelection:
    """The role arithmetic of one round.

    >>> selection = CommitteeSelection.new(10, 20, 30, 100, 12345)
    >>> selection.tie_breaker_nodes, selection.verifier_nodes, selection.trainer_nodes
    (10, 27, 63)
    >>> sum(selection.get_witness(i)[1] for i in range(100))
    20
    """

    tie_breaker_nodes: int
    verifier_nodes: int
    total_nodes: int
    witness_nodes: int
    seed: bytes

    @classmethod
    def new(
        cls, tie_breaker_nodes: int, witness_nodes: int, verification_percent: int, total_nodes: int, seed: int
    ) -> CommitteeSelection:
        """``CommitteeSelection::new``; InvalidCommitteeSelection on impossible counts."""
        if (
            total_nodes < tie_breaker_nodes
            or (witness_nodes != 0 and total_nodes < witness_nodes)
            or verification_percent > 100
        ):
            raise CoordinatorFailure(CoordinatorError.InvalidCommitteeSelection)
        return _selection(tie_breaker_nodes, witness_nodes, verification_percent, total_nodes, seed)

    @property
    def trainer_nodes(self) -> int:
        """Clients that are neither tie-breakers nor verifiers."""
        return self.total_nodes - self.tie_breaker_nodes - self.verifier_nodes

    def _position(self, index: int, salt: bytes) -> int:
        return compute_shuffled_index(index, self.total_nodes, _salted(self.seed, salt))

    def committee_from_position(self, position: int) -> Committee:
        """The role a committee position stands for."""
        if position < self.tie_breaker_nodes:
            return Committee.TieBreaker
        if position < self.tie_breaker_nodes + self.verifier_nodes:
            return Committee.Verifier
        return Committee.Trainer

    def is_witness_position(self, position: int) -> bool:
        """Witnesses are the first ``witness_nodes`` positions, or the first 32 when it is 0 ("all")."""
        limit = SOLANA_MAX_NUM_WITNESSES if self.witness_nodes == 0 else self.witness_nodes
        return position < limit

    def get_committee(self, index: int) -> CommitteeProof:
        """The committee proof of client ``index``."""
        position = self._position(index, COMMITTEE_SALT)
        return CommitteeProof(committee=int(self.committee_from_position(position)), position=position, index=index)

    def get_witness(self, index: int) -> tuple[int, bool]:
        """``(position, is_witness)`` of client ``index``: the content of its ``WitnessProof``."""
        position = self._position(index, WITNESS_SALT)
        return position, self.is_witness_position(position)

    def verify_committee(self, proof: CommitteeProof) -> bool:
        """The proof's position and role are the ones its index gets in this round."""
        position = self._position(proof.index, COMMITTEE_SALT)
        return bool(proof.position == position and proof.committee == self.committee_from_position(position))

    def verify_witness(self, proof: WitnessProofLike) -> bool:
        """The proof's position and witness byte are the ones its index gets (byte 0 or 1, nothing else)."""
        position = self._position(proof.index, WITNESS_SALT)
        return proof.position == position and proof.witness == int(self.is_witness_position(position))

    def verify_committee_for_client(
        self, signer: bytes, proof: CommitteeProof, client_signers: Sequence[bytes]
    ) -> bool:
        """``client_signers[proof.index] == signer`` and the committee proof holds (the index check comes first)."""
        return is_client_at(signer, proof.index, client_signers) and self.verify_committee(proof)

    def verify_witness_for_client(
        self, signer: bytes, proof: WitnessProofLike, client_signers: Sequence[bytes]
    ) -> bool:
        """``client_signers[proof.index] == signer`` and the witness proof holds (the index check comes first)."""
        return is_client_at(signer, proof.index, client_signers) and self.verify_witness(proof)


@lru_cache(maxsize=64)
def _selection(
    tie_breaker_nodes: int,
    witness_nodes: int,
    verification_percent: int,
    total_nodes: int,
    seed: int,
) -> CommitteeSelection:
    """A round's (frozen) selection, built once: every witness and health check of the round asks for it."""
    return CommitteeSelection(
        tie_breaker_nodes=tie_breaker_nodes,
        verifier_nodes=(total_nodes - tie_breaker_nodes) * verification_percent // 100,
        total_nodes=total_nodes,
        witness_nodes=witness_nodes,
        seed=hashlib.sha256(seed.to_bytes(8, "little")).digest(),
    )


@lru_cache(maxsize=128)
def _salted(seed: bytes, salt: bytes) -> bytes:
    """The seed of a role's shuffle, ``sha256(seed ‖ salt)``."""
    return sha256v(seed, salt)
