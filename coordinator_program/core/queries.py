"""Read-only questions about a coordinator state (the reference's non-mutating ``Coordinator`` methods).

They take the account's ``Coordinator`` structure and never write to it. Clients mirror the coordinator with the
same functions: which round is current, who the historical client at an index was, how big a round's batch is,
which batches a trainer owns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import overload

from coordinator_program.core.batch_size import BatchSizeSchedule
from coordinator_program.core.committee import SOLANA_MAX_NUM_WITNESSES, CommitteeSelection
from coordinator_program.core.data_assignment import BatchId, assign_batches, batch_ids_for_round, trainer_indices
from coordinator_program.core.epochs import cold_start_warmup_bounds
from coordinator_program.core.errors import CoordinatorError, CoordinatorFailure, CoordinatorPanic
from coordinator_program.core.quorum import witness_quorum
from coordinator_program.core.types.coordinator import NUM_STORED_ROUNDS, Client, Coordinator, NodeIdentity, Round
from coordinator_program.core.types.enums import RunState
from coordinator_program.core.types.fixed import FixedVec

__all__ = [
    "run_state_of",
    "halted",
    "active",
    "current_round",
    "current_round_unchecked",
    "previous_round",
    "previous_previous_round",
    "round_at_offset",
    "last_step_set",
    "is_warmup_just_starting",
    "is_training_just_starting",
    "witness_nodes_target",
    "coordinator_witness_quorum",
    "committee_selection",
    "ClientSigners",
    "client_signers",
    "client_at_historical_index",
    "historical_clients",
    "sequence_length",
    "batch_size_schedule",
    "target_global_batch_size",
    "coordinator_cold_start_warmup_bounds",
    "assign_data_for_state",
    "batch_ids_for",
]


_RUN_STATES = {int(state): state for state in RunState}


def run_state_of(coordinator: Coordinator) -> RunState:
    """The run state; a byte naming no state is a corrupted account, which the reference cannot even load."""
    state = _RUN_STATES.get(coordinator.run_state)  # a dict, not RunState(): asked several times per instruction
    if state is None:
        raise CoordinatorPanic(f"invalid run_state byte {coordinator.run_state}")
    return state


def halted(coordinator: Coordinator) -> bool:
    """Uninitialized, Finished or Paused: nothing ticks."""
    return run_state_of(coordinator) in (RunState.Uninitialized, RunState.Finished, RunState.Paused)


def active(coordinator: Coordinator) -> bool:
    """RoundTrain, RoundWitness or Cooldown: a pause is deferred to the end of the epoch."""
    return run_state_of(coordinator) in (RunState.RoundTrain, RunState.RoundWitness, RunState.Cooldown)


def current_round(coordinator: Coordinator) -> Round | None:
    """``rounds[rounds_head]``; always present in a sane account (in Warmup it is the zeroed ``rounds[0]``)."""
    head = coordinator.epoch_state.rounds_head
    if head >= NUM_STORED_ROUNDS:
        return None
    round_: Round = coordinator.epoch_state.rounds[head]
    return round_


def current_round_unchecked(coordinator: Coordinator) -> Round:
    """``rounds[rounds_head]``, panicking on a corrupted head like the reference's unchecked index."""
    round_ = current_round(coordinator)
    if round_ is None:
        raise CoordinatorPanic(f"rounds_head {coordinator.epoch_state.rounds_head} out of bounds")
    return round_


def previous_round(coordinator: Coordinator) -> Round | None:
    """The round before the current one; None only at head 0, height 0."""
    current = current_round(coordinator)
    if current is None:
        return None
    head = coordinator.epoch_state.rounds_head
    if head == 0 and current.height == 0:
        return None
    previous: Round = coordinator.epoch_state.rounds[(head - 1) % NUM_STORED_ROUNDS]
    return previous


def previous_previous_round(coordinator: Coordinator) -> Round | None:
    """Two rounds back; None at head 0 with height <= 1. At head 1, height 1 it is the stale ``rounds[3]`` (§9.17)."""
    current = current_round(coordinator)
    if current is None:
        return None
    head = coordinator.epoch_state.rounds_head
    if head == 0 and current.height <= 1:
        return None
    before_previous: Round = coordinator.epoch_state.rounds[(head - 2) % NUM_STORED_ROUNDS]
    return before_previous


def round_at_offset(coordinator: Coordinator, offset: int) -> Round | None:
    """The round at offset 0 (current), -1 (previous) or -2 (previous-previous); None for anything else."""
    if offset == 0:
        return current_round(coordinator)
    if offset == -1:
        return previous_round(coordinator)
    if offset == -2:
        return previous_previous_round(coordinator)
    return None


def last_step_set(coordinator: Coordinator) -> bool:
    """The epoch timer expired and the epoch's last step is fixed (``last_step != 0``)."""
    return bool(coordinator.epoch_state.last_step != 0)


def is_warmup_just_starting(coordinator: Coordinator) -> bool:
    """First round of the epoch and in Warmup (the wrapper rolls the epoch rates over here)."""
    return bool(coordinator.epoch_state.first_round) and run_state_of(coordinator) is RunState.Warmup


def is_training_just_starting(coordinator: Coordinator) -> bool:
    """First round of the epoch and in RoundTrain (the wrapper bumps ``next_active`` here)."""
    return bool(coordinator.epoch_state.first_round) and run_state_of(coordinator) is RunState.RoundTrain


