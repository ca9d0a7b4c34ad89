"""Is a peer's result one an honest trainer of this run could have sent? Checked before it is witnessed or applied.

A result blob that passes its commitment hash is still only what its trainer chose to sign. Before this client puts
it in its witness bloom (and so before any client can apply it), it must match the run exactly:

* the tensor count, each tensor's encoded shape and coefficients per chunk, as the model has them at one MatFormer
  tier the run allows (the FFN shapes name the tier; every other tensor is shared by all tiers; a result mixing
  the FFN shapes of two tiers fits none);
* ``k`` values per chunk, ``k = clamp(compression_topk, 1, totalk)``, as :func:`client.train.compression.compress`
  keeps them; every index in range and no index twice within a chunk;
* sign bits when the run quantizes (``quantize_1bit``), bf16 values when it does not (what honest trainers send);
* values finite and, with ``clip_grad_norm``, no larger than :func:`magnitude_bound` (bf16 values only: a 1-bit
  result carries signs, whose magnitude is always 1).

The magnitude bound. Each step a trainer's residual becomes ``delta = beta * (delta - sent) + lr * grad``, where
``sent`` (the previous step's top-k, removed in DCT space) never increases the norm and the clipped gradient has
norm at most ``clip_grad_norm``. So ``|delta| <= lr_max * clip * (1 + beta + ... + beta^(T-1))`` after ``T`` steps,
``T`` at most the run's ``total_steps``, and since the DCT of a chunk is orthonormal no transmitted coefficient can
exceed that norm. :data:`ROUNDING_SLACK` covers the bf16 rounding of transmitted values. Without
``clip_grad_norm`` the gradient, hence the residual, has no bound, and only finiteness is checked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, fields

import torch

from client.participant.result_blob import TensorLayout, decode_result, framed_header
from client.train.compression import ValueKind, index_width
from client.train.distro import Distro
from client.train.errors import IncompatibleResultError
from client.train.matformer import tier_of_shapes
from client.train.optim_config import DistroConfig
from client.train.schedule import LearningRateSchedule

__all__ = ["ExpectedTensor", "InvalidResult", "ResultRules", "magnitude_bound", "max_learning_rate"]

ROUNDING_SLACK = 1.01  # bf16 keeps 8 significant bits: a rounded value is within 2**-8 of the true one
LARGEST_NONCE = 2**64 - 1  # the header's trainer nonce is the longest when it has 20 digits


class InvalidResult(IncompatibleResultError):
    """A peer's result that does not match the run (the message says which rule it broke)."""


@dataclass(frozen=True)
class ExpectedTensor:
    """One parameter's result, as an honest trainer of this run sends it."""

    name: str
    xshape: tuple[int, ...]
    topk: int

    @property
    def totalk(self) -> int:
        """Coefficients per chunk: a matrix block's two edges merged, or a vector chunk's length."""
        return self.xshape[-1] * self.xshape[-2] if len(self.xshape) > 2 else self.xshape[-1]

    @property
    def k(self) -> int:
        """Values per chunk: ``compression_topk`` clamped to [1, totalk], as compress() keeps them."""
        return min(max(self.topk, 1), self.totalk)

    def layout(self, quantize_1bit: bool) -> TensorLayout:
        """The header entry of an honest result for this tensor."""
        grid = self.xshape[:-2] if len(self.xshape) > 2 else self.xshape[:-1]
        values = math.prod(grid) * self.k
        kind = ValueKind.OneBit if quantize_1bit else ValueKind.BFloat16
        value_len = (values + 7) // 8 if quantize_1bit else values * 2
        index_len = values * index_width(self.totalk)
        return TensorLayout(kind, (*grid, self.k), self.xshape, self.totalk, index_len, value_len)


def max_learning_rate(schedule: LearningRateSchedule) -> float:
    """The largest rate a schedule reaches: every schedule moves between its ``*_lr`` values (a cosine included).

    >>> from client.train.schedule import ConstantLR
    >>> max_learning_rate(ConstantLR(base_lr=4e-4, warmup_init_lr=0.0, warmup_steps=10))
    0.0004
    """
    return max(abs(float(getattr(schedule, f.name))) for f in fields(schedule) if f.name.endswith("lr"))


def magnitude_bound(config: DistroConfig, schedule: LearningRateSchedule, total_steps: int) -> float | None:
    """The largest absolute value an honest unquantized result can carry; None without ``clip_grad_norm``.

    >>> from client.train.schedule import ConstantLR
    >>> config = DistroConfig(0.5, 8, 64, False, clip_grad_norm=1.0)
    >>> round(magnitude_bound(config, ConstantLR(0.01, 0.0, 0), total_steps=100), 6)  # 0.01 * 1 * 2 * 1.01
    0.0202
    >>> magnitude_bound(DistroConfig(0.5, 8, 64, False), ConstantLR(0.01, 0.0, 0), 100) is None
    True
    """
    if config.clip_grad_norm is None:
        return None
    beta, steps = abs(config.compression_decay), max(total_steps, 1)
    try:
        growth = float(steps) if beta == 1.0 else (1.0 - beta**steps) / (1.0 - beta)
    except OverflowError:
        growth = math.inf
    return max_learning_rate(schedule) * abs(config.clip_grad_norm) * growth * ROUNDING_SLACK


