"""A run's optimizer and schedule, read from its state.toml into the trainer's settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from client.train.errors import TrainConfigError
from client.train.optim_config import AdamWConfig, DistroConfig, optimizer_from_definition
from client.train.schedule import ConstantLR, schedule_from_definition
from coordinator_program.core.types import AdamW, OptimizerDefinition, OptimizerDefinitionTag
from formats.run_config import load_run_config

REPO = Path(__file__).resolve().parents[3]


def test_tiny_llama_trains_with_distro_on_a_constant_schedule() -> None:
    """The settings the DisTrO ablation chose (README): 16 x 16 chunks, top-1, decay 0.95, no lr decay."""
    llm = load_run_config(REPO / "config" / "tiny-llama" / "state.toml").model.llm
    optimizer = optimizer_from_definition(llm.optimizer)
    assert isinstance(optimizer, DistroConfig)
    assert (optimizer.compression_topk, optimizer.compression_chunk, optimizer.quantize_1bit) == (1, 16, True)
    assert optimizer.compression_decay == pytest.approx(0.95)  # an f32 on chain
    assert optimizer.clip_grad_norm == 1.0 and optimizer.weight_decay == 0.0
    assert schedule_from_definition(llm.lr_schedule) == ConstantLR(1e-3, 0.0, 10)


def test_adamw_settings_are_read_field_by_field() -> None:
    definition = OptimizerDefinition()
    adamw = AdamW()
    adamw.betas[0], adamw.betas[1] = 0.9, 0.95
    adamw.weight_decay, adamw.eps = 0.1, 1e-8
    adamw.clip_grad_norm.set(0.5)
    definition.set_variant(OptimizerDefinitionTag.AdamW, adamw)
    config = optimizer_from_definition(definition)
    assert isinstance(config, AdamWConfig)
    assert config.betas == pytest.approx((0.9, 0.95)) and config.weight_decay == pytest.approx(0.1)
    assert config.clip_grad_norm == 0.5


def test_the_dummy_optimizer_cannot_train() -> None:
    definition = OptimizerDefinition()
    definition.set_variant(OptimizerDefinitionTag.Dummy)
    with pytest.raises(TrainConfigError, match="Dummy"):
        optimizer_from_definition(definition)
