"""Test and benchmark support: a DisTrO run of clients at different MatFormer tiers, in one process.

Each client is a :class:`~client.train.Trainer` over a model of its tier built from the same seed. A step: every
client trains on its own batch and transmits its result as a run would (quantized or bf16), then every client
applies all of the step's results at once (no two-step delay, so no lookahead: the benchmarks' "no delay" loop).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from client.train import DistroConfig, DistroResult, Trainer
from client.train.aggregation import Aggregator
from client.train.model import LlamaForCausalLM, build_model
from client.train.schedule import LearningRateSchedule

__all__ = ["TierClient", "tier_clients", "train_step"]


@dataclass
class TierClient:
    """One client of the run: its tier, its trainer, and its last unquantized result (next step's prev_self)."""

    tier: int
    trainer: Trainer
    previous: list[DistroResult] = field(default_factory=list)

    @property
    def model(self) -> LlamaForCausalLM:
        model = self.trainer.model
        assert isinstance(model, LlamaForCausalLM)
        return model


def tier_clients(
    config: Mapping[str, Any],
    tiers: Sequence[int],
    distro: DistroConfig,
    schedule: LearningRateSchedule,
    seed: int = 0,
    aggregator: Aggregator | None = None,
) -> list[TierClient]:
    """One client per entry of ``tiers``, every model the tier's slice of the same seeded initialisation."""
    return [
        TierClient(
            tier,
            Trainer(
                build_model(config, seed, matformer_tier=tier),
                distro,
                schedule,
                lookahead=False,
                aggregator=aggregator,
            ),
        )
        for tier in tiers
    ]


def train_step(clients: Sequence[TierClient], step: int, batches: Sequence[torch.Tensor]) -> list[DistroResult]:
    """Client i trains on ``batches[i]``; every client applies every transmitted result. The transmitted results,
    in client order."""
    sent = []
    for client, batch in zip(clients, batches, strict=True):
        config = client.trainer.optimizer_config
        assert isinstance(config, DistroConfig)
        output = client.trainer.train(step, batch, prev_self=client.previous)
        assert output.result is not None
        client.previous = [output.result]
        sent.append(output.result.for_transmission(config.quantize_1bit))
    for client in clients:
        client.trainer.optimize(step, sent)
    return sent
