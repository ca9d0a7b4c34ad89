"""The coordinator's own checks on a config and model, with the field and the rule each failure breaks.

The verdict always comes from the program's functions (``config_error``, ``model_error``,
``cold_start_warmup_steps_fit``), so a file this module accepts is one ``update`` accepts. Those functions say which
rule failed but not always which field: ``config_error`` returns the ``ConfigError`` of the first broken rule,
which names the field here; ``model_error`` returns only the program's log line, so :func:`model_problem` locates
the field by re-reading the model in the program's order (a test checks that both agree on every model).
"""

from __future__ import annotations

from typing import assert_never

from coordinator_program.core import ConfigError, cold_start_warmup_steps_fit, config_error, model_error
from coordinator_program.core.arith import U64_MAX
from coordinator_program.core.types import (
    LLM,
    SOLANA_MAX_NUM_CLIENTS,
    SOLANA_MAX_NUM_WITNESSES,
    CheckpointTag,
    CoordinatorConfig,
    HttpTrainingDataLocationTag,
    LLMTrainingDataLocationTag,
    Model,
    OptimizerDefinitionTag,
)
from formats.run_config.errors import RunConfigError

__all__ = ["config_problem", "model_problem", "cold_start_problem", "check_run_config", "check_points_fit"]

_POSITIVE = "must be greater than 0"
_NOT_EMPTY = "must not be empty"
_LLM = "model.LLM"


def config_problem(config: CoordinatorConfig) -> tuple[str, str] | None:
    """The field and rule of the first ``CoordinatorConfig::check`` rule ``config`` breaks, or None if it passes.

    >>> config_problem(CoordinatorConfig(epoch_time=0))
    ('config.epoch_time', 'must be greater than 0 (coordinator config check EpochTime)')
    """
    error = config_error(config)
    if error is None:
        return None
    field, rule = _config_rule(error, config)
    return f"config.{field}", f"{rule} (coordinator config check {error.name})"


def _config_rule(error: ConfigError, config: CoordinatorConfig) -> tuple[str, str]:
    match error:
        case ConfigError.EpochTime:
            return "epoch_time", _POSITIVE
        case ConfigError.WarmupTime:
            return "warmup_time", f"must be less than epoch_time ({config.epoch_time})"
        case ConfigError.MaxRoundTrainTime:
            return "max_round_train_time", f"must be greater than 0 and less than epoch_time ({config.epoch_time})"
        case ConfigError.RoundWitnessTime:
            return "round_witness_time", _POSITIVE
        case ConfigError.MinClients:
            return "min_clients", _POSITIVE
        case ConfigError.InitMinClients:
            return (
                "init_min_clients",
                f"must be at least min_clients ({config.min_clients}) and at most {SOLANA_MAX_NUM_CLIENTS}",
            )
        case ConfigError.GlobalBatchSize:
            if config.global_batch_size_start == 0:
                return "global_batch_size_start", _POSITIVE
            return (
                "global_batch_size_end",
                f"must be at least global_batch_size_start ({config.global_batch_size_start})",
            )
        case ConfigError.TotalSteps:
            return "total_steps", _POSITIVE
        case ConfigError.WitnessNodes:
            return (
                "witness_nodes",
                f"must be at most min_clients ({config.min_clients}) and at most {SOLANA_MAX_NUM_WITNESSES} "
                "(0 means all clients, up to 32)",
            )
        case ConfigError.CooldownTime:
            return "cooldown_time", _POSITIVE
        case ConfigError.WaitingForMembersExtraTime:
            return "waiting_for_members_extra_time", _POSITIVE
    assert_never(error)


def _data_location_rule(llm: LLM) -> tuple[str, str] | None:
    location = llm.data_location
    field = f"{_LLM}.data_location.{location.kind.name}"
    match location.kind:
        case LLMTrainingDataLocationTag.Dummy | LLMTrainingDataLocationTag.Local:
            return None
        case (
            LLMTrainingDataLocationTag.Server
            | LLMTrainingDataLocationTag.WeightedHttp
            | LLMTrainingDataLocationTag.Preprocessed
        ):
            return (field, _NOT_EMPTY) if location.variant().is_empty() else None
        case LLMTrainingDataLocationTag.Http:
            http = location.variant().location
            field = f"{field}.location.{http.kind.name}"
            match http.kind:
                case HttpTrainingDataLocationTag.SingleUrl:
                    return (field, _NOT_EMPTY) if http.variant().is_empty() else None
                case HttpTrainingDataLocationTag.NumberedFiles:
                    files = http.variant()
                    if files.url_template.is_empty():
                        return f"{field}.url_template", _NOT_EMPTY
                    return (f"{field}.num_files", _POSITIVE) if files.num_files == 0 else None
                case HttpTrainingDataLocationTag.Gcp:
                    return (f"{field}.bucket_name", _NOT_EMPTY) if http.variant().bucket_name.is_empty() else None
    raise AssertionError(f"unhandled data location {location!r}")


