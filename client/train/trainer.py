"""One client's training step and apply step (spec client-training.md §2.2-§2.4, §3.4, §3.6).

``train`` runs the forward and backward passes of one batch in micro-batches and, with DisTrO, returns the
compressed result to publish; ``optimize`` applies a round's accepted results (DisTrO) or takes the local AdamW
step. The client's round pipeline (which results, which step, when) lives above this, in the client.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import torch

from client.train.aggregation import Aggregator, RoundOrigin
from client.train.distro import Distro, DistroResult
from client.train.model import LlamaForCausalLM
from client.train.model_families import Network, loss_function
from client.train.optim_config import AdamWConfig, DistroConfig, OptimizerConfig
from client.train.schedule import LearningRateSchedule, learning_rate, previous_learning_rate

__all__ = ["CancelToken", "TrainOutput", "Trainer"]


class CancelToken(Protocol):
    """Anything with ``is_set()`` (a ``threading.Event``): checked between micro-batches."""

    def is_set(self) -> bool: ...


@dataclass(frozen=True)
class TrainOutput:
    """What one ``train`` call produced.

    ``result`` is DisTrO's *unquantized* result (keep it as next step's ``prev_self``; publish
    ``result.for_transmission(...)``); None with AdamW or when cancelled. ``loss`` is the batch's mean loss.
    """

    step: int
    loss: float
    nonce: int
    cancelled: bool
    result: DistroResult | None


class Trainer:
    """A model plus its optimizer (DisTrO or AdamW) and learning-rate schedule."""

    def __init__(
        self,
        model: Network,
        optimizer: OptimizerConfig,
        schedule: LearningRateSchedule,
        micro_batch_size: int = 1,
        autocast: bool | None = None,
        lookahead: bool = True,
        aggregator: Aggregator | None = None,
    ) -> None:
        """``autocast`` (bf16 autocast of the forward pass) defaults to on for CUDA and off for the CPU.

        ``lookahead`` (DisTrO only) is the error-correction step before the forward pass. A run's pipeline applies
        results two steps late and needs it; a loop that applies every step's results before the next step trains
        has nothing pending to look ahead to, and turns it off (the benchmarks' "no delay" baseline).
        ``aggregator`` is DisTrO's rule for a round's results (default: the reference's scatter-mean).
        """
        if micro_batch_size < 1:
            raise ValueError(f"micro_batch_size must be at least 1, got {micro_batch_size}")
        self.model = model
        self._loss = loss_function(model)
        self.optimizer_config = optimizer
        self.schedule = schedule
        self.micro_batch_size = micro_batch_size
        self.device = next(model.parameters()).device
        self.autocast = self.device.type == "cuda" if autocast is None else autocast
        self.lookahead = lookahead
        self.nonce = 0
        self.track_gradients = False
        self.last_grad_norm: float | None = None
        self.last_layer_norms: dict[str, float] = {}
        self.distro: Distro | None = None
        self.adamw: torch.optim.AdamW | None = None
        if isinstance(optimizer, DistroConfig):
            full_width = model.config.intermediate_size if isinstance(model, LlamaForCausalLM) else None
            self.distro = Distro(model.named_parameters(), optimizer, aggregator, full_width)
        else:
            betas, eps, weight_decay = optimizer.betas, optimizer.eps, optimizer.weight_decay
            self.adamw = torch.optim.AdamW(model.parameters(), lr=0.0, betas=betas, eps=eps, weight_decay=weight_decay)

    def _autocast(self) -> contextlib.AbstractContextManager[object]:
        return torch.autocast(device_type=self.device.type, dtype=torch.bfloat16, enabled=self.autocast)

    def _micro_batches(self, batch: torch.Tensor) -> Iterator[torch.Tensor]:
        yield from torch.split(batch.to(self.device, torch.long), self.micro_batch_size)

    def train(
        self,
        step: int,
        batch: torch.Tensor,
        warmup_lr_between: tuple[int, int] | None = None,
        zero_optim: bool = False,
        prev_self: Sequence[DistroResult] = (),
        cancel: CancelToken | None = None,
    ) -> TrainOutput:
        """Forward/backward over ``batch`` [n, T] (labels = inputs) and, with DisTrO, generate the step's result.

        ``prev_self`` is our own unquantized result of the previous step (empty at the first); ``zero_optim``
        clears DisTrO's residuals first (cold-start epochs do so at round height 0).
        """
        lr = learning_rate(self.schedule, step, warmup_lr_between)
        prev_lr = previous_learning_rate(self.schedule, step, warmup_lr_between)
        self.model.zero_grad(set_to_none=True)
        if self.distro is not None:
            if zero_optim:
                self.distro.zero_optim()
            self.distro.error_correction(prev_lr if self.lookahead else 0.0)
        micro_batches = list(self._micro_batches(batch))
        loss_scale = len(micro_batches)
        loss = 0.0
        cancelled = False
        for micro_batch in micro_batches:
            if cancel is not None and cancel.is_set():
                cancelled = True
                break
            with self._autocast():
                logits = self.model(micro_batch)
            micro_loss = self._loss(logits, micro_batch) / loss_scale
            torch.autograd.backward(micro_loss)
            loss += float(micro_loss.detach())
        result = None
        if cancelled:
            if self.distro is not None:
                self.distro.undo_lookahead()
        elif self.distro is not None:
            self._record_gradients()
            self._clip(self.optimizer_config.clip_grad_norm)
            result = self.distro.generate(prev_self, lr)
        output = TrainOutput(step=step, loss=loss, nonce=self.nonce, cancelled=cancelled, result=result)
        self.nonce += 1
        return output

    def optimize(
        self,
        step: int,
        results: Sequence[DistroResult] = (),
        warmup_lr_between: tuple[int, int] | None = None,
        origin: RoundOrigin | None = None,
    ) -> None:
        """Apply at ``step``: DisTrO's sign-SGD on the round's accepted ``results`` (``origin``: their round and
        senders, for a rule with memory across rounds), or AdamW's local step."""
        lr = learning_rate(self.schedule, step, warmup_lr_between)
        if self.distro is not None:
            self.distro.apply(results, lr, origin)
            return
        assert self.adamw is not None and isinstance(self.optimizer_config, AdamWConfig)
        self._record_gradients()
        self._clip(self.optimizer_config.clip_grad_norm)
        for group in self.adamw.param_groups:
            group["lr"] = lr
        self.adamw.step()
        self.adamw.zero_grad(set_to_none=True)

    @torch.no_grad()
    def _record_gradients(self) -> None:
        """Keep the global gradient L2 norm before clipping and the optimizer (SmolCluster's ``grad_norm``), and
        with ``track_gradients`` each parameter's, for the experiment trackers."""
        norms = {name: param.grad.norm() for name, param in self.model.named_parameters() if param.grad is not None}
        self.last_grad_norm = float(torch.stack(list(norms.values())).norm()) if norms else 0.0
        if self.track_gradients:
            self.last_layer_norms = {name: float(norm) for name, norm in norms.items()}

    def _clip(self, max_norm: float | None) -> None:
        """Global-norm clipping: scale by ``max / (norm + 1e-6)`` when the norm exceeds ``max``."""
        if max_norm is not None:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), max_norm)

    @torch.no_grad()
    def evaluate(self, batch: torch.Tensor) -> float:
        """Mean loss (next-token or classification) on ``batch`` without touching gradients or optimizer state."""
        losses = []
        for micro_batch in self._micro_batches(batch):
            with self._autocast():
                losses.append(float(self._loss(self.model(micro_batch), micro_batch)) * len(micro_batch))
        return sum(losses) / len(batch)
