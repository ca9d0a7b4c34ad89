"""Test support: small run configurations and exact client timings, so figures can be computed by hand."""

from __future__ import annotations

from pathlib import Path

from client.simulate import ClientTiming, SimulationSettings
from coordinator_program.core.types import CoordinatorConfig
from formats.run_config import RunConfig, check_run_config, load_run_config

__all__ = ["TEST_CONFIG", "EXACT", "run_config", "settings"]

TEST_CONFIG = Path(__file__).resolve().parents[3] / "config" / "test"
EXACT = ClientTiming(train_fraction=0.4, load_fraction=0.4, jitter=0.0)
"""config/test's 5-second deadlines make this 2 s to train a round and 2 s to load the model, every time."""


def run_config(**overrides: int) -> RunConfig:
    """``config/test`` (warmup 5, cooldown 5, train 5, witness 2, epoch 60, min/init 2, batch 4, witness_nodes 1,
    total_steps 10, extra 3, seq 512) with ``overrides`` of its ``[config]`` fields, checked as the program checks."""
    base = load_run_config(TEST_CONFIG / "state.toml")
    config = CoordinatorConfig.from_buffer_copy(base.config)
    for name, value in overrides.items():
        setattr(config, name, value)
    check_run_config(config, base.model, "test config")
    return RunConfig(config, base.model)


def settings(config: RunConfig, clients: int, duration_s: int, **options: object) -> SimulationSettings:
    """Settings with exact timings unless ``options`` says otherwise."""
    return SimulationSettings(
        run_config=config,
        clients=clients,
        duration_s=duration_s,
        config_name="config/test",
        **{"timing": EXACT, **options},  # type: ignore[arg-type]
    )