def _checkpoint_rule(llm: LLM) -> tuple[str, str] | None:
    checkpoint = llm.checkpoint
    field = f"{_LLM}.checkpoint"
    match checkpoint.kind:
        case CheckpointTag.Dummy:
            return None
        case CheckpointTag.Ephemeral:
            return field, "must not be Ephemeral: a run needs a checkpoint to load its model from"
        case CheckpointTag.Hub | CheckpointTag.P2P:
            repo = checkpoint.variant()
            return (f"{field}.{checkpoint.kind.name}.repo_id", _NOT_EMPTY) if repo.repo_id.is_empty() else None
        case CheckpointTag.Gcs | CheckpointTag.P2PGcs:
            repo = checkpoint.variant()
            return (f"{field}.{checkpoint.kind.name}.bucket", _NOT_EMPTY) if repo.bucket.is_empty() else None
    raise AssertionError(f"unhandled checkpoint {checkpoint!r}")


def locate_model_rule(model: Model) -> tuple[str, str] | None:
    """The field and rule of the first ``Model::check`` rule ``model`` breaks, read in the program's order."""
    llm = model.llm
    if llm.max_seq_len == 0:
        return f"{_LLM}.max_seq_len", _POSITIVE
    located = _data_location_rule(llm) or _checkpoint_rule(llm)
    if located is not None:
        return located
    if llm.optimizer.kind is OptimizerDefinitionTag.Dummy:
        return f"{_LLM}.optimizer", "must not be Dummy: the coordinator needs a real optimizer (AdamW or Distro)"
    return None


def model_problem(model: Model) -> tuple[str, str] | None:
    """The field and rule ``model`` breaks when the program's ``Model::check`` fails, or None if it passes."""
    reason = model_error(model)
    if reason is None:
        return None
    located = locate_model_rule(model)
    field, rule = located if located is not None else ("model", reason)
    return field, f"{rule} (coordinator model check)"


def cold_start_problem(config: CoordinatorConfig, model: Model) -> tuple[str, str] | None:
    """The cold-start ramp must fit one epoch's training rounds; ``config`` must already pass its own check."""
    if cold_start_warmup_steps_fit(config, model):
        return None
    fit = (config.epoch_time - config.warmup_time) // config.max_round_train_time
    return (
        f"{_LLM}.cold_start_warmup_steps",
        f"must be at most {fit}, the training rounds that fit in one epoch "
        "((epoch_time - warmup_time) // max_round_train_time) (coordinator cold-start check)",
    )


def check_run_config(config: CoordinatorConfig, model: Model, source: str) -> None:
    """Raise :class:`RunConfigError` for the first check ``update(config, model)`` would fail, in the program's order:
    config, then model, then the cold-start ramp."""
    problem = config_problem(config) or model_problem(model) or cold_start_problem(config, model)
    if problem is not None:
        raise RunConfigError(source, *problem)


def check_points_fit(earning_rate_total_shared: int, total_steps: int, source: str, field: str) -> None:
    """Raise :class:`RunConfigError` on ``field`` when ``earning_rate_total_shared × total_steps`` exceeds u64::MAX.

    The product bounds the points one client can earn over the run (a lone Healthy finisher earns the whole rate
    at each epoch end). Past u64::MAX the reference's epoch-end tick panics and wedges the run in Cooldown, so the
    CLI refuses such a rate or step count before sending anything.

    >>> check_points_fit(2**63 - 1, 2, "command line", "--earning-rate-total-shared")
    >>> check_points_fit(2**63, 2, "command line", "--earning-rate-total-shared")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    formats.run_config.errors.RunConfigError: command line: --earning-rate-total-shared: earning_rate_total_shared ...
    """
    total = earning_rate_total_shared * total_steps
    if total > U64_MAX:
        raise RunConfigError(
            source,
            field,
            f"earning_rate_total_shared ({earning_rate_total_shared}) × total_steps ({total_steps}) = {total} "
            f"exceeds u64::MAX ({U64_MAX}): a client's points could overflow at an epoch end and wedge the run "
            "in Cooldown",
        )
