"""End to end: three training clients (asyncio tasks in this process) train one run on the real programs.

The chain is one in-process bank (each client has its own backend over it); clients talk over loopback HTTP.
"""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Callable
from pathlib import Path

import pytest

from client.participant.runner import ExitReason, TrainingClient
from coordinator_program.core.types import RunState
from tests.client.participant.train_harness import EARNING_RATE, RUN_ID, TrainRun, run_toml
from tests.client.participant.train_harness import EventLog as _Events
from tests.client.participant.train_harness import capturing_events as _capturing_events

pytestmark = pytest.mark.integration  # loopback HTTP servers, one per client


def _common_steps(clients: list[TrainingClient]) -> list[int]:
    steps = [{r.step for r in c.rounds} for c in clients]
    return sorted(set.intersection(*steps))


def test_three_clients_train_one_epoch_bit_identically_and_earn_points() -> None:
    run = TrainRun(run_toml(epoch_time=600, total_steps=25))
    clients = [run.client(i) for i in range(3)]

    with _capturing_events() as events:
        exits = asyncio.run(run.run_all(clients, timeout=120))

    assert exits == [ExitReason.Finished] * 3
    # Most applies were worked out during the witness phase before (any may not be, when its plan was not settled
    # yet); the replicas below are bit-identical either way.
    applied = events.named("applied")
    assert sum(bool(event["prepared"]) for event in applied) > len(applied) // 2
    steps = _common_steps(clients)
    assert steps == list(range(1, 25))
    for step in steps:
        hashes = {next(r.parameter_hash for r in c.rounds if r.step == step) for c in clients}
        assert len(hashes) == 1, f"replicas differ at step {step}"
    losses = [statistics.mean(r.loss for c in clients for r in c.rounds if r.step == s and r.loss) for s in steps]
    assert statistics.mean(losses[-4:]) < statistics.mean(losses[:4]) - 0.1
    registry = run.account().state.clients_state.clients
    earned = {bytes(client.id.signer): int(client.earned) for client in registry}
    for index in range(3):
        assert earned[bytes(run.keypair(index).pubkey())] > 0
    assert sum(earned.values()) <= EARNING_RATE


def _assert_replicas_identical(clients: list[TrainingClient]) -> None:
    for step in _common_steps(clients):
        hashes = {next(r.parameter_hash for r in c.rounds if r.step == step) for c in clients}
        assert len(hashes) == 1, f"replicas differ at step {step}"


def test_clients_rejoin_every_epoch_and_leave_when_the_run_finishes(tmp_path: Path) -> None:
    run = TrainRun(run_toml(epoch_time=10, total_steps=14))
    clients = [run.client(0, checkpoint_dir=tmp_path), run.client(1), run.client(2)]

    exits = asyncio.run(run.run_all(clients, timeout=120))

    assert exits == [ExitReason.Finished] * 3
    epochs = {r.epoch for r in clients[0].rounds}
    assert len(epochs) >= 2
    for client in clients:
        assert {r.epoch for r in client.rounds} == epochs
    _assert_replicas_identical(clients)
    assert int(run.account().state.coordinator.progress.step) >= 14
    checkpoints = sorted(tmp_path.glob("*/model.safetensors"))
    assert len(checkpoints) == len(epochs)  # one per Cooldown
    assert all(path.parent.name.startswith(f"{RUN_ID}-step") for path in checkpoints)


async def _kill_and_rejoin(
    run: TrainRun, events: _Events, size: int = 3
) -> tuple[list[TrainingClient], TrainingClient]:
    """``size`` clients train; the last is killed mid-epoch, the others report it, and it restarts and rejoins."""
    clients = [run.client(i) for i in range(size)]
    clock = asyncio.create_task(run.clock())
    tasks = [asyncio.create_task(c.run()) for c in clients]
    try:
        while len(clients[-1].rounds) < 2:
            await asyncio.sleep(0.05)
        tasks[-1].cancel()  # a kill: no goodbye, its P2P endpoint goes away
        await asyncio.gather(tasks[-1], return_exceptions=True)
        while "health_check" not in events.names:
            await asyncio.sleep(0.05)
        rejoined = run.client(size - 1)
        await asyncio.wait_for(asyncio.gather(*tasks[:-1], rejoined.run()), 120)
        return clients, rejoined
    finally:
        clock.cancel()
        for task in tasks:
            task.cancel()


def _run_kill_scenario(run: TrainRun, size: int) -> tuple[list[TrainingClient], TrainingClient]:
    with _capturing_events() as events:
        return asyncio.run(asyncio.wait_for(_kill_and_rejoin(run, events, size), 150))


