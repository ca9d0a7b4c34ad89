"""Sanity checks on a run's settings (§2.1, §2.2) that the program runs before accepting or resuming a run.

They only read; the program maps a failure to ConfigSanityCheckFailed, ModelSanityCheckFailed or
ProgressSanityCheckFailed.
"""

from __future__ import annotations

from coordinator_program.core.errors import ConfigError, CoordinatorPanic
from coordinator_program.core.types.coordinator import (
    SOLANA_MAX_NUM_CLIENTS,
    SOLANA_MAX_NUM_WITNESSES,
    CoordinatorConfig,
    CoordinatorProgress,
)
from coordinator_program.core.types.enums import (
    CheckpointTag,
    HttpTrainingDataLocationTag,
    LLMTrainingDataLocationTag,
    OptimizerDefinitionTag,
)
from coordinator_program.core.types.model import LLM, Model

__all__ = ["config_error", "model_error", "cold_start_warmup_steps_fit", "progress_ok"]


def config_error(config: CoordinatorConfig) -> ConfigError | None:
    """The first rule of ``CoordinatorConfig::check`` that ``config`` breaks, or None."""
    rules = (
        (config.epoch_time == 0, ConfigError.EpochTime),
        (config.warmup_time >= config.epoch_time, ConfigError.WarmupTime),
        (
            config.max_round_train_time == 0 or config.max_round_train_time >= config.epoch_time,
            ConfigError.MaxRoundTrainTime,
        ),
        (config.round_witness_time == 0, ConfigError.RoundWitnessTime),
        (config.min_clients == 0, ConfigError.MinClients),
        (
            config.init_min_clients < config.min_clients or config.init_min_clients > SOLANA_MAX_NUM_CLIENTS,
            ConfigError.InitMinClients,
        ),
        (
            config.global_batch_size_start == 0
            or config.global_batch_size_end == 0
            or config.global_batch_size_end < config.global_batch_size_start,
            ConfigError.GlobalBatchSize,
        ),
        (config.total_steps == 0, ConfigError.TotalSteps),
        (
            config.witness_nodes > config.min_clients or config.witness_nodes > SOLANA_MAX_NUM_WITNESSES,
            ConfigError.WitnessNodes,
        ),
        (config.cooldown_time == 0, ConfigError.CooldownTime),
        (config.waiting_for_members_extra_time == 0, ConfigError.WaitingForMembersExtraTime),
    )
    return next((error for broken, error in rules if broken), None)


def _bad_data_location(llm: LLM) -> bool:
    location = llm.data_location
    match location.tag:
        case LLMTrainingDataLocationTag.Dummy | LLMTrainingDataLocationTag.Local:
            return False
        case LLMTrainingDataLocationTag.Server:
            return bool(location.payload.server.is_empty())
        case LLMTrainingDataLocationTag.WeightedHttp:
            return bool(location.payload.weighted_http.is_empty())
        case LLMTrainingDataLocationTag.Preprocessed:
            return bool(location.payload.preprocessed.is_empty())
        case LLMTrainingDataLocationTag.Http:
            http = location.payload.http.location
            match http.tag:
                case HttpTrainingDataLocationTag.SingleUrl:
                    return bool(http.payload.single_url.is_empty())
                case HttpTrainingDataLocationTag.NumberedFiles:
                    files = http.payload.numbered_files
                    return bool(files.url_template.is_empty() or files.num_files == 0)
                case HttpTrainingDataLocationTag.Gcp:
                    return bool(http.payload.gcp.bucket_name.is_empty())
    raise CoordinatorPanic("invalid data location tag")


def _bad_checkpoint(llm: LLM) -> bool:
    checkpoint = llm.checkpoint
    match checkpoint.tag:
        case CheckpointTag.Dummy:
            return False
        case CheckpointTag.Ephemeral:
            return True
        case CheckpointTag.Hub | CheckpointTag.P2P:
            return bool(checkpoint.payload.hub_repo.repo_id.is_empty())
        case CheckpointTag.Gcs | CheckpointTag.P2PGcs:
            return bool(checkpoint.payload.gcs_repo.bucket.is_empty())
    raise CoordinatorPanic("invalid checkpoint tag")


def model_error(model: Model) -> str | None:
    """Why ``Model::check`` fails (the reference's ``msg!`` text, for the program log), or None if it passes.

    "Empty" means the first byte is zero. Dummy data and Local data always pass, and so does a Dummy checkpoint.
    """
    llm = model.llm
    if llm.max_seq_len == 0:
        return "model check failed: max_seq_len is 0."
    if _bad_data_location(llm):
        return "model check failed: bad LLM training data location."
    if _bad_checkpoint(llm):
        return "model check failed: bad checkpoint"
    if llm.optimizer.tag == OptimizerDefinitionTag.Dummy:
        return "model check failed: bad optimizer"
    return None


def cold_start_warmup_steps_fit(config: CoordinatorConfig, model: Model) -> bool:
    """``check_cold_start_warmup_steps``: the cold-start ramp fits into the training rounds of one epoch.

    The reference subtracts and divides unchecked-by-logic, so with a config that was never set (all zero) and a
    non-zero ramp it panics (underflow or division by zero) instead of failing.
    """
    steps = model.llm.cold_start_warmup_steps
    if steps == 0:
        return True
    if config.warmup_time > config.epoch_time:
        raise CoordinatorPanic("attempt to subtract with overflow: epoch_time - warmup_time")
    if config.max_round_train_time == 0:
        raise CoordinatorPanic("attempt to divide by zero: max_round_train_time")
    return bool(steps <= (config.epoch_time - config.warmup_time) // config.max_round_train_time)


def progress_ok(progress: CoordinatorProgress) -> bool:
    """``CoordinatorProgress::check``: the step must be positive."""
    return bool(progress.step > 0)