@dataclass(frozen=True)
class ResultRules:
    """Everything a result of this run must satisfy; ``max_abs_value`` None means only finiteness is checked.

    ``tensors`` are this client's own (its MatFormer tier's); ``tier_tensors`` those of every tier the run's model
    allows, each of which a peer may send (empty: only ``tensors``).
    """

    tensors: tuple[ExpectedTensor, ...]
    quantize_1bit: bool
    max_abs_value: float | None
    tier_tensors: dict[int, tuple[ExpectedTensor, ...]] = field(default_factory=dict)

    @property
    def allowed(self) -> dict[int, tuple[ExpectedTensor, ...]]:
        """The tensors of a valid result, by MatFormer tier."""
        return self.tier_tensors or {0: self.tensors}

    @classmethod
    def for_trainer(cls, distro: Distro, schedule: LearningRateSchedule, total_steps: int) -> ResultRules:
        """The rules for results applied to ``distro``'s model, under the run's schedule and ``total_steps``."""
        config = distro.config

        def expected(shapes: tuple[tuple[int, ...], ...]) -> tuple[ExpectedTensor, ...]:
            return tuple(
                ExpectedTensor(name, xshape, config.compression_topk)
                for name, xshape in zip(distro.names, shapes, strict=True)
            )

        tiers = {tier: expected(shapes) for tier, shapes in distro.tier_encoded_shapes.items()}
        bound = magnitude_bound(config, schedule, total_steps)
        return cls(expected(distro.encoded_shapes), config.quantize_1bit, bound, tiers)

    @property
    def max_blob_bytes(self) -> int:
        """The size of the largest honest blob (of the widest tier): the header with the longest nonce, then every
        tensor's bytes."""
        return max(self._blob_bytes(tensors) for tensors in self.allowed.values())

    def _blob_bytes(self, tensors: tuple[ExpectedTensor, ...]) -> int:
        layouts = [t.layout(self.quantize_1bit) for t in tensors]
        return len(framed_header(layouts, LARGEST_NONCE)) + sum(t.index_len + t.value_len for t in layouts)

    def check(self, blob: bytes) -> int:
        """Raise :class:`InvalidResult` naming the first rule ``blob`` breaks; the MatFormer tier of a valid one."""
        try:
            result = decode_result(blob)
            names = [t.name for t in self.tensors]
            allowed = {tier: [t.xshape for t in tensors] for tier, tensors in self.allowed.items()}
            tier = tier_of_shapes(names, [tensor.xshape for tensor in result.tensors], allowed)
        except IncompatibleResultError as exc:
            raise InvalidResult(str(exc)) from exc
        for expected, tensor in zip(self.allowed[tier], result.tensors, strict=True):
            self._check_tensor(expected, tensor.xshape, tensor.totalk, tensor.sparse_val, tensor.indices())
        # Last, so a result that breaks a rule above is named for it (a download never reads past this size).
        largest = self._blob_bytes(self.allowed[tier])
        if len(blob) > largest:
            raise InvalidResult(f"{len(blob):,} bytes, more than the {largest:,} of an honest result")
        return tier

    def _check_tensor(
        self, expected: ExpectedTensor, xshape: Sequence[int], totalk: int, values: torch.Tensor, indices: torch.Tensor
    ) -> None:
        name = expected.name
        if tuple(xshape) != expected.xshape or totalk != expected.totalk:
            raise InvalidResult(f"{name}: encoded as {tuple(xshape)}, expected {expected.xshape}")
        if values.shape[-1] != expected.k:
            raise InvalidResult(f"{name}: {values.shape[-1]} values per chunk, compression_topk gives {expected.k}")
        if self.quantize_1bit and values.dtype != torch.bool:
            raise InvalidResult(f"{name}: {values.dtype} values, the run sends 1-bit signs (quantize_1bit)")
        if not self.quantize_1bit and values.dtype != torch.bfloat16:
            raise InvalidResult(f"{name}: {values.dtype} values, the run sends bf16 values")
        ordered = indices.sort(dim=-1).values
        if bool((ordered[..., 1:] == ordered[..., :-1]).any()):
            raise InvalidResult(f"{name}: an index appears twice within one chunk")
        if self.max_abs_value is not None and not self.quantize_1bit and values.numel():  # signs carry no magnitude
            largest = float(values.float().abs().max())
            if largest > self.max_abs_value:
                raise InvalidResult(
                    f"{name}: a value of magnitude {largest:.3g} exceeds the bound {self.max_abs_value:.3g} "
                    "an honest result can reach (lr x clip_grad_norm x residual growth)"
                )