def test_a_killed_client_is_reported_the_others_go_on_and_it_rejoins_later() -> None:
    run = TrainRun(run_toml(epoch_time=30, total_steps=24, init_min_clients=2, deadline=8))
    (first, second, killed), rejoined = _run_kill_scenario(run, 3)

    killed_at = max(r.step for r in killed.rounds)
    assert any(r.step > killed_at + 1 and r.epoch == killed.rounds[-1].epoch for r in first.rounds)
    assert rejoined.rounds, "the rejoined client trained again"
    assert rejoined.rounds[0].epoch > killed.rounds[-1].epoch
    assert rejoined.setup is not None and rejoined.setup.checkpoint.startswith("P2P")
    _assert_replicas_identical([first, second, rejoined])


def test_below_min_clients_the_epoch_cools_down_and_the_run_recovers_when_the_client_rejoins() -> None:
    run = TrainRun(run_toml(epoch_time=30, total_steps=20, init_min_clients=2, deadline=8))

    (survivor, killed), rejoined = _run_kill_scenario(run, 2)

    killed_epoch = killed.rounds[-1].epoch
    assert max(r.step for r in survivor.rounds if r.epoch == killed_epoch) <= max(r.step for r in killed.rounds) + 3
    assert rejoined.rounds and rejoined.rounds[0].epoch > killed_epoch
    assert rejoined.setup is not None and rejoined.setup.checkpoint.startswith("P2P")
    _assert_replicas_identical([survivor, rejoined])


async def _until(condition: Callable[[], bool], clients: list[asyncio.Task[ExitReason]]) -> None:
    """Wait for ``condition``; a client that leaves meanwhile ends the wait (raising its error if it failed)."""
    while not condition():
        for task in clients:
            if task.done():
                raise AssertionError(f"a client left early: {task.result()}")
        await asyncio.sleep(0.05)


def _earned(run: TrainRun, index: int) -> int:
    signer = bytes(run.keypair(index).pubkey())
    registry = run.account().state.clients_state.clients
    return next((int(client.earned) for client in registry if bytes(client.id.signer) == signer), 0)


async def _join_in_epoch(run: TrainRun, epoch: int) -> tuple[list[TrainingClient], list[ExitReason]]:
    """Two clients train; a new third one starts once the run is in ``epoch``; all stop once it earned points."""
    stop = asyncio.Event()
    clients = [run.client(0), run.client(1)]
    clock = asyncio.create_task(run.clock())
    tasks = [asyncio.create_task(c.run(stop)) for c in clients]
    try:
        await _until(lambda: int(run.account().state.coordinator.progress.epoch) >= epoch, tasks)
        clients.append(run.client(2))
        tasks.append(asyncio.create_task(clients[-1].run(stop)))
        await _until(lambda: _earned(run, 2) > 0, tasks)
        stop.set()
        return clients, list(await asyncio.gather(*tasks))
    finally:
        clock.cancel()
        for task in tasks:
            task.cancel()


def test_a_new_client_joining_in_epoch_2_gets_the_model_from_peers_and_stays_bit_identical() -> None:
    warmup_steps = 2  # at most (30 - 8) // 8
    run = TrainRun(
        run_toml(epoch_time=30, total_steps=500, init_min_clients=2, deadline=8, cold_start_warmup_steps=warmup_steps)
    )

    with _capturing_events() as events:
        (first, second, joiner), exits = asyncio.run(asyncio.wait_for(_join_in_epoch(run, 2), 150))

    assert exits == [ExitReason.Stopped] * 3
    assert joiner.rounds and joiner.rounds[0].epoch >= 2
    assert joiner.setup is not None and joiner.setup.checkpoint.startswith("P2P")
    assert any(str(e["checkpoint"]).startswith("P2P") for e in events.named("loaded_model"))
    # Its first results were skipped by everyone (§4.5), the later ones applied, and no replica drifted.
    assert events.named("warming_up_batches")
    assert len(joiner.rounds) > warmup_steps + 2
    _assert_replicas_identical([first, second, joiner])
    assert _earned(run, 2) > 0


async def _pause_while_training(run: TrainRun, clients: list[TrainingClient]) -> list[ExitReason]:
    clock = asyncio.create_task(run.clock())
    tasks = [asyncio.create_task(c.run()) for c in clients]
    try:
        await _until(lambda: all(len(c.rounds) >= 2 for c in clients), tasks)
        await run.pause()
        return list(await asyncio.gather(*tasks))
    finally:
        clock.cancel()
        for task in tasks:
            task.cancel()


def test_clients_leave_cleanly_when_the_owner_pauses_the_run() -> None:
    run = TrainRun(run_toml(epoch_time=600, total_steps=100, init_min_clients=2))
    clients = [run.client(0), run.client(1)]

    with _capturing_events() as events:
        exits = asyncio.run(asyncio.wait_for(_pause_while_training(run, clients), 120))

    assert exits == [ExitReason.Paused] * 2
    assert len(events.named("paused")) == 2
    assert RunState(run.account().state.coordinator.run_state) is RunState.Paused
    _assert_replicas_identical(clients)
