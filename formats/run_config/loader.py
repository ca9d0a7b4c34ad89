"""Read a run's ``state.toml`` into the coordinator's own ``CoordinatorConfig`` and ``Model``, checked as the program
checks them.

This is what ``update-config --config-path`` sends: the file needs ``[config]`` and ``[model]`` (spec §3.4); the
run id comes from the command line. Forms of the reference's documentation that the on-chain layout lacks are
mapped or refused first (:mod:`formats.run_config.forms`). A centralized-server ``state.toml`` also carries the
rest of a ``Coordinator`` (``run_id``, ``run_state``, ``progress``, ...); the Solana program has no use for those
keys, so they are allowed and ignored, as the reference's ``update-config`` ignores them. Any other key is an
error.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import tomli

from coordinator_program.core.types import CoordinatorConfig, Model
from coordinator_program.state.borsh_args import COORDINATOR_CONFIG, MODEL
from formats.run_config.errors import RunConfigError
from formats.run_config.forms import map_config_forms
from formats.run_config.rules import check_run_config
from formats.run_config.serde import from_serde

__all__ = ["RunConfig", "CENTRALIZED_STATE_KEYS", "load_run_config", "parse_run_config"]

SECTIONS = ("config", "model")
CENTRALIZED_STATE_KEYS = frozenset(
    {"run_id", "run_state", "progress", "epoch_state", "run_state_start_unix_timestamp", "pending_pause"}
)
"""Top-level keys of a centralized ``state.toml`` (a whole serde ``Coordinator``) that a Solana run ignores."""


@dataclass(frozen=True)
class RunConfig:
    """A run's settings, ready for the coordinator's ``update`` (or a treasurer ``run_update``)."""

    config: CoordinatorConfig
    model: Model


def parse_run_config(text: str, source: str = "<string>") -> RunConfig:
    """Parse and check TOML ``text``; ``source`` names it in errors. Raises :class:`RunConfigError`."""
    try:
        document = tomli.loads(text)
    except tomli.TOMLDecodeError as exc:
        raise RunConfigError(
            source, None, f"is not valid TOML: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from exc
    for key in document:
        if key not in SECTIONS and key not in CENTRALIZED_STATE_KEYS:
            raise RunConfigError(source, key, "is not a known key (a run configuration has [config] and [model])")
    for section in SECTIONS:
        if section not in document:
            raise RunConfigError(source, section, "is missing: a run configuration needs [config] and [model]")
    map_config_forms(document, source)
    run_config = RunConfig(
        config=from_serde(COORDINATOR_CONFIG, document["config"], "config", source),
        model=from_serde(MODEL, document["model"], "model", source),
    )
    check_run_config(run_config.config, run_config.model, source)
    return run_config


def load_run_config(path: str | os.PathLike[str]) -> RunConfig:
    """Read, parse and check the run configuration at ``path``. Raises :class:`RunConfigError`."""
    source = os.fspath(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise RunConfigError(source, None, f"cannot be read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise RunConfigError(source, None, f"is not UTF-8 text: {exc.reason} at byte {exc.start}") from exc
    return parse_run_config(text, source)
