"""Acceptance scenarios 2, 3 and 8 of the spec, driven on the core alone with a manual clock.

The wrapper's parts (authorization, SignerNotAClient, the next_active bump, points) are out of scope here; where a
scenario step depends on them the comment says what the core sees instead.
"""

from __future__ import annotations

import pytest

from coordinator_program.core import (
    CoordinatorError,
    CoordinatorFailure,
    EpochEnd,
    Ticked,
    current_round,
    withdraw,
    witness,
)
from coordinator_program.core.types import CheckpointTag, ClientState, RunState

from .runs import T0, Run, elected_witness, identity, new_coordinator, unpause


def test_scenario_2_full_round() -> None:
    coordinator = new_coordinator()  # warmup 10, cooldown 999, train 15, witness 10, epoch 30, extra 3, W=1
    client = identity(0)
    run = Run(coordinator, [client])
    with pytest.raises(CoordinatorFailure) as halted:
        run.tick()
    assert halted.value.error is CoordinatorError.Halted
    assert run.state is RunState.Uninitialized

    unpause(coordinator, run.now)
    assert run.state is RunState.WaitingForMembers
    run.advance(10)
    assert run.tick() == Ticked()
    assert run.state is RunState.Warmup
    run.advance(10)
    run.tick()
    assert run.state is RunState.RoundTrain
    round_ = current_round(coordinator)
    assert round_ is not None and round_.height == 0 and coordinator.progress.step == 1

    stranger = identity(99)
    message = elected_witness(coordinator, 0)
    assert message is not None
    assert (message.proof.position, message.proof.index) == (0, 0)
    with pytest.raises(CoordinatorFailure) as not_a_client:
        witness(coordinator, bytes(stranger.signer), message, run.now)
    assert not_a_client.value.error is CoordinatorError.InvalidWitness  # the program says SignerNotAClient first
    witness(coordinator, bytes(client.signer), message, run.now)
    assert run.state is RunState.RoundWitness

    run.advance(10)
    run.tick()
    assert run.state is RunState.RoundTrain
    round_ = current_round(coordinator)
    assert round_ is not None and round_.height == 1 and coordinator.progress.step == 2


def test_scenario_3_rewards_epoch_with_240_clients() -> None:
    coordinator = new_coordinator(
        cooldown_time=88, batch_start=1, batch_end=240, witness_nodes=0, extra_time=10, epoch_time=30
    )
    run = Run(coordinator, [identity(n) for n in range(240)])
    unpause(coordinator, run.now)
    run.advance(10)
    run.tick()
    assert run.state is RunState.Warmup
    epoch_start = run.now
    assert coordinator.epoch_state.start_timestamp == epoch_start
    run.advance(10)
    run.tick()
    assert run.state is RunState.RoundTrain

    last_steps = []
    for _ in range(4):
        assert run.send_elected_witnesses() == 32
        assert run.state is RunState.RoundWitness  # all 32 arrived: early witness phase
        run.advance(10)
        run.tick()
        last_steps.append(coordinator.epoch_state.last_step)
    assert last_steps == [0, 5, 5, 5]  # the epoch timer expired on the 2nd iteration: last_step = 3 + 2
    assert coordinator.progress.step == 5
    assert run.state is RunState.Cooldown

    run.advance(88)
    assert run.tick() == EpochEnd(success=True)
    assert run.state is RunState.WaitingForMembers
    assert coordinator.progress.epoch == 1
    assert len(coordinator.epoch_state.clients) == 240
    assert all(client.state == ClientState.Healthy for client in coordinator.epoch_state.clients)
    assert coordinator.model.llm.checkpoint.tag == CheckpointTag.P2P  # Dummy becomes P2P after an epoch


def centralized_run(total_steps: int = 100, epoch_time: int = 60, batch: int = 4) -> Run:
    """``config/test/state.toml``-like settings: min/init 2, one witness, short phases."""
    coordinator = new_coordinator(
        warmup_time=5,
        cooldown_time=5,
        max_round_train_time=5,
        round_witness_time=2,
        epoch_time=epoch_time,
        total_steps=total_steps,
        init_min_clients=2,
        min_clients=2,
        witness_nodes=1,
        batch_start=batch,
        batch_end=batch,
        max_seq_len=512,
        checkpoint=CheckpointTag.Hub,
        repo_id="emozilla/llama2-20m-init",
    )
    coordinator.run_state = RunState.WaitingForMembers  # the server loads it from TOML
    coordinator.progress.step = 1
    coordinator.run_state_start_unix_timestamp = T0
    return Run(coordinator, [identity(0), identity(1)])


def test_scenario_8_two_clients_reach_warmup() -> None:
    run = centralized_run()
    run.members = run.members[:1]
    run.advance(3)
    run.tick()
    assert run.state is RunState.WaitingForMembers  # one pending client is not enough
    run.members.append(identity(1))
    run.tick()
    assert run.state is RunState.Warmup
    assert [bytes(c.id.signer) for c in run.coordinator.epoch_state.clients] == [
        bytes(identity(0).signer),
        bytes(identity(1).signer),
    ]


def test_scenario_8_disconnect_in_warmup_goes_back_to_waiting() -> None:
    run = centralized_run()
    run.advance(3)
    run.tick()
    assert run.state is RunState.Warmup
    withdraw(run.coordinator, 1)  # the server withdraws a client on disconnect
    run.members = run.members[:1]
    run.advance(1)
    assert run.tick() == EpochEnd(success=False)
    assert run.state is RunState.WaitingForMembers
    assert len(run.coordinator.epoch_state.clients) == 1
    assert len(run.coordinator.epoch_state.exited_clients) == 1


def test_scenario_8_join_during_training_is_only_pending() -> None:
    run = centralized_run()
    run.advance(3)
    run.tick()
    run.advance(5)
    run.tick()
    assert run.state is RunState.RoundTrain
    run.members.append(identity(2))
    run.tick()
    assert len(run.coordinator.epoch_state.clients) == 2
    assert len(run.members) == 3


def test_scenario_8_ring_buffer_wraps_and_epoch_ends() -> None:
    run = centralized_run(epoch_time=9, batch=2)  # the epoch timer expires at step 3: last_step 5
    run.advance(3)
    run.tick()
    run.advance(5)
    run.tick()
    heads = []
    while run.state is not RunState.Cooldown:
        assert run.state is RunState.RoundTrain
        heads.append(run.coordinator.epoch_state.rounds_head)
        run.send_elected_witnesses()
        run.advance(2)
        run.tick()
    assert heads == [0, 1, 2, 3]
    assert [r.data_index for r in run.coordinator.epoch_state.rounds] == [0, 2, 4, 6]
    run.advance(5)
    assert run.tick() == EpochEnd(success=True)
    assert run.coordinator.progress.epoch == 1
    assert run.coordinator.progress.epoch_start_data_index == 8
    assert run.coordinator.model.llm.checkpoint.tag == CheckpointTag.P2P
    assert run.state is RunState.WaitingForMembers
