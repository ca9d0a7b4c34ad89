"""What a client attests and whom it reports (spec client-training.md §5.2, §5.4), as pure functions.

A witness of round h carries the blooms and broadcast merkle root of round h-1 (the results downloaded during
h); it may send as soon as it holds every result of h-1 and every epoch client said Finished for h. A client
that witnessed round h-1 reports, at the start of round h, every client the witnesses of h-1 did not see.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from solders.pubkey import Pubkey

from client.participant.merkle import EMPTY_ROOT
from client.participant.round_state import RoundState
from coordinator_program.core import Bloom, CoordinatorFailure, CoordinatorPanic, committee_selection, healthy
from coordinator_program.core.types import (
    CommitteeProof,
    Coordinator,
    MerkleRoot,
    NodeIdentity,
    WitnessBloom,
    WitnessMetadata,
    WitnessProof,
)

__all__ = [
    "WitnessContent",
    "finished_ready",
    "witness_content",
    "witness_metadata",
    "witness_proof",
    "unhealthy_clients",
]


@dataclass(frozen=True)
class WitnessContent:
    participant_bloom: WitnessBloom
    broadcast_bloom: WitnessBloom
    merkle: MerkleRoot


def to_witness_bloom(bloom: Bloom) -> WitnessBloom:
    """The account's form of a bloom."""
    witness_bloom = WitnessBloom()
    witness_bloom.keys[:] = bloom.keys
    witness_bloom.bits[:] = bloom.bits
    return witness_bloom


def witness_content(previous: RoundState | None) -> WitnessContent:
    """Round h-1's blooms and merkle root; empty ones in the epoch's first round, which has no h-1."""
    if previous is None:
        return WitnessContent(WitnessBloom(), WitnessBloom(), MerkleRoot.from_buffer_copy(EMPTY_ROOT))
    return WitnessContent(
        to_witness_bloom(previous.participant_bloom),
        to_witness_bloom(previous.broadcast_bloom),
        MerkleRoot.from_buffer_copy(previous.broadcast_merkle()),
    )


def finished_ready(training_done: bool, previous: RoundState | None) -> bool:
    """We may say Finished for this round: our training is over and we hold a checked result for every batch of
    the round before (an equivocating trainer's other commitments are evidence, not results we wait for)."""
    if not training_done:
        return False
    return previous is None or previous.all_results_in


def witness_proof(current: RoundState, my_index: int) -> WitnessProof | None:
    """Our witness proof for the round, or None when we are not elected."""
    position, elected = current.selection.get_witness(my_index)
    return WitnessProof(position=position, index=my_index, witness=1) if elected else None


def _finite(value: float, fallback: float) -> float:
    return value if math.isfinite(value) else fallback


def witness_metadata(step: int, loss: float | None, tokens_per_sec: float) -> WitnessMetadata:
    """The metadata a witness attaches: loss (infinity when it trained nothing) and tokens/s; NaN never travels."""
    metadata = WitnessMetadata()
    metadata.step = step
    metadata.loss = math.inf if loss is None else _finite(loss, math.inf)
    metadata.tokens_per_sec = _finite(tokens_per_sec, 0.0)
    return metadata


def unhealthy_clients(coordinator: Coordinator, me: Pubkey) -> list[tuple[NodeIdentity, CommitteeProof]]:
    """Every other client that enough of the previous round's witnesses did not see (spec §5.4).

    A proof the coordinator would refuse (the client list shifted) is skipped, as the reference client does.
    """
    try:
        selection = committee_selection(coordinator, -1)
    except CoordinatorFailure:
        return []
    targets = []
    for index, client in enumerate(coordinator.epoch_state.clients):
        signer = bytes(client.id.signer)
        if signer == bytes(me):
            continue
        proof = selection.get_committee(index)
        try:
            if healthy(coordinator, signer, proof):
                continue
        except (CoordinatorFailure, CoordinatorPanic):
            continue
        targets.append((NodeIdentity.from_buffer_copy(client.id), proof))
    return targets
