"""Pausing and resuming (§1.4): the run-state transitions that are not driven by time.

``Uninitialized`` is left only through the program's ``set_paused(false)``, which forces Paused and step 1 and
then calls ``resume``; that part belongs to the wrapper.
"""

from __future__ import annotations

from coordinator_program.core.atomic import restoring_on_panic
from coordinator_program.core.errors import CoordinatorError, CoordinatorFailure
from coordinator_program.core.queries import active, halted, run_state_of
from coordinator_program.core.transitions import change_state, start_waiting_for_members, withdraw_all
from coordinator_program.core.types.coordinator import Coordinator
from coordinator_program.core.types.enums import RunState

__all__ = ["pause", "resume"]


@restoring_on_panic
def pause(coordinator: Coordinator, now: int) -> None:
    """Pause now (WaitingForMembers, Warmup) or at the end of the epoch (RoundTrain, RoundWitness, Cooldown).

    An immediate pause withdraws every client and marks the next epoch as a cold start.
    """
    if halted(coordinator):
        raise CoordinatorFailure(CoordinatorError.Halted)
    if active(coordinator):
        coordinator.pending_pause = 1
        return
    withdraw_all(coordinator)
    change_state(coordinator, now, RunState.Paused)
    coordinator.epoch_state.cold_start_epoch = 1


@restoring_on_panic
def resume(coordinator: Coordinator, now: int) -> None:
    """Paused → WaitingForMembers, or Finished when no steps remain; CannotResume from any other state."""
    if run_state_of(coordinator) is not RunState.Paused:
        raise CoordinatorFailure(CoordinatorError.CannotResume)
    start_waiting_for_members(coordinator, now)
