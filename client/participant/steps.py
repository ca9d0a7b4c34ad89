"""The client's step machine: what a training client does when the coordinator's run state changes (spec §1.4).

The client is in one of four steps. Each coordinator state it sees either keeps it where it is, moves it
to the next step (and says what to do on the way), or is a desync the reference treats as fatal. Pure:
the runner feeds it states and carries out the returned :class:`Move`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import assert_never

from coordinator_program.core.types import RunState

__all__ = ["ActiveStep", "Action", "Move", "next_move"]


class ActiveStep(Enum):
    Warmup = "warmup"
    Training = "training"
    Witness = "witness"
    Cooldown = "cooldown"


class Action(Enum):
    """What the runner does when the step changes (or does not)."""

    Stay = "nothing changes"
    StartTraining = "apply the results of two rounds ago, train this round's batch, publish it"
    StartWitness = "finish training, log the loss, send the witness if elected and not yet sent"
    StartCooldown = "extract the model, serve it to joiners, write the checkpoint"
    StartWarmup = "wait for the next epoch: join, load or keep the model, send the warmup witness"
    Abandon = "we are not a client of this epoch: drop the current step and wait in warmup"
    Halt = "the run is not yet started: stop and wait for it to start"
    Leave = "the run is paused: leave cleanly (the decentralized client exits; it is started again after a resume)"
    Finish = "the run is finished: leave cleanly"
    Desync = "the coordinator moved in a way this client cannot follow: exit (the reference's Desync)"


@dataclass(frozen=True)
class Move:
    step: ActiveStep
    action: Action


WAITING_STATES = (RunState.WaitingForMembers, RunState.Warmup)


def next_move(step: ActiveStep, state: RunState, in_clients: bool) -> Move:
    """The move for coordinator state ``state`` while in ``step``; ``in_clients``: we are in the epoch's client list.

    >>> next_move(ActiveStep.Training, RunState.RoundWitness, True)
    Move(step=<ActiveStep.Witness: 'witness'>, action=<Action.StartWitness: ...>)
    >>> next_move(ActiveStep.Training, RunState.Cooldown, True).action
    <Action.Desync: ...>
    """
    if state is RunState.Finished:
        return Move(step, Action.Finish)
    if state is RunState.Paused:
        return Move(step, Action.Leave)
    if state is RunState.Uninitialized:
        return Move(ActiveStep.Warmup, Action.Stay if step is ActiveStep.Warmup else Action.Halt)
    if not in_clients:
        return Move(ActiveStep.Warmup, Action.Stay if step is ActiveStep.Warmup else Action.Abandon)
    match step:
        case ActiveStep.Warmup:
            if state in WAITING_STATES:
                return Move(step, Action.Stay)
            if state is RunState.RoundTrain:
                return Move(ActiveStep.Training, Action.StartTraining)
        case ActiveStep.Training:
            if state is RunState.RoundTrain:
                return Move(step, Action.Stay)
            if state is RunState.RoundWitness:
                return Move(ActiveStep.Witness, Action.StartWitness)
        case ActiveStep.Witness:
            if state is RunState.RoundWitness:
                return Move(step, Action.Stay)
            if state is RunState.RoundTrain:
                return Move(ActiveStep.Training, Action.StartTraining)
            if state is RunState.Cooldown:
                return Move(ActiveStep.Cooldown, Action.StartCooldown)
        case ActiveStep.Cooldown:
            if state is RunState.Cooldown:
                return Move(step, Action.Stay)
            if state in WAITING_STATES:
                return Move(ActiveStep.Warmup, Action.StartWarmup)
        case _:
            assert_never(step)
    return Move(step, Action.Desync)
