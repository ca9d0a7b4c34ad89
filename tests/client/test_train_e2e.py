"""End to end: three training clients (asyncio tasks in this process) train one run on the real programs.

The chain is one in-process bank (each client has its own backend over it); clients talk over loopback HTTP.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
from pathlib import Path

import pytest

from client.participant.logs import EVENT_LOGGER
from client.participant.runner import ExitReason, TrainingClient
from tests.client.participant.train_harness import EARNING_RATE, RUN_ID, TrainRun, run_toml

pytestmark = pytest.mark.integration  # loopback HTTP servers, one per client


def _common_steps(clients: list[TrainingClient]) -> list[int]:
    steps = [{r.step for r in c.rounds} for c in clients]
    return sorted(set.intersection(*steps))


def test_three_clients_train_one_epoch_bit_identically_and_earn_points() -> None:
    run = TrainRun(run_toml(epoch_time=600, total_steps=25))
    clients = [run.client(i) for i in range(3)]

    exits = asyncio.run(run.run_all(clients, timeout=120))

    assert exits == [ExitReason.Finished] * 3
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


class _Events(logging.Handler):
    """The training clients' events, by name."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.names: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.names.append(str(getattr(record, "event", "")))


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
    events = _Events()
    logger = logging.getLogger(EVENT_LOGGER)
    level = logger.level
    logger.addHandler(events)
    logger.setLevel(logging.INFO)
    try:
        return asyncio.run(asyncio.wait_for(_kill_and_rejoin(run, events, size), 150))
    finally:
        logger.removeHandler(events)
        logger.setLevel(level)


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
