"""A MatFormer tier-2 client joining a running run takes its slice of the weights from its tier-0 peers (``slow``)."""

from __future__ import annotations

import asyncio

import pytest

from client.participant.pipeline import parameter_hash
from client.participant.runner import ExitReason, TrainingClient
from client.train.model import LlamaForCausalLM
from tests.client.participant.train_harness import TrainRun, run_toml
from tests.client.participant.train_harness import capturing_events as _capturing_events

pytestmark = [pytest.mark.integration, pytest.mark.slow]


async def _join_then_pause(run: TrainRun) -> tuple[list[TrainingClient], list[ExitReason]]:
    """Two tier-0 clients train; a tier-2 client joins once the run is in epoch 1; the owner pauses the run once
    the joiner trained a few rounds, so every client leaves holding the same step's weights."""
    clients = [run.client(0), run.client(1)]
    clock = asyncio.create_task(run.clock())
    tasks = [asyncio.create_task(c.run()) for c in clients]
    try:
        while int(run.account().state.coordinator.progress.epoch) < 1:
            await asyncio.sleep(0.05)
        clients.append(run.client(2, matformer_tier=2))
        tasks.append(asyncio.create_task(clients[-1].run()))
        while len(clients[-1].rounds) < 4:
            for task in tasks:
                if task.done():
                    raise AssertionError(f"a client left early: {task.result()}")
            await asyncio.sleep(0.05)
        await run.pause()
        return clients, list(await asyncio.gather(*tasks))
    finally:
        clock.cancel()
        for task in tasks:
            task.cancel()


def test_a_tier_2_client_joining_later_gets_its_slice_over_p2p_and_keeps_it_equal() -> None:
    run = TrainRun(run_toml(epoch_time=30, total_steps=500, init_min_clients=2, deadline=8))
    with _capturing_events() as events:
        (first, second, joiner), exits = asyncio.run(asyncio.wait_for(_join_then_pause(run), 240))
    assert exits == [ExitReason.Paused] * 3
    assert joiner.setup is not None and joiner.setup.checkpoint.startswith("P2P")
    loaded = [e for e in events.named("loaded_model") if e["matformer_tier"] == 2]
    assert loaded and all(str(e["checkpoint"]).startswith("P2P") for e in loaded)
    assert first.setup is not None and second.setup is not None
    full, narrow = first.setup.trainer.model, joiner.setup.trainer.model
    assert isinstance(full, LlamaForCausalLM) and isinstance(narrow, LlamaForCausalLM)
    assert narrow.config.intermediate_size_active == full.config.intermediate_size >> 2
    assert parameter_hash(first.setup.trainer.model) == parameter_hash(second.setup.trainer.model)
    assert parameter_hash(narrow) == parameter_hash(full, narrow.config.intermediate_size_active)
