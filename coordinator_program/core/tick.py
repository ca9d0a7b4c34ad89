"""``tick``: the time-driven transitions of §1.3, one function per run state.

A tick is the only way time moves the run forward. The caller passes the pending clients (only WaitingForMembers
reads them), the current unix time and a seed (only a transition into RoundTrain uses it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import assert_never

from coordinator_program.core.arith import U16_MAX, checked_u16, checked_u32
from coordinator_program.core.atomic import restoring_on_panic
from coordinator_program.core.epochs import EPOCH_EXTRA_ROUNDS
from coordinator_program.core.errors import CoordinatorError, CoordinatorFailure
from coordinator_program.core.queries import (
    batch_size_schedule,
    coordinator_witness_quorum,
    current_round_unchecked,
    last_step_set,
    run_state_of,
    sequence_length,
)
from coordinator_program.core.transitions import (
    begin_epoch,
    change_state,
    epoch_timed_out,
    move_clients_to_exited,
    start_cooldown,
    start_round_train,
    start_waiting_for_members,
    switch_checkpoint,
    timed_out,
    withdraw_all,
)
from coordinator_program.core.types.coordinator import SOLANA_MAX_NUM_CLIENTS, Coordinator, NodeIdentity
from coordinator_program.core.types.enums import CheckpointTag, RunState

__all__ = ["Ticked", "EpochEnd", "TickResult", "tick"]

# With nobody left from the last epoch to serve the model peer to peer, fall back to the central copy.
_NO_PEERS_LEFT: dict[int, CheckpointTag] = {
    CheckpointTag.P2P: CheckpointTag.Hub,
    CheckpointTag.P2PGcs: CheckpointTag.Gcs,
}
# After a completed epoch the model is served peer to peer. Dummy too (§9.5): it becomes P2P with its empty repo.
_AFTER_EPOCH: dict[int, CheckpointTag] = {
    CheckpointTag.Hub: CheckpointTag.P2P,
    CheckpointTag.Dummy: CheckpointTag.P2P,
    CheckpointTag.Gcs: CheckpointTag.P2PGcs,
}


@dataclass(frozen=True)
class Ticked:
    """The tick was processed (whether or not anything changed)."""


@dataclass(frozen=True)
class EpochEnd:
    """The epoch ended; ``success`` is False when Warmup ran out of clients (the wrapper ignores the flag)."""

    success: bool


TickResult = Ticked | EpochEnd


@restoring_on_panic
def tick(coordinator: Coordinator, pending: Sequence[NodeIdentity] | None, now: int, seed: int) -> TickResult:
    """Advance the run as far as ``now`` allows; Halted while Uninitialized, Finished or Paused."""
    state = run_state_of(coordinator)
    match state:
        case RunState.Uninitialized | RunState.Finished | RunState.Paused:
            raise CoordinatorFailure(CoordinatorError.Halted)
        case RunState.WaitingForMembers:
            return _tick_waiting_for_members(coordinator, pending, now)
        case RunState.Warmup:
            return _tick_warmup(coordinator, now, seed)
        case RunState.RoundTrain:
            return _tick_round_train(coordinator, now)
        case RunState.RoundWitness:
            return _tick_round_witness(coordinator, now, seed)
        case RunState.Cooldown:
            return _tick_cooldown(coordinator, now)
        case _:
            assert_never(state)


def _tick_waiting_for_members(coordinator: Coordinator, pending: Sequence[NodeIdentity] | None, now: int) -> Ticked:
    if pending is None:
        return Ticked()
    # The reference compares `len as u16`, so the count wraps at 65536.
    enough = (len(pending) & U16_MAX) >= coordinator.config.init_min_clients
    if not (enough and timed_out(coordinator, now, coordinator.config.waiting_for_members_extra_time)):
        return Ticked()
    move_clients_to_exited(coordinator, current_round_unchecked(coordinator).height)
    pending_signers = {bytes(identity.signer) for identity in pending}
    previous_members = coordinator.epoch_state.clients
    if not any(bytes(client.id.signer) in pending_signers for client in previous_members):
        switch_checkpoint(coordinator, _NO_PEERS_LEFT)
    begin_epoch(coordinator, now, list(pending[:SOLANA_MAX_NUM_CLIENTS]))
    change_state(coordinator, now, RunState.Warmup)
    return Ticked()


def _tick_warmup(coordinator: Coordinator, now: int, seed: int) -> TickResult:
    if timed_out(coordinator, now, coordinator.config.warmup_time):
        start_round_train(coordinator, now, seed)
    else:
        move_clients_to_exited(coordinator, 0)
    # Also checked right after a RoundTrain entered above: the epoch can end in the tick that started it.
    if len(coordinator.epoch_state.clients) < coordinator.config.min_clients:
        start_waiting_for_members(coordinator, now)
        return EpochEnd(success=False)
    return Ticked()


def _tick_round_train(coordinator: Coordinator, now: int) -> Ticked:
    if timed_out(coordinator, now, coordinator.config.max_round_train_time):
        change_state(coordinator, now, RunState.RoundWitness)
    return Ticked()


def _tick_round_witness(coordinator: Coordinator, now: int, seed: int) -> Ticked:
    if not timed_out(coordinator, now, coordinator.config.round_witness_time):
        return Ticked()
    epoch_state = coordinator.epoch_state
    progress = coordinator.progress
    epoch_state.first_round = 0
    progress.step = checked_u32(progress.step + 1, "step")
    current = current_round_unchecked(coordinator)
    num_witnesses = len(current.witnesses)
    move_clients_to_exited(coordinator, current.height)

    if num_witnesses == 0:
        # Nobody witnessed: the coordinator cannot tell who is alive, so everyone is withdrawn.
        withdraw_all(coordinator)
        start_cooldown(coordinator, now)
        return Ticked()

    if epoch_timed_out(coordinator, now) and not last_step_set(coordinator):
        last_step = checked_u32(progress.step + EPOCH_EXTRA_ROUNDS, "last_step")
        if last_step >= 4:  # always true here (step >= 2); kept as the reference's guard
            epoch_state.last_step = last_step

    if last_step_set(coordinator) and progress.step == epoch_state.last_step:
        start_cooldown(coordinator, now)
        return Ticked()

    if (
        len(epoch_state.clients) < coordinator.config.min_clients
        or num_witnesses < coordinator_witness_quorum(coordinator, num_witnesses)
        or progress.step >= coordinator.config.total_steps
        or coordinator.pending_pause
    ):
        start_cooldown(coordinator, now)
        return Ticked()

    start_round_train(coordinator, now, seed)
    return Ticked()


def _tick_cooldown(coordinator: Coordinator, now: int) -> TickResult:
    if not timed_out(coordinator, now, coordinator.config.cooldown_time):
        return Ticked()
    last = current_round_unchecked(coordinator)
    progress = coordinator.progress
    progress.epoch_start_data_index = batch_size_schedule(coordinator).next_data_index(
        last.data_index, sequence_length(coordinator)
    )
    progress.epoch = checked_u16(progress.epoch + 1, "epoch")
    move_clients_to_exited(coordinator, last.height)
    switch_checkpoint(coordinator, _AFTER_EPOCH)
    if coordinator.pending_pause:
        withdraw_all(coordinator)
        change_state(coordinator, now, RunState.Paused)
        coordinator.pending_pause = 0
        coordinator.epoch_state.cold_start_epoch = 1
    else:
        start_waiting_for_members(coordinator, now)
        coordinator.epoch_state.cold_start_epoch = 0
    return EpochEnd(success=True)
