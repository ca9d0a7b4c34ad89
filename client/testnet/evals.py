"""The clients' held-out evaluations (``eval`` events of ``train --eval-steps``), read back from their logs.

The summary reports the last evaluation (mean over the clients that evaluated that step: their weights are
identical, so their figures are too) and the plot draws accuracy (a classifier) or perplexity (a language model)
against the step.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from client.testnet.client_logs import read_events

__all__ = ["EvalPoint", "FinalEval", "draw_eval_curves", "final_eval", "read_evals"]

EVAL_EVENT = "eval"


@dataclass(frozen=True)
class EvalPoint:
    step: int
    loss: float
    accuracy: float | None = None
    perplexity: float | None = None

    @property
    def score(self) -> float | None:
        """What the plot draws: accuracy for a classifier, else perplexity."""
        return self.accuracy if self.accuracy is not None else self.perplexity


@dataclass(frozen=True)
class FinalEval:
    """The last evaluated step and its held-out figures."""

    step: int
    loss: float
    accuracy: float | None
    perplexity: float | None

    def text(self) -> str:
        """One line for the summary.

        >>> FinalEval(99, 0.1, 0.9632, None).text()
        'held-out accuracy 96.32%, loss 0.1000 at step 99'
        """
        score = f"accuracy {self.accuracy:.2%}" if self.accuracy is not None else f"perplexity {self.perplexity:.3f}"
        return f"held-out {score}, loss {self.loss:.4f} at step {self.step}"


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None


def read_evals(log_file: Path) -> list[EvalPoint]:
    """Every ``eval`` event in ``log_file``, in order (none when the file is missing)."""
    points = []
    for event in read_events(log_file, EVAL_EVENT):
        loss = _number(event.get("loss"))
        if loss is not None:
            points.append(
                EvalPoint(int(event["step"]), loss, _number(event.get("accuracy")), _number(event.get("perplexity")))
            )
    return points


def final_eval(curves: Mapping[str, Sequence[EvalPoint]]) -> FinalEval | None:
    """The mean of the clients' evaluations of the last step any of them evaluated; None before any.

    >>> final_eval({"a": [EvalPoint(10, 0.5, 0.9)], "b": [EvalPoint(10, 0.3, 0.92)], "c": []})
    FinalEval(step=10, loss=0.4, accuracy=0.91, perplexity=None)
    """
    points = [point for curve in curves.values() for point in curve]
    if not points:
        return None
    last = max(point.step for point in points)
    at_last = [point for point in points if point.step == last]

    def mean(values: list[float | None]) -> float | None:
        present = [value for value in values if value is not None]
        return round(sum(present) / len(present), 12) if present else None

    loss = mean([point.loss for point in at_last])
    assert loss is not None
    return FinalEval(last, loss, mean([p.accuracy for p in at_last]), mean([p.perplexity for p in at_last]))


def draw_eval_curves(axes: Any, curves: Mapping[str, Sequence[EvalPoint]]) -> None:
    """Held-out accuracy (or perplexity) against step on matplotlib ``axes``, one curve per client."""
    drawn = [(name, curve) for name, curve in curves.items() if curve]
    classifier = any(point.accuracy is not None for _, curve in drawn for point in curve)
    for name, curve in drawn:
        scored = [point for point in curve if point.score is not None]
        axes.plot([p.step for p in scored], [p.score for p in scored], marker="o", markersize=3, alpha=0.7, label=name)
    axes.set_xlabel("step")
    axes.set_ylabel("held-out accuracy" if classifier else "held-out perplexity")
    axes.set_title("held-out evaluation (train --eval-steps)")
    if classifier:
        axes.yaxis.set_major_formatter(_percent())
    if drawn:
        axes.legend()


def _percent() -> Any:
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(xmax=1.0)
