"""Witness quorum and the consensus rules built on it (§5.1).

``witness_quorum`` decides whether a round may continue and whether a trainer counts as healthy; the same number
lets every client pick, per batch, the commitment most witnesses saw.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from coordinator_program.core.bloom import BloomLike, bloom_contains
from coordinator_program.core.errors import CoordinatorPanic
from coordinator_program.core.shuffle import sha256v

__all__ = [
    "WITNESS_QUORUM_RAIO",
    "witness_quorum",
    "trainer_healthy_score",
    "select_consensus_commitment",
]

# The reference's spelling; the ratio is computed in f64 like there.
WITNESS_QUORUM_RAIO = 2.0 / 3.0


def witness_quorum(witness_nodes: int, num_witnesses: int) -> int:
    """Witnesses needed for a quorum: of the configured ``witness_nodes``, or of ``num_witnesses`` when it is 0.

    Small counts are special-cased (1→1, 2→2, 3→2); above that it is ``max(1, floor(k * 2/3))`` in f64. A count of
    0 is unreachable in the reference (``unreachable!``) and panics here too.

    >>> [witness_quorum(k, 0) for k in (1, 2, 3, 4, 5, 6, 7, 32)]
    [1, 2, 2, 2, 3, 4, 4, 21]
    >>> witness_quorum(0, 9)
    6
    """
    k = num_witnesses if witness_nodes == 0 else witness_nodes
    if k == 0:
        raise CoordinatorPanic("witness_quorum of zero witness nodes is unreachable")
    if k == 1:
        return 1
    if k in (2, 3):
        return 2
    return max(1, int(k * WITNESS_QUORUM_RAIO))


def trainer_healthy_score(signer: bytes, participant_blooms: Iterable[BloomLike]) -> int:
    """How many witnesses' participant blooms contain ``sha256(signer)``."""
    hashed = sha256v(signer)
    return sum(1 for bloom in participant_blooms if bloom_contains(bloom, hashed))


def select_consensus_commitment(
    commitment_hashes: Sequence[bytes], broadcast_blooms: Iterable[BloomLike], quorum: int
) -> int | None:
    """Index of the commitment the witnesses agree on, or None.

    Each witness votes only for the *first* commitment (in list order) its broadcast bloom contains. Among the
    commitments with at least ``quorum`` votes the highest score wins; ties go to the *last* such index, as with
    Rust's ``max_by_key``.
    """
    scores = [0] * len(commitment_hashes)
    for bloom in broadcast_blooms:
        for index, data_hash in enumerate(commitment_hashes):
            if bloom_contains(bloom, data_hash):
                scores[index] += 1
                break
    best: int | None = None
    for index, score in enumerate(scores):
        if score >= quorum and (best is None or score >= scores[best]):
            best = index
    return best
