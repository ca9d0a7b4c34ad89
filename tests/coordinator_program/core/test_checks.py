"""Config, model, cold-start and progress checks (§2.1, §2.2)."""

from __future__ import annotations

import pytest

from coordinator_program.core import (
    ConfigError,
    CoordinatorPanic,
    cold_start_warmup_steps_fit,
    config_error,
    model_error,
    progress_ok,
)
from coordinator_program.core.types import (
    CheckpointTag,
    CoordinatorConfig,
    CoordinatorProgress,
    LLMTrainingDataLocationTag,
    OptimizerDefinitionTag,
)

from .runs import new_coordinator


def valid_config() -> CoordinatorConfig:
    return CoordinatorConfig.from_buffer_copy(new_coordinator().config)


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"epoch_time": 0}, ConfigError.EpochTime),
        ({"warmup_time": 30}, ConfigError.WarmupTime),
        ({"max_round_train_time": 0}, ConfigError.MaxRoundTrainTime),
        ({"max_round_train_time": 30}, ConfigError.MaxRoundTrainTime),
        ({"round_witness_time": 0}, ConfigError.RoundWitnessTime),
        ({"min_clients": 0}, ConfigError.MinClients),
        ({"min_clients": 2}, ConfigError.InitMinClients),
        ({"init_min_clients": 257, "min_clients": 1}, ConfigError.InitMinClients),
        ({"global_batch_size_start": 0}, ConfigError.GlobalBatchSize),
        ({"global_batch_size_start": 2}, ConfigError.GlobalBatchSize),
        ({"total_steps": 0}, ConfigError.TotalSteps),
        ({"witness_nodes": 2}, ConfigError.WitnessNodes),
        ({"cooldown_time": 0}, ConfigError.CooldownTime),
        ({"waiting_for_members_extra_time": 0}, ConfigError.WaitingForMembersExtraTime),
        ({"epoch_time": 0, "cooldown_time": 0}, ConfigError.EpochTime),  # the first broken rule wins
    ],
)
def test_config_rules_in_order(changes: dict[str, int], error: ConfigError) -> None:
    config = valid_config()
    for name, value in changes.items():
        setattr(config, name, value)
    assert config_error(config) is error


def test_valid_config_passes_and_zeroed_config_fails() -> None:
    assert config_error(valid_config()) is None
    assert config_error(CoordinatorConfig()) is ConfigError.EpochTime


def test_model_check() -> None:
    coordinator = new_coordinator()
    model = coordinator.model
    assert model_error(model) is None  # Dummy checkpoint and Dummy data pass
    model.llm.checkpoint.set_variant(CheckpointTag.Ephemeral)
    assert model_error(model) == "model check failed: bad checkpoint"
    model.llm.checkpoint.tag = CheckpointTag.Hub  # repo_id empty
    assert model_error(model) == "model check failed: bad checkpoint"
    model.llm.checkpoint.payload.hub_repo.repo_id.value = "org/model"
    assert model_error(model) is None
    model.llm.data_location.tag = LLMTrainingDataLocationTag.Server
    assert model_error(model) == "model check failed: bad LLM training data location."
    model.llm.data_location.tag = LLMTrainingDataLocationTag.Local
    assert model_error(model) is None
    model.llm.optimizer.set_variant(OptimizerDefinitionTag.Dummy)
    assert model_error(model) == "model check failed: bad optimizer"
    model.llm.max_seq_len = 0
    assert model_error(model) == "model check failed: max_seq_len is 0."


def test_cold_start_steps_must_fit_one_epoch() -> None:
    coordinator = new_coordinator(epoch_time=100, warmup_time=10, max_round_train_time=15)
    coordinator.model.llm.cold_start_warmup_steps = 6  # (100 - 10) // 15 = 6
    assert cold_start_warmup_steps_fit(coordinator.config, coordinator.model)
    coordinator.model.llm.cold_start_warmup_steps = 7
    assert not cold_start_warmup_steps_fit(coordinator.config, coordinator.model)


def test_cold_start_check_on_a_zero_config_panics() -> None:
    coordinator = new_coordinator()
    coordinator.model.llm.cold_start_warmup_steps = 1
    with pytest.raises(CoordinatorPanic):
        cold_start_warmup_steps_fit(CoordinatorConfig(), coordinator.model)


def test_progress_needs_a_positive_step() -> None:
    assert not progress_ok(CoordinatorProgress())
    assert progress_ok(CoordinatorProgress(step=1))