def witness_nodes_target(coordinator: Coordinator) -> int:
    """W: witnesses that end RoundTrain (or Warmup) early; ``witness_nodes``, or min(clients, 32) when it is 0."""
    if coordinator.config.witness_nodes == 0:
        return min(len(coordinator.epoch_state.clients), SOLANA_MAX_NUM_WITNESSES)
    return int(coordinator.config.witness_nodes)


def coordinator_witness_quorum(coordinator: Coordinator, num_witnesses: int) -> int:
    """``Coordinator::witness_quorum``: the quorum under this run's ``witness_nodes``."""
    return witness_quorum(coordinator.config.witness_nodes, num_witnesses)


def committee_selection(coordinator: Coordinator, offset: int) -> CommitteeSelection:
    """``CommitteeSelection::from_coordinator``: the round at ``offset``'s selection; NoActiveRound without one."""
    round_ = round_at_offset(coordinator, offset)
    if round_ is None:
        raise CoordinatorFailure(CoordinatorError.NoActiveRound)
    return CommitteeSelection.new(
        round_.tie_breaker_tasks,
        coordinator.config.witness_nodes,
        coordinator.config.verification_percent,
        round_.clients_len,
        round_.random_seed,
    )


class ClientSigners(Sequence[bytes]):
    """The signer keys of ``epoch_state.clients`` in order, read from the account when indexed.

    A witness or health-check proof names one index, so the check reads one signer; copying all 256 for every
    proof was most of a witness's cost. The view is live: it follows the clients list as it changes.
    """

    __slots__ = ("_clients",)

    def __init__(self, clients: FixedVec) -> None:
        self._clients = clients

    def __len__(self) -> int:
        return len(self._clients)

    @overload
    def __getitem__(self, index: int) -> bytes: ...

    @overload
    def __getitem__(self, index: slice) -> list[bytes]: ...

    def __getitem__(self, index: int | slice) -> bytes | list[bytes]:
        if isinstance(index, slice):
            return [bytes(client.id.signer) for client in list(self._clients)[index]]
        return bytes(self._clients[index].id.signer)


def client_signers(coordinator: Coordinator) -> ClientSigners:
    """The signer keys of ``epoch_state.clients`` in order (identity equality compares signers only)."""
    return ClientSigners(coordinator.epoch_state.clients)


def client_at_historical_index(coordinator: Coordinator, n: int, prev_clients_len: int) -> Client | None:
    """``get_client_at_historical_index``: a current client, or an exited one counted from the end.

    It assumes the clients that left since that round are the *trailing* ones, which need not hold (§9.17).
    """
    clients = coordinator.epoch_state.clients
    found: Client | None = None
    if n < len(clients):
        found = clients[n]
    elif n < prev_clients_len:
        exited = coordinator.epoch_state.exited_clients
        back = prev_clients_len - n - 1
        found = exited[len(exited) - 1 - back] if back < len(exited) else None
    return found


def historical_clients(coordinator: Coordinator, clients_len: int) -> list[Client]:
    """``get_historical_clients``: the clients of a round that had ``clients_len`` of them, as far as known."""
    found = (client_at_historical_index(coordinator, i, clients_len) for i in range(clients_len))
    return [client for client in found if client is not None]


def sequence_length(coordinator: Coordinator) -> int:
    """The model's ``max_seq_len`` (tokens per sample)."""
    return int(coordinator.model.llm.max_seq_len)


def batch_size_schedule(coordinator: Coordinator) -> BatchSizeSchedule:
    """The run's batch-size ramp."""
    return BatchSizeSchedule.of(coordinator.config)


def target_global_batch_size(coordinator: Coordinator, round_: Round | None) -> int:
    """``get_target_global_batch_size``: batch size at ``round_``'s data index (the epoch start without a round)."""
    data_index = coordinator.progress.epoch_start_data_index if round_ is None else round_.data_index
    return batch_size_schedule(coordinator).batch_size_at(data_index, sequence_length(coordinator))


def coordinator_cold_start_warmup_bounds(coordinator: Coordinator) -> tuple[int, int] | None:
    """``get_cold_start_warmup_bounds`` of this state."""
    return cold_start_warmup_bounds(
        bool(coordinator.epoch_state.cold_start_epoch),
        coordinator.epoch_state.start_step,
        coordinator.model.llm.cold_start_warmup_steps,
    )


def assign_data_for_state(coordinator: Coordinator, selection: CommitteeSelection) -> dict[BatchId, NodeIdentity]:
    """``assign_data_for_state``: the current round's batches and the trainer that owns each, ordered by interval.

    Identities are detached copies, so the result survives later changes to the account.
    """
    round_ = current_round_unchecked(coordinator)
    clients = coordinator.epoch_state.clients
    trainers = [
        NodeIdentity.from_buffer_copy(clients[index].id)
        for index in trainer_indices(
            selection, len(clients), round_.tie_breaker_tasks, coordinator.config.verification_percent
        )
    ]
    total_size = target_global_batch_size(coordinator, round_)
    return assign_batches(trainers, round_.data_index, total_size, round_.random_seed)


def batch_ids_for(coordinator: Coordinator, round_: Round, num_trainers: int) -> list[BatchId]:
    """``get_batch_ids_for_round``: the batches a witness expects for ``round_``."""
    return batch_ids_for_round(round_.data_index, target_global_batch_size(coordinator, round_), num_trainers)
