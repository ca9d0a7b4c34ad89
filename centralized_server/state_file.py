"""A run's ``state.toml`` as the server's coordinator, and the ``<run_id>-step<n>.toml`` it saves after each epoch.

The file is the one ``psyche-solana-client update-config`` sends (``[config]`` and ``[model]``, checked by the
coordinator's own rules, :mod:`formats.run_config`), plus the keys of a whole serde ``Coordinator`` that only a
centralized run reads: ``run_id`` (default: the name of the file's folder, so ``config/test/state.toml`` is run
``test``) and ``[progress]`` (default: step 1 of epoch 0). A saved state file carries both, so a server started
from it resumes the run at the epoch it ended.

Whatever the file says about ``run_state`` and clients, the server starts in WaitingForMembers with nobody in the
run (spec client-training.md §7): the run is resumed the way the program's unpause resumes it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import tomli
import tomli_w

from centralized_server.errors import StateFileError
from coordinator_program import core
from coordinator_program.core.types import Coordinator, RunState
from coordinator_program.core.types.fixed import FixedStringError
from coordinator_program.state.borsh_args import COORDINATOR_CONFIG, COORDINATOR_PROGRESS, MODEL
from formats.run_config import RunConfigError, parse_run_config
from formats.run_config.serde import from_serde, to_serde

__all__ = ["load_state", "parse_state", "save_state", "state_file_name"]


def load_state(path: str | os.PathLike[str], now: int) -> Coordinator:
    """The coordinator the file at ``path`` describes, resumed at unix time ``now``; StateFileError says why not.

    A file without ``run_id`` names the run after its folder.
    """
    source = os.fspath(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise StateFileError(f"{source} cannot be read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise StateFileError(f"{source} is not UTF-8 text: {exc.reason} at byte {exc.start}") from exc
    return parse_state(text, source, Path(source).resolve().parent.name, now)


def parse_state(text: str, source: str, default_run_id: str, now: int) -> Coordinator:
    """The coordinator TOML ``text`` describes (``source`` names it in errors), resumed at unix time ``now``."""
    try:
        document = tomli.loads(text)
        run_config = parse_run_config(text, source)
    except tomli.TOMLDecodeError as exc:
        raise StateFileError(f"{source}: {exc}") from exc
    except RunConfigError as exc:
        raise StateFileError(str(exc)) from exc
    coordinator = Coordinator()
    run_id = document.get("run_id", default_run_id)
    if not isinstance(run_id, str) or not run_id:
        raise StateFileError(f"{source}: run_id must be a non-empty string, got {run_id!r}")
    try:
        coordinator.run_id.value = run_id
        if "progress" in document:
            coordinator.progress = from_serde(COORDINATOR_PROGRESS, document["progress"], "progress", source)
    except FixedStringError as exc:
        raise StateFileError(f"{source}: run_id {run_id!r} is longer than the coordinator's 32 bytes") from exc
    except RunConfigError as exc:
        raise StateFileError(str(exc)) from exc
    coordinator.config = run_config.config
    coordinator.model = run_config.model
    coordinator.progress.step = max(1, int(coordinator.progress.step))  # step 0 is not a valid step (progress_ok)
    coordinator.run_state = RunState.Paused
    core.resume(coordinator, now)
    return coordinator


def state_file_name(coordinator: Coordinator) -> str:
    """``<run_id>-step<n>.toml``, the reference's name for a saved state."""
    return f"{coordinator.run_id.value}-step{int(coordinator.progress.step)}.toml"


def _without_none(value: Any) -> Any:
    """TOML has no null: an Option that is None is a missing key, as the serde reader takes it."""
    if isinstance(value, dict):
        return {key: _without_none(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_none(item) for item in value]
    return value


def save_state(coordinator: Coordinator, directory: Path) -> Path:
    """Write the run's settings and progress where ``--state`` can start from them again; returns the path."""
    document: dict[str, Any] = {
        "run_id": coordinator.run_id.value,
        "run_state": RunState(coordinator.run_state).name,
        "progress": to_serde(COORDINATOR_PROGRESS, coordinator.progress),
        "config": to_serde(COORDINATOR_CONFIG, coordinator.config),
        "model": to_serde(MODEL, coordinator.model),
    }
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / state_file_name(coordinator)
    path.write_text(tomli_w.dumps(_without_none(document)), encoding="utf-8")
    return path
