"""Run configurations: a run's ``state.toml`` read into the coordinator's own types and checked by its own rules."""

from formats.run_config.errors import RunConfigError
from formats.run_config.loader import CENTRALIZED_STATE_KEYS, RunConfig, load_run_config, parse_run_config
from formats.run_config.metadata import updated_metadata
from formats.run_config.rules import check_run_config

__all__ = [
    "CENTRALIZED_STATE_KEYS",
    "RunConfig",
    "RunConfigError",
    "check_run_config",
    "load_run_config",
    "parse_run_config",
    "updated_metadata",
]
