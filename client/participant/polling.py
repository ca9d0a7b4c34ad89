"""What a client's tick poll sees (client-training §1.2): when the current state can time out, and whether a
``tick`` now would change the run state. The client answers the second by running the coordinator's own ``tick``
on a copy of the account, as the reference client does every 500 ms.
"""

from __future__ import annotations

from coordinator_program.core import (
    CoordinatorFailure,
    CoordinatorPanic,
    clock_random_seed,
    state_discarded_on_panic,
    tick,
)
from coordinator_program.core.types import Coordinator, RunState
from coordinator_program.state.clients_state import pending_client_ids
from coordinator_program.state.coordinator_account import CoordinatorAccount

__all__ = ["state_deadline", "pending_clients", "tick_changes_state"]


def state_deadline(coordinator: Coordinator) -> int | None:
    """The unix second from which the current state times out; None for a halted run.

    A state never times out in the second it began, even with a zero duration (spec §1.2).
    """
    config = coordinator.config
    durations = {
        RunState.WaitingForMembers: config.waiting_for_members_extra_time,
        RunState.Warmup: config.warmup_time,
        RunState.RoundTrain: config.max_round_train_time,
        RunState.RoundWitness: config.round_witness_time,
        RunState.Cooldown: config.cooldown_time,
    }
    duration = durations.get(RunState(coordinator.run_state))
    return None if duration is None else int(coordinator.run_state_start_unix_timestamp) + max(1, int(duration))


def pending_clients(account: CoordinatorAccount) -> int:
    """How many registered clients are waiting to join the next epoch."""
    return len(pending_client_ids(account.state.clients_state))


def tick_changes_state(account: CoordinatorAccount, unix_timestamp: int, slot: int) -> bool:
    """Whether the program's ``tick`` at this clock would move the run to another state (the account is untouched)."""
    copy = Coordinator.from_buffer_copy(account.state.coordinator)
    pending = None
    if RunState(copy.run_state) is RunState.WaitingForMembers:
        pending = pending_client_ids(account.state.clients_state)
    try:
        with state_discarded_on_panic():  # the copy is dropped on a panic
            tick(copy, pending, unix_timestamp, clock_random_seed(unix_timestamp, slot))
    except (CoordinatorFailure, CoordinatorPanic):
        return False
    return bool(copy.run_state != account.state.coordinator.run_state)
