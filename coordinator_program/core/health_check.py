"""``health_check`` (§5.3): witnesses report trainers of the previous round that too few witnesses saw.

All or nothing: if any reported trainer turns out healthy the whole call fails, otherwise every reported client
that is still Healthy becomes Dropped (it leaves at the end of the current witness phase, unpaid).
"""

from __future__ import annotations

from collections.abc import Sequence

from coordinator_program.core.atomic import restoring_on_panic
from coordinator_program.core.errors import CoordinatorError, CoordinatorFailure, CoordinatorPanic
from coordinator_program.core.queries import (
    client_at_historical_index,
    client_signers,
    committee_selection,
    coordinator_witness_quorum,
    current_round,
    halted,
    previous_round,
)
from coordinator_program.core.quorum import trainer_healthy_score
from coordinator_program.core.types.coordinator import CommitteeProof, Coordinator
from coordinator_program.core.types.enums import ClientState, Committee

__all__ = ["HealthCheck", "healthy", "trainer_healthy", "health_check"]

HealthCheck = tuple[bytes, CommitteeProof]
"""A reported client (its signer key) and its committee proof for the previous round."""


def trainer_healthy(coordinator: Coordinator, signer: bytes) -> bool:
    """Enough of the previous round's witnesses saw ``signer``'s result (score >= quorum of their count)."""
    previous = previous_round(coordinator)
    if previous is None:
        raise CoordinatorFailure(CoordinatorError.NoActiveRound)
    witnesses = list(previous.witnesses)
    score = trainer_healthy_score(signer, [w.participant_bloom for w in witnesses])
    return score >= coordinator_witness_quorum(coordinator, len(witnesses))


def healthy(coordinator: Coordinator, signer: bytes, proof: CommitteeProof) -> bool:
    """Whether the client a health check names was healthy in the previous round.

    The proof is checked against the previous round's selection, but the identity against the *current* clients
    list (§9.11), so a client that already exited cannot be reported. Only trainers can be judged: a tie-breaker
    or verifier proof reaches the reference's ``todo!()``.
    """
    previous = previous_round(coordinator)
    if previous is None:
        raise CoordinatorFailure(CoordinatorError.NoActiveRound)
    if proof.index >= previous.clients_len:
        raise CoordinatorFailure(CoordinatorError.InvalidCommitteeProof)
    client = client_at_historical_index(coordinator, proof.index, previous.clients_len)
    if client is None:
        raise CoordinatorFailure(CoordinatorError.InvalidCommitteeProof)
    client_signer = bytes(client.id.signer)
    selection = committee_selection(coordinator, -1)
    if client_signer != signer or not selection.verify_committee_for_client(
        client_signer, proof, client_signers(coordinator)
    ):
        raise CoordinatorFailure(CoordinatorError.InvalidCommitteeProof)
    committee = Committee(proof.committee)
    if committee is not Committee.Trainer:
        raise CoordinatorPanic(f"health check of a {committee.name} is not implemented")
    return trainer_healthy(coordinator, client_signer)


@restoring_on_panic
def health_check(coordinator: Coordinator, reporter: bytes, checks: Sequence[HealthCheck]) -> int:
    """Drop the reported clients if none of them is healthy; returns how many changed to Dropped.

    ``reporter`` is unused by the rules (there is no reward for reporting); it is kept for the reference's
    signature. The pipeline must be full: the current round's height must be at least 2.
    """
    del reporter
    if halted(coordinator):
        raise CoordinatorFailure(CoordinatorError.Halted)
    current = current_round(coordinator)
    if current is None:
        raise CoordinatorFailure(CoordinatorError.NoActiveRound)
    if current.height < 2:
        raise CoordinatorFailure(CoordinatorError.InvalidHealthCheck)
    for signer, proof in checks:
        if healthy(coordinator, signer, proof):
            raise CoordinatorFailure(CoordinatorError.InvalidHealthCheck)
    clients = coordinator.epoch_state.clients
    dropped = 0
    for _, proof in checks:
        client = clients[proof.index]  # verified above against the current list
        if client.state == ClientState.Healthy:
            client.state = ClientState.Dropped
            dropped += 1
    return dropped
