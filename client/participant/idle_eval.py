"""Held-out evaluation in the client's idle time (``train --eval-steps N``).

Every N-th step, and at the run's last trained step, once the client's own training of the round is done (entering
the Witness phase), it evaluates the held-out samples in a worker thread and logs an ``eval`` event (``eval/loss``
and ``eval/accuracy`` or ``eval/perplexity``, under ``metrics`` for the trackers). The next RoundTrain waits for it
before applying results, so it never reads weights that are being changed; evaluation only reads them, so the
replicas stay identical.
"""

from __future__ import annotations

import asyncio

from client.participant.logs import emit
from client.participant.model_setup import TrainingSetup
from client.train.evaluation import evaluate_heldout

__all__ = ["IdleEvaluation"]


class IdleEvaluation:
    """At most one evaluation in flight, started when due and awaited before the weights change."""

    def __init__(self, every: int | None) -> None:
        self.every = every
        self._task: asyncio.Task[None] | None = None

    def due(self, step: int, last_step: int) -> bool:
        """Whether ``step`` is evaluated: a multiple of ``every``, or the run's last trained step."""
        return self.every is not None and (step % self.every == 0 or step == last_step)

    def start(self, setup: TrainingSetup | None, step: int, epoch: int, last_step: int) -> None:
        """Evaluate ``setup``'s model at ``step`` in the background if due and the data has a held-out part."""
        if setup is None or setup.heldout is None or not self.due(step, last_step):
            return
        heldout = setup.heldout

        async def evaluate() -> None:
            result = await asyncio.to_thread(evaluate_heldout, setup.trainer, heldout)
            accuracy, perplexity = result.accuracy, result.perplexity
            score = f"accuracy {accuracy:.2%}" if accuracy is not None else f"perplexity {perplexity:.3f}"
            emit(
                "eval",
                f"step {step} held-out loss {result.loss:.4f} {score} ({result.samples} samples)",
                step=step,
                epoch=epoch,
                loss=result.loss,
                accuracy=result.accuracy,
                perplexity=result.perplexity,
                samples=result.samples,
                metrics=result.metrics(),
            )

        self._task = asyncio.create_task(evaluate())

    async def finish(self) -> None:
        """Wait for the evaluation in flight, if any (it raises here if it failed)."""
        task, self._task = self._task, None
        if task is not None:
            await task

    async def cancel(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
