"""The state changes the public operations are built from (§1.2).

These helpers mutate the ``Coordinator`` structure in place and assume their caller already validated everything
that can fail with a ``CoordinatorError``. What the reference does with ``assert!``/indexing panics here too.
"""

from __future__ import annotations

import ctypes
from collections.abc import Mapping

from coordinator_program.core.arith import checked_u64
from coordinator_program.core.errors import CoordinatorError, CoordinatorFailure, CoordinatorPanic
from coordinator_program.core.queries import batch_size_schedule, current_round_unchecked, sequence_length
from coordinator_program.core.types.coordinator import Client, Coordinator, NodeIdentity
from coordinator_program.core.types.enums import CheckpointTag, ClientState, RunState

__all__ = [
    "timed_out",
    "epoch_timed_out",
    "change_state",
    "move_clients_to_exited",
    "start_waiting_for_members",
    "start_cooldown",
    "start_round_train",
    "begin_epoch",
    "switch_checkpoint",
    "withdraw",
    "withdraw_all",
]

_CLIENT_STATE_OFFSET = Client.state.offset


def timed_out(coordinator: Coordinator, now: int, duration: int) -> bool:
    """``check_timeout``: never in the second the state began, even for a zero duration."""
    start = coordinator.run_state_start_unix_timestamp
    return now != start and now >= checked_u64(duration + start, "timeout deadline")


def epoch_timed_out(coordinator: Coordinator, now: int) -> bool:
    """``check_epoch_timeout``: the epoch timer runs from WaitingForMembers→Warmup."""
    start = coordinator.epoch_state.start_timestamp
    return now != start and now >= checked_u64(start + coordinator.config.epoch_time, "epoch deadline")


def change_state(coordinator: Coordinator, now: int, state: RunState) -> None:
    """Enter ``state`` at ``now``; re-entering the current state is a bug the reference asserts against."""
    if coordinator.run_state == state:
        raise CoordinatorPanic(f"change_state to the current state {state.name}")
    coordinator.run_state_start_unix_timestamp = now
    coordinator.run_state = state


def move_clients_to_exited(coordinator: Coordinator, height: int) -> None:
    """Stable partition: non-Healthy clients go to ``exited_clients`` (in list order) with ``exited_height``."""
    epoch_state = coordinator.epoch_state
    clients = epoch_state.clients
    states = clients.field_values(_CLIENT_STATE_OFFSET, "B")  # every tick asks: the states are read in C
    if states.count(ClientState.Healthy) == len(states):
        return
    leaving = [clients[index] for index, state in enumerate(states) if state != ClientState.Healthy]
    if len(epoch_state.exited_clients) + len(leaving) > epoch_state.exited_clients.capacity():
        raise CoordinatorPanic("exited_clients is full")
    for client in leaving:
        epoch_state.exited_clients.push(client)
        epoch_state.exited_clients[-1].exited_height = height
    epoch_state.clients.retain(lambda client: client.state == ClientState.Healthy)


def start_waiting_for_members(coordinator: Coordinator, now: int) -> None:
    """WaitingForMembers while steps remain, otherwise the run is Finished."""
    done = coordinator.progress.step >= coordinator.config.total_steps
    change_state(coordinator, now, RunState.Finished if done else RunState.WaitingForMembers)


def start_cooldown(coordinator: Coordinator, now: int) -> None:
    """Clear the last round's witnesses (its health data is lost, §9.13) and enter Cooldown."""
    current_round_unchecked(coordinator).witnesses.clear()
    change_state(coordinator, now, RunState.Cooldown)


def start_round_train(coordinator: Coordinator, now: int, seed: int) -> None:
    """Open the next round with a fresh seed and enter RoundTrain.

    The epoch's first round (``first_round`` set) restarts at head 0, height 0 and the epoch's start data index;
    later rounds advance the ring by one and start where the previous batch ended. ``first_round`` stays set.
    """
    epoch_state = coordinator.epoch_state
    if epoch_state.first_round:
        head, height, data_index = 0, 0, coordinator.progress.epoch_start_data_index
    else:
        previous = current_round_unchecked(coordinator)
        head = (epoch_state.rounds_head + 1) % len(epoch_state.rounds)
        height = previous.height + 1
        data_index = batch_size_schedule(coordinator).next_data_index(
            previous.data_index, sequence_length(coordinator)
        )
    round_ = epoch_state.rounds[head]
    epoch_state.rounds_head = head
    round_.clients_len = len(epoch_state.clients)
    round_.height = height
    round_.data_index = data_index
    round_.tie_breaker_tasks = 0
    round_.random_seed = seed
    round_.witnesses.clear()
    change_state(coordinator, now, RunState.RoundTrain)


def begin_epoch(coordinator: Coordinator, now: int, members: list[NodeIdentity]) -> None:
    """Zero the epoch state (keeping ``cold_start_epoch``) and seat ``members`` as Healthy clients, in order."""
    epoch_state = coordinator.epoch_state
    cold_start_epoch = epoch_state.cold_start_epoch
    ctypes.memset(ctypes.addressof(epoch_state), 0, ctypes.sizeof(epoch_state))
    epoch_state.first_round = 1
    epoch_state.cold_start_epoch = cold_start_epoch
    epoch_state.start_step = coordinator.progress.step
    epoch_state.start_timestamp = now
    for member in members:
        epoch_state.clients.push(Client(id=member, state=ClientState.Healthy, exited_height=0))


def switch_checkpoint(coordinator: Coordinator, moves: Mapping[int, CheckpointTag]) -> None:
    """Relabel the checkpoint variant per ``moves``, keeping its repo (every variant involved has the same payload)."""
    checkpoint = coordinator.model.llm.checkpoint
    target = moves.get(int(checkpoint.tag))
    if target is not None:
        checkpoint.tag = target


def withdraw(coordinator: Coordinator, index: int) -> None:
    """A Healthy client at a valid index becomes Withdrawn, anything else is InvalidWithdraw.

    The centralized server calls it when a client disconnects; the Solana program has no such instruction.
    """
    clients = coordinator.epoch_state.clients
    if index < len(clients) and clients[index].state == ClientState.Healthy:
        clients[index].state = ClientState.Withdrawn
        return
    raise CoordinatorFailure(CoordinatorError.InvalidWithdraw)


def withdraw_all(coordinator: Coordinator) -> None:
    """Every Healthy client becomes Withdrawn; the others are left as they are."""
    for client in coordinator.epoch_state.clients:
        if client.state == ClientState.Healthy:
            client.state = ClientState.Withdrawn
