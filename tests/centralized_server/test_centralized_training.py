"""The reference's centralized integration tests (spec client-training.md §7), on a server with a fast clock.

Clients are the real training client (the ~0.8M-parameter Dummy model on synthetic data) linked to an in-process
``CentralizedServer`` over loopback TCP; phases last a few server seconds of a quarter real second each.
"""

from __future__ import annotations

import asyncio

import pytest

from client.participant.runner import ExitReason, TrainingClient
from tests.centralized_server.server_harness import ServerRun
from tests.client.participant.train_harness import run_toml

pytestmark = pytest.mark.integration


def _hashes_agree(clients: list[TrainingClient]) -> None:
    steps = sorted(set.intersection(*({r.step for r in c.rounds} for c in clients)))
    assert steps
    for step in steps:
        hashes = {next(r.parameter_hash for r in c.rounds if r.step == step) for c in clients}
        assert len(hashes) == 1, f"replicas differ at step {step}"


def test_three_clients_train_a_run_to_finished_bit_identically() -> None:
    run = ServerRun(run_toml(epoch_time=600, total_steps=8))
    clients: list[TrainingClient] = []

    def make() -> list[TrainingClient]:
        clients.extend(run.client(i) for i in range(3))
        return clients

    exits = asyncio.run(run.run_all(make, timeout=90))

    assert exits == [ExitReason.Finished] * 3
    assert [r.step for r in clients[0].rounds] == list(range(1, 8))
    _hashes_agree(clients)
