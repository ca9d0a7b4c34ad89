"""The client's step machine against every coordinator state (spec client-training.md §1.4)."""

from __future__ import annotations

import pytest

from client.participant.steps import Action, ActiveStep, Move, next_move
from coordinator_program.core.types import RunState

W, T, V, C = ActiveStep.Warmup, ActiveStep.Training, ActiveStep.Witness, ActiveStep.Cooldown

# (step, coordinator state) -> move, for a client in the epoch's client list.
EXPECTED = {
    (W, RunState.WaitingForMembers): Move(W, Action.Stay),
    (W, RunState.Warmup): Move(W, Action.Stay),
    (W, RunState.RoundTrain): Move(T, Action.StartTraining),
    (W, RunState.RoundWitness): Move(W, Action.Desync),
    (W, RunState.Cooldown): Move(W, Action.Desync),
    (T, RunState.RoundTrain): Move(T, Action.Stay),
    (T, RunState.RoundWitness): Move(V, Action.StartWitness),
    (T, RunState.Cooldown): Move(T, Action.Desync),
    (T, RunState.WaitingForMembers): Move(T, Action.Desync),
    (T, RunState.Warmup): Move(T, Action.Desync),
    (V, RunState.RoundWitness): Move(V, Action.Stay),
    (V, RunState.RoundTrain): Move(T, Action.StartTraining),
    (V, RunState.Cooldown): Move(C, Action.StartCooldown),
    (V, RunState.WaitingForMembers): Move(V, Action.Desync),
    (V, RunState.Warmup): Move(V, Action.Desync),
    (C, RunState.Cooldown): Move(C, Action.Stay),
    (C, RunState.WaitingForMembers): Move(W, Action.StartWarmup),
    (C, RunState.Warmup): Move(W, Action.StartWarmup),
    (C, RunState.RoundTrain): Move(C, Action.Desync),
    (C, RunState.RoundWitness): Move(C, Action.Desync),
}


@pytest.mark.parametrize(("step", "state"), sorted(EXPECTED, key=lambda k: (k[0].value, k[1].value)))
def test_transition_table(step: ActiveStep, state: RunState) -> None:
    assert next_move(step, state, in_clients=True) == EXPECTED[(step, state)]


@pytest.mark.parametrize("step", list(ActiveStep))
def test_finished_ends_the_client_from_any_step(step: ActiveStep) -> None:
    assert next_move(step, RunState.Finished, in_clients=True).action is Action.Finish


@pytest.mark.parametrize("step", list(ActiveStep))
@pytest.mark.parametrize("in_clients", [True, False])
def test_a_paused_run_makes_the_client_leave_from_any_step(step: ActiveStep, in_clients: bool) -> None:
    assert next_move(step, RunState.Paused, in_clients).action is Action.Leave


def test_a_run_not_yet_started_stops_whatever_is_running() -> None:
    assert next_move(T, RunState.Uninitialized, in_clients=True) == Move(W, Action.Halt)
    assert next_move(W, RunState.Uninitialized, in_clients=True) == Move(W, Action.Stay)


@pytest.mark.parametrize("step", [T, V, C])
def test_a_client_dropped_from_the_epoch_abandons_its_step(step: ActiveStep) -> None:
    assert next_move(step, RunState.RoundTrain, in_clients=False) == Move(W, Action.Abandon)
    assert next_move(W, RunState.RoundTrain, in_clients=False) == Move(W, Action.Stay)
