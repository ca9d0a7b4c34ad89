"""The clients' losses, read back from their JSON-lines logs, and the loss curve the testnet draws at the end.

Each client writes ``client_loss`` events (``step``, ``loss``) to its ``--write-log`` file; the launcher reads
those files rather than the processes' output, so a killed and restarted client's curve simply continues.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from client.testnet.client_logs import EventTail, read_events

__all__ = ["LatestLoss", "LossPoint", "read_losses", "final_loss", "write_loss_plot"]

LOSS_EVENT = "client_loss"


@dataclass(frozen=True)
class LossPoint:
    step: int
    loss: float


def read_losses(log_file: Path) -> list[LossPoint]:
    """Every ``client_loss`` event in ``log_file`` with a loss, in order (none when the file is missing).

    A round in which the client trained no batch (an epoch's last rounds only apply results) logs the loss as
    NaN; it has no place on a loss curve.
    """
    return _loss_points(read_events(log_file, LOSS_EVENT))


class LatestLoss:
    """A client's most recent loss, following its log as it grows (for the live view)."""

    def __init__(self, log_file: Path) -> None:
        self._tail = EventTail(log_file, LOSS_EVENT)
        self.loss: float | None = None

    def update(self) -> float | None:
        for point in _loss_points(self._tail.new_events()):
            self.loss = point.loss
        return self.loss


def _loss_points(events: Iterable[Mapping[str, Any]]) -> list[LossPoint]:
    points = (LossPoint(int(event["step"]), float(event["loss"])) for event in events)
    return [point for point in points if math.isfinite(point.loss)]


def final_loss(curves: Mapping[str, Sequence[LossPoint]]) -> float | None:
    """The mean loss the clients reported for the last step any of them reported; None before any loss.

    >>> final_loss({"a": [LossPoint(1, 4.0), LossPoint(2, 3.0)], "b": [LossPoint(2, 2.0)], "c": []})
    2.5
    """
    points = [point for curve in curves.values() for point in curve]
    if not points:
        return None
    last = max(point.step for point in points)
    at_last = [point.loss for point in points if point.step == last]
    return sum(at_last) / len(at_last)


def write_loss_plot(curves: Mapping[str, Sequence[LossPoint]], path: Path) -> Path:
    """A PNG of loss against step, one line per client (matplotlib's Agg backend: no display needed).

    matplotlib is imported here, once, at the end of a session: it is slow to import and nothing else needs it.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    figure, axes = plt.subplots(figsize=(8, 5))
    try:
        for name, curve in curves.items():
            if curve:
                axes.plot([p.step for p in curve], [p.loss for p in curve], marker="o", label=name)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlabel("step")
        axes.set_ylabel("loss")
        axes.set_title("testnet training loss")
        if any(curves.values()):
            axes.legend()
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path)
    finally:
        plt.close(figure)
    return path
