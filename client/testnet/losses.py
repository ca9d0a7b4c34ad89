"""The clients' losses, read back from their JSON-lines logs, and the loss curve the testnet draws at the end.

Each client writes ``client_loss`` events (``step``, ``loss``) to its ``--write-log`` file; the launcher reads
those files rather than the processes' output, so a killed and restarted client's curve simply continues. When
the clients train at different MatFormer tiers, the plot has one curve per tier instead (:func:`tier_curves`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from client.testnet.client_logs import EventTail, read_events
from client.testnet.evals import EvalPoint, draw_eval_curves

__all__ = [
    "LatestLoss",
    "LossPoint",
    "read_losses",
    "final_loss",
    "loss_unit",
    "epoch_starts",
    "tier_curves",
    "draw_loss_curves",
    "write_loss_plot",
]

LOSS_EVENT = "client_loss"
DATASET_MANIFEST = "dataset.json"  # what psyche-prepare-data writes next to the token files
# One style per curve: the clients' losses nearly coincide (bit-identical weights), so colour alone hides them.
_STYLES = [("-", "o"), ("--", "s"), (":", "^"), ("-.", "D"), ((0, (5, 1, 1, 1)), "v"), ((0, (1, 1)), "P")]


@dataclass(frozen=True)
class LossPoint:
    step: int
    loss: float
    epoch: int = 0


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
    points = (LossPoint(int(event["step"]), float(event["loss"]), int(event.get("epoch", 0))) for event in events)
    return [point for point in points if math.isfinite(point.loss)]


def loss_unit(data_dir: Path | None) -> str:
    """``nats/byte`` when the run's token files are byte-level (psyche-prepare-data's default), ``nats/image`` for
    a classifier's image directory, else ``nats/token``: the loss is the cross-entropy per token (image), in nats."""
    if data_dir is None:
        return "nats/token"
    try:
        manifest = json.loads((data_dir / DATASET_MANIFEST).read_text())
    except (OSError, ValueError):
        return "nats/token"
    if isinstance(manifest, dict) and manifest.get("kind") == "images":  # a classifier's loss is per image
        return "nats/image"
    return "nats/byte" if isinstance(manifest, dict) and manifest.get("tokenizer") == "bytes" else "nats/token"


def epoch_starts(curves: Mapping[str, Sequence[LossPoint]]) -> dict[int, int]:
    """The first step any client reported a loss for, per epoch after the first (where the plot marks a new one).

    >>> epoch_starts({"a": [LossPoint(1, 5.0, 0), LossPoint(9, 4.0, 1)], "b": [LossPoint(8, 4.1, 1)]})
    {1: 8}
    """
    starts: dict[int, int] = {}
    for point in (point for curve in curves.values() for point in curve):
        starts[point.epoch] = min(point.step, starts.get(point.epoch, point.step))
    first = min(starts, default=0)
    return {epoch: step for epoch, step in sorted(starts.items()) if epoch != first}


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


def tier_curves(curves: Mapping[str, Sequence[LossPoint]], tiers: Mapping[str, int]) -> dict[str, list[LossPoint]]:
    """Per MatFormer tier, the mean loss of its clients at each step one of them reported, named for the legend.

    >>> a, b, c = [LossPoint(1, 4.0)], [LossPoint(1, 5.0)], [LossPoint(1, 6.0), LossPoint(2, 5.0, 1)]
    >>> for name, curve in tier_curves({"client-1": a, "client-2": b, "client-3": c}, {"client-1": 1, "client-2": 0,
    ...                                "client-3": 1}).items():
    ...     print(name, [(p.step, p.loss, p.epoch) for p in curve])
    tier 0 (client-2) [(1, 5.0, 0)]
    tier 1 (client-1, client-3) [(1, 5.0, 0), (2, 5.0, 1)]
    """
    by_tier: dict[int, list[str]] = {}
    for name in curves:
        by_tier.setdefault(tiers.get(name, 0), []).append(name)
    merged: dict[str, list[LossPoint]] = {}
    for tier, names in sorted(by_tier.items()):
        at_step: dict[int, list[LossPoint]] = {}
        for point in (point for name in names for point in curves[name]):
            at_step.setdefault(point.step, []).append(point)
        merged[f"tier {tier} ({', '.join(names)})"] = [
            LossPoint(step, sum(p.loss for p in points) / len(points), max(p.epoch for p in points))
            for step, points in sorted(at_step.items())
        ]
    return merged


def write_loss_plot(
    curves: Mapping[str, Sequence[LossPoint]],
    path: Path,
    unit: str = "nats/token",
    evals: Mapping[str, Sequence[EvalPoint]] | None = None,
    tiers: Mapping[str, int] | None = None,
) -> Path:
    """A PNG of the loss curves (:func:`draw_loss_curves`, per MatFormer tier when ``tiers`` differ), drawn with
    matplotlib's Agg backend (no display needed), and beside them the held-out evaluations
    (:func:`~client.testnet.evals.draw_eval_curves`) when there are any.

    matplotlib is imported here, once, at the end of a session: it is slow to import and nothing else needs it.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    evaluated = evals is not None and any(evals.values())
    figure, all_axes = plt.subplots(1, 2 if evaluated else 1, figsize=(14 if evaluated else 8, 5), squeeze=False)
    try:
        draw_loss_curves(all_axes[0][0], curves, unit, tiers)
        if evals is not None and evaluated:
            draw_eval_curves(all_axes[0][1], evals)
            figure.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path)
    finally:
        plt.close(figure)
    return path


def draw_loss_curves(
    axes: Any, curves: Mapping[str, Sequence[LossPoint]], unit: str, tiers: Mapping[str, int] | None = None
) -> None:
    """Loss against step on matplotlib ``axes``: one curve per client, each in its own line style and marker and
    half transparent (the clients' losses nearly coincide), a dotted line where each new epoch begins, and the
    loss's unit on the y-axis. Clients at different MatFormer tiers (``tiers``, by client name) are drawn as one
    curve per tier, the mean of its clients: the tiers' losses differ, a tier's clients' nearly coincide."""
    from matplotlib.ticker import MaxNLocator

    per_tier = tiers is not None and len({tiers.get(name, 0) for name in curves}) > 1
    if per_tier:
        assert tiers is not None
        curves = tier_curves(curves, tiers)
    drawn = [(name, curve) for name, curve in curves.items() if curve]
    for number, (name, curve) in enumerate(drawn):
        line, marker = _STYLES[number % len(_STYLES)]
        axes.plot(
            [p.step for p in curve],
            [p.loss for p in curve],
            linestyle=line,
            marker=marker,
            markersize=4,
            markevery=max(1, len(curve) // 25),
            alpha=0.7,
            label=name,
        )
    for epoch, step in epoch_starts(curves).items():
        axes.axvline(step - 0.5, color="grey", linestyle=":", linewidth=1)
        axes.annotate(
            f"epoch {epoch}",
            (step - 0.5, 1),
            xycoords=("data", "axes fraction"),
            xytext=(3, -12),
            textcoords="offset points",
            color="grey",
            fontsize=8,
        )
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("step")
    axes.set_ylabel(f"loss ({unit})")
    axes.set_title("testnet training loss per MatFormer tier" if per_tier else "testnet training loss")
    if drawn:
        axes.legend()
