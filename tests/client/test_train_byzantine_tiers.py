"""A byzantine client in a mixed-tier run: its attack reads only its own tier's honest results, crafts
results that pass validation, and the honest replicas of every tier stay in agreement."""

from __future__ import annotations

import asyncio

import pytest

from client.participant.pipeline import parameter_hash
from client.participant.runner import ExitReason
from client.train.model import LlamaForCausalLM
from tests.client.participant.train_harness import TrainRun, capturing_events, run_toml
from tests.client.test_train_attacks import UNQUANTIZED_CLIPPED

pytestmark = pytest.mark.integration  # loopback HTTP servers, one per client


def test_an_ipm_client_of_tier_1_beside_tier_0_clients_is_applied_and_every_tier_stays_identical() -> None:
    toml = run_toml(epoch_time=600, total_steps=6, deadline=10, init_min_clients=4, distro=UNQUANTIZED_CLIPPED)
    run = TrainRun(toml)
    clients = [
        run.client(0),
        run.client(1),
        run.client(2, matformer_tier=1),
        run.client(3, matformer_tier=1, byzantine="ipm:2"),
    ]
    with capturing_events() as events:
        exits = asyncio.run(run.run_all(clients, timeout=240))

    assert exits == [ExitReason.Finished] * 4
    attacker = clients[3].adversary
    assert attacker is not None and attacker.last is not None  # type: ignore[attr-defined]
    honest = clients[:3]
    assert not events.named("invalid_result") and not any(c.exchange.refused for c in honest)
    full, narrow = (c.setup.trainer.model if c.setup is not None else None for c in clients[1:3])
    assert isinstance(full, LlamaForCausalLM) and isinstance(narrow, LlamaForCausalLM)
    assert clients[0].setup is not None and parameter_hash(clients[0].setup.trainer.model) == parameter_hash(full)
    assert parameter_hash(narrow) == parameter_hash(full, narrow.config.intermediate_size_active)
