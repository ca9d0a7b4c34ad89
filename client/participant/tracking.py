"""Experiment tracking: the client's metrics sent to Weights & Biases and to TensorBoard event files.

The trackers listen to the client's own log (:mod:`client.participant.logs`): every ``client_loss`` event carries
the round's metrics (:mod:`client.participant.round_metrics`) and every ``eval`` event the held-out ones
(``eval/loss``, ``eval/accuracy`` or ``eval/perplexity``), both with their ``step``, so the training loop knows
nothing of trackers. wandb and tensorboard are imported only when a tracker is asked for: they are slow to import,
and ``train --help`` must stay fast.

W&B mode: ``online`` needs ``WANDB_API_KEY``; without it the default is ``offline`` (the run is written under
``./wandb``, or ``$WANDB_DIR``, and uploaded later with ``wandb sync``; no network is touched); ``disabled`` logs
nothing.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Protocol

from client.errors import ClientError
from client.participant.logs import EVENT_LOGGER

__all__ = ["MetricsSink", "TrackingError", "TrackingHandler", "TrackingOptions", "WandbMode", "start_tracking"]

TRACKED_EVENTS = ("client_loss", "eval")


class WandbMode(Enum):
    Online = "online"
    Offline = "offline"
    Disabled = "disabled"


class TrackingError(ClientError):
    """A tracker that cannot start (online W&B without a key, an unwritable TensorBoard directory)."""


@dataclass(frozen=True)
class TrackingOptions:
    """The ``train`` flags of experiment tracking; W&B is on when a project is named and the mode is not disabled."""

    wandb_project: str | None = None
    wandb_run: str | None = None
    wandb_group: str | None = None
    wandb_entity: str | None = None
    wandb_mode: WandbMode | None = None  # None: online with WANDB_API_KEY, else offline
    tensorboard_dir: Path | None = None

    def resolved_wandb_mode(self) -> WandbMode:
        """The mode W&B runs in: as asked, else online when ``WANDB_API_KEY`` is set and offline otherwise."""
        if self.wandb_mode is not None:
            return self.wandb_mode
        return WandbMode.Online if os.environ.get("WANDB_API_KEY") else WandbMode.Offline


class MetricsSink(Protocol):
    def log(self, metrics: Mapping[str, float], step: int) -> None: ...

    def close(self) -> None: ...


class WandbSink:
    """One W&B run (one per client; a testnet puts its clients in one group)."""

    def __init__(self, options: TrackingOptions, mode: WandbMode, config: Mapping[str, Any]) -> None:
        import wandb

        self._run = wandb.init(
            project=options.wandb_project,
            name=options.wandb_run,
            group=options.wandb_group,
            entity=options.wandb_entity,
            mode=mode.value,
            config=dict(config),
            settings=wandb.Settings(console="off", silent=True, x_disable_stats=True),
        )

    def log(self, metrics: Mapping[str, float], step: int) -> None:
        self._run.log(dict(metrics), step=step)

    def close(self) -> None:
        import wandb

        self._run.finish()
        wandb.teardown()  # stops wandb's service process, which writes the offline run file out before it exits


class TensorBoardSink:
    """TensorBoard event files in one directory, a scalar per metric at its step."""

    def __init__(self, directory: Path) -> None:
        from torch.utils.tensorboard import SummaryWriter

        self._writer = SummaryWriter(log_dir=str(directory))

    def log(self, metrics: Mapping[str, float], step: int) -> None:
        for name, value in metrics.items():
            self._writer.add_scalar(name, value, global_step=step)
        self._writer.flush()

    def close(self) -> None:
        self._writer.close()


class TrackingHandler(logging.Handler):
    """Forwards the metrics of the client's ``client_loss`` and ``eval`` events to its sinks."""

    def __init__(self, sinks: list[MetricsSink]) -> None:
        super().__init__(logging.INFO)
        self.sinks = sinks

    def emit(self, record: logging.LogRecord) -> None:
        fields = getattr(record, "fields", {})
        metrics = fields.get("metrics")
        if getattr(record, "event", None) not in TRACKED_EVENTS or not isinstance(metrics, dict):
            return
        for sink in self.sinks:
            sink.log(metrics, int(fields["step"]))

    def close(self) -> None:
        for sink in self.sinks:
            sink.close()
        self.sinks = []
        super().close()


def start_tracking(options: TrackingOptions, config: Mapping[str, Any]) -> TrackingHandler | None:
    """Start the trackers ``options`` ask for and attach them to the client's log; None when none is asked for.

    ``config`` (the run id, the client's options) becomes the W&B run's config. TrackingError when online W&B has
    no ``WANDB_API_KEY``.
    """
    sinks: list[MetricsSink] = []
    mode = options.resolved_wandb_mode()
    if options.wandb_project is not None and mode is not WandbMode.Disabled:
        if mode is WandbMode.Online and not os.environ.get("WANDB_API_KEY"):
            raise TrackingError("--wandb-mode online needs WANDB_API_KEY; without it W&B logs offline to ./wandb")
        sinks.append(WandbSink(options, mode, config))
    if options.tensorboard_dir is not None:
        sinks.append(TensorBoardSink(options.tensorboard_dir))
    if not sinks:
        return None
    handler = TrackingHandler(sinks)
    logging.getLogger(EVENT_LOGGER).addHandler(handler)
    return handler
