"""The optimizer a run asks for (the coordinator's ``OptimizerDefinition``) as plain values for the trainer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, assert_never

from client.train.errors import TrainConfigError
from coordinator_program.core.types import OptimizerDefinition, OptimizerDefinitionTag

__all__ = ["DistroConfig", "AdamWConfig", "OptimizerConfig", "optimizer_from_definition"]


@dataclass(frozen=True)
class DistroConfig:
    """``OptimizerDefinition::Distro`` (spec client-training.md §3.1).

    ``compression_decay`` is the momentum decay beta of the residual, ``compression_chunk`` the target DCT chunk
    edge, ``compression_topk`` the coefficients kept per chunk; with ``quantize_1bit`` only their signs travel.
    """

    compression_decay: float
    compression_topk: int
    compression_chunk: int
    quantize_1bit: bool
    clip_grad_norm: float | None = None
    weight_decay: float = 0.0


@dataclass(frozen=True)
class AdamWConfig:
    """``OptimizerDefinition::AdamW``: plain local ``torch.optim.AdamW`` (nothing is shared between clients)."""

    betas: tuple[float, float] = (0.9, 0.999)
    weight_decay: float = 0.0
    eps: float = 1e-8
    clip_grad_norm: float | None = None


OptimizerConfig = DistroConfig | AdamWConfig


def optimizer_from_definition(definition: OptimizerDefinition) -> OptimizerConfig:
    """Read a run's ``model.optimizer``; the Dummy optimizer trains nothing, so it is refused here."""
    kind = definition.kind
    if kind is OptimizerDefinitionTag.Dummy:
        raise TrainConfigError("the Dummy optimizer cannot train a model; choose Distro or AdamW")
    if kind is OptimizerDefinitionTag.AdamW:
        adamw: Any = definition.variant()
        return AdamWConfig(
            betas=(float(adamw.betas[0]), float(adamw.betas[1])),
            weight_decay=float(adamw.weight_decay),
            eps=float(adamw.eps),
            clip_grad_norm=adamw.clip_grad_norm.get(),
        )
    if kind is OptimizerDefinitionTag.Distro:
        distro: Any = definition.variant()
        weight_decay = distro.weight_decay.get()
        return DistroConfig(
            compression_decay=float(distro.compression_decay),
            compression_topk=int(distro.compression_topk),
            compression_chunk=int(distro.compression_chunk),
            quantize_1bit=bool(distro.quantize_1bit),
            clip_grad_norm=distro.clip_grad_norm.get(),
            weight_decay=0.0 if weight_decay is None else float(weight_decay),
        )
    assert_never(kind)
