"""One round's training figures under the reference's metric names (spec client-training.md §8).

``train/loss``, ``train/perplexity`` (e^loss), ``train/confidence`` (1 - loss / log2(outputs), outputs being the
vocabulary or the classes), ``train/lr``, ``train/total_tokens`` (the data index reached times the sample length),
``train/tokens_per_sec``, ``train/efficency`` (sic, as the reference spells it: training time over step time),
``coordinator/num_clients``, ``coordinator/epoch``, ``coordinator/round``; plus SmolCluster's ``grad_norm`` (the
global gradient L2 norm before the optimizer) and, when tracked, ``gradients/layer_<name>`` per parameter. They go
into the ``client_loss`` event, from which the experiment trackers (:mod:`client.participant.tracking`) log them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["RoundFigures", "round_metrics"]


@dataclass(frozen=True)
class RoundFigures:
    """What the client measured in one round (``loss`` None when it trained nothing)."""

    loss: float | None
    lr: float
    outputs: int
    total_tokens: int
    tokens_per_sec: float
    train_seconds: float
    step_seconds: float
    num_clients: int
    epoch: int
    round: int
    grad_norm: float | None = None
    layer_grad_norms: Mapping[str, float] = field(default_factory=dict)


def round_metrics(figures: RoundFigures) -> dict[str, float]:
    """The metrics of ``figures``, by name.

    >>> metrics = round_metrics(RoundFigures(math.log(2), 0.01, 16, 640, 100.0, 1.0, 2.0, 3, 0, 7, 0.5))
    >>> metrics["train/perplexity"], metrics["train/confidence"], metrics["train/efficency"], metrics["grad_norm"]
    (2.0, 0.8267132048600137, 0.5, 0.5)
    """
    metrics: dict[str, float] = {
        "train/lr": figures.lr,
        "train/total_tokens": float(figures.total_tokens),
        "train/tokens_per_sec": figures.tokens_per_sec,
        "coordinator/num_clients": float(figures.num_clients),
        "coordinator/epoch": float(figures.epoch),
        "coordinator/round": float(figures.round),
    }
    if figures.step_seconds > 0:
        metrics["train/efficency"] = min(1.0, figures.train_seconds / figures.step_seconds)
    if figures.loss is not None and math.isfinite(figures.loss):
        metrics["train/loss"] = figures.loss
        metrics["train/perplexity"] = math.exp(min(figures.loss, 80.0))
        metrics["train/confidence"] = 1.0 - figures.loss / math.log2(max(figures.outputs, 2))
    if figures.grad_norm is not None:
        metrics["grad_norm"] = figures.grad_norm
    for name, norm in figures.layer_grad_norms.items():
        metrics[f"gradients/layer_{name}"] = norm
    return metrics
