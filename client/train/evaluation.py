"""Held-out evaluation: loss and accuracy for a classifier, loss and perplexity for a language model.

A client runs it in idle time (after its own training, while the round's results are exchanged) every
``--eval-steps`` steps; it only reads the weights, under ``no_grad``, so the replica it runs on is unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from client.train.classifiers import ImageClassifier, classification_loss, split_labels
from client.train.trainer import Trainer

__all__ = ["EVAL_CHUNK", "EvalResult", "evaluate_heldout"]

EVAL_CHUNK = 512
"""Classifier samples per forward pass (bounds the memory of one evaluation)."""


@dataclass(frozen=True)
class EvalResult:
    """Mean held-out loss over ``samples``; ``accuracy`` (0..1) for classifiers, ``perplexity`` for language models."""

    loss: float
    samples: int
    accuracy: float | None = None
    perplexity: float | None = None

    def metrics(self) -> dict[str, float]:
        """``eval/<name>`` metrics for the trackers and the log."""
        values = {"loss": self.loss, "accuracy": self.accuracy, "perplexity": self.perplexity}
        return {f"eval/{name}": value for name, value in values.items() if value is not None}


@torch.no_grad()
def evaluate_heldout(trainer: Trainer, heldout: torch.Tensor) -> EvalResult:
    """Evaluate ``trainer``'s model on ``heldout`` (sample rows, as training batches are)."""
    model = trainer.model
    if not isinstance(model, ImageClassifier):
        loss = trainer.evaluate(heldout)
        return EvalResult(loss, len(heldout), perplexity=math.exp(min(loss, 80.0)))
    loss_sum, correct = 0.0, 0
    for chunk in torch.split(heldout.to(trainer.device), EVAL_CHUNK):
        logits = model(chunk)
        loss_sum += float(classification_loss(logits, chunk)) * len(chunk)
        correct += int((logits.argmax(dim=1) == split_labels(chunk)).sum())
    return EvalResult(loss_sum / len(heldout), len(heldout), accuracy=correct / len(heldout))
