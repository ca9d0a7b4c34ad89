"""``witness`` and ``warmup_witness`` (§5.1, §5.2): elected clients attest to a round, everyone to Warmup.

A round's witnesses end RoundTrain early once *all* W of them arrived (not just a quorum); in Warmup any client
may send one, and W of them start training immediately.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator

from coordinator_program.core.atomic import restoring_on_panic
from coordinator_program.core.committee import is_client_at
from coordinator_program.core.errors import CoordinatorError, CoordinatorFailure, CoordinatorPanic
from coordinator_program.core.queries import (
    client_signers,
    committee_selection,
    current_round,
    current_round_unchecked,
    halted,
    run_state_of,
    witness_nodes_target,
)
from coordinator_program.core.transitions import change_state, start_round_train
from coordinator_program.core.types.coordinator import (
    Client,
    ClientFixedVec,
    Coordinator,
    NodeIdentity,
    Round,
    Witness,
    WitnessProof,
)
from coordinator_program.core.types.enums import RunState

__all__ = ["witness", "warmup_witness"]

_PROOF_INDEX_OFFSET = Witness.proof.offset + WitnessProof.index.offset
_SIGNER_SLICES = tuple(
    slice(start, start + NodeIdentity.signer.size)
    for start in range(
        Client.id.offset + NodeIdentity.signer.offset,
        ClientFixedVec.CAPACITY * ctypes.sizeof(Client),
        ctypes.sizeof(Client),
    )
)
"""Where the signer of each slot of ``epoch_state.clients`` lies in the bytes of its slots."""


def _reject_duplicate(coordinator: Coordinator, round_: Round, signer: bytes) -> None:
    """DuplicateWitness if a stored witness's client is ``signer``.

    The stored proofs' indices are dereferenced into the *current* clients list, in order; an index past its end is
    an out-of-bounds panic in the reference (warmup witnesses are stored unvalidated, §9.12). Every witness makes
    this check against up to 31 stored ones, so the indices and the signers are read from the account's bytes, and
    where no index is out of bounds (always, but after a bogus warmup witness) the signers are compared in C.
    """
    clients = coordinator.epoch_state.clients
    count = len(clients)
    indices = round_.witnesses.field_values(_PROOF_INDEX_OFFSET, "Q")
    memory = memoryview(clients.data).cast("B")
    if not indices or max(indices) < count:
        stored: Iterator[object] = map(memory.__getitem__, map(_SIGNER_SLICES.__getitem__, indices))
        if signer in stored:  # each a view of the account's bytes, equal to the bytes it holds
            raise CoordinatorFailure(CoordinatorError.DuplicateWitness)
        return
    for index in indices:
        if index >= count:
            raise CoordinatorPanic(f"witness index {index} out of bounds for {count} clients")
        if memory[_SIGNER_SLICES[index]] == signer:
            raise CoordinatorFailure(CoordinatorError.DuplicateWitness)


def _store(round_: Round, witness: Witness) -> int:
    """Append ``witness`` (WitnessesFull at 32) and return the new count."""
    if round_.witnesses.is_full():
        raise CoordinatorFailure(CoordinatorError.WitnessesFull)
    round_.witnesses.push(witness)
    return len(round_.witnesses)


@restoring_on_panic
def witness(coordinator: Coordinator, signer: bytes, witness: Witness, now: int) -> None:
    """Record an elected witness of the current round (RoundTrain or RoundWitness)."""
    if halted(coordinator):
        raise CoordinatorFailure(CoordinatorError.Halted)
    target = witness_nodes_target(coordinator)
    state = run_state_of(coordinator)
    if state not in (RunState.RoundTrain, RunState.RoundWitness):
        raise CoordinatorFailure(CoordinatorError.InvalidRunState)
    selection = committee_selection(coordinator, 0)
    if not selection.verify_witness_for_client(signer, witness.proof, client_signers(coordinator)) or not (
        witness.proof.witness
    ):
        raise CoordinatorFailure(CoordinatorError.InvalidWitness)
    round_ = current_round_unchecked(coordinator)
    _reject_duplicate(coordinator, round_, signer)
    # Witnesses arriving in RoundWitness are kept but change nothing.
    if _store(round_, witness) == target and state is RunState.RoundTrain:
        change_state(coordinator, now, RunState.RoundWitness)


@restoring_on_panic
def warmup_witness(
    coordinator: Coordinator, signer: bytes, witness: Witness, now: int, seed: int, *, check_membership: bool = False
) -> None:
    """Record a Warmup witness; W of them start the epoch's first round at once with ``seed``.

    As in the reference, nobody's membership is checked and the proof's index is stored as sent (quirk #12).
    ``check_membership`` (the hardened program) requires ``clients[proof.index]`` to be the sender, as ``witness``
    does, and fails with InvalidWitness otherwise. A late one in RoundTrain succeeds without effect either way.
    """
    if halted(coordinator):
        raise CoordinatorFailure(CoordinatorError.Halted)
    state = run_state_of(coordinator)
    if state is RunState.RoundTrain:
        return
    if state is not RunState.Warmup:
        raise CoordinatorFailure(CoordinatorError.InvalidRunState)
    if check_membership and not is_client_at(signer, witness.proof.index, client_signers(coordinator)):
        raise CoordinatorFailure(CoordinatorError.InvalidWitness)
    target = witness_nodes_target(coordinator)
    round_ = current_round(coordinator)
    if round_ is None:
        raise CoordinatorPanic("no current round to hold warmup witnesses")
    _reject_duplicate(coordinator, round_, signer)
    if _store(round_, witness) == target:
        start_round_train(coordinator, now, seed)
