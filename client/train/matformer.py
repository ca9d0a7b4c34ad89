"""What a MatFormer tier is: the nested slice of every feed-forward block a client of that tier holds.

Tier ``t`` keeps the first ``intermediate_size >> t`` channels of each LLaMA MLP (MatFormer's nesting, Devvrit et
al. 2023): the first rows of ``gate_proj`` and ``up_proj`` (``[width, hidden]``) and the first columns of
``down_proj`` (``[hidden, width]``). Attention, norms and embeddings are shared whole by every tier. Tier 0 is the
full model. A tier must halve the width exactly ``t`` times (``intermediate_size`` divisible by ``2**t``), so the
slices of all tiers nest and a tier's width names its tier.

The functions here are the whole vocabulary the model, DisTrO, result checks, model sharing and the export
script share: which parameters have a FFN axis, narrowing a tensor to a width, padding one back to the full width.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
import torch.nn.functional as F

from client.train.errors import IncompatibleResultError, ModelConfigError

__all__ = [
    "MAX_MATFORMER_TIER",
    "MatformerTierError",
    "active_intermediate_size",
    "ffn_axis",
    "ffn_width",
    "max_matformer_tier",
    "narrow_ffn",
    "narrow_wider_ffn",
    "pad_ffn",
    "shape_at_width",
    "tier_of_shapes",
    "tier_of_width",
]

MAX_MATFORMER_TIER = 255
"""Tiers travel as a u8 (flags, logs, results); no model is wide enough to halve more often anyway."""

_ROW_SUFFIXES = ("gate_proj.weight", "up_proj.weight")  # [intermediate, hidden]: the FFN axis is 0
_COLUMN_SUFFIXES = ("down_proj.weight",)  # [hidden, intermediate]: the FFN axis is 1


class MatformerTierError(ModelConfigError):
    """A MatFormer tier the model cannot be cut to: negative, or not dividing ``intermediate_size``."""

    def __init__(self, tier: int, intermediate_size: int, message: str) -> None:
        super().__init__(message)
        self.tier = tier
        self.intermediate_size = intermediate_size


def max_matformer_tier(intermediate_size: int) -> int:
    """The deepest tier ``intermediate_size`` allows: how many times it halves exactly (its trailing zero bits).

    >>> max_matformer_tier(352), max_matformer_tier(1408), max_matformer_tier(7)
    (5, 7, 0)
    """
    if intermediate_size < 1:
        return 0
    return (intermediate_size & -intermediate_size).bit_length() - 1


def active_intermediate_size(intermediate_size: int, tier: int) -> int:
    """The FFN width of ``tier``: ``intermediate_size >> tier``, refused unless the shift is exact.

    >>> active_intermediate_size(352, 0), active_intermediate_size(352, 2)
    (352, 88)
    >>> active_intermediate_size(352, 6)
    Traceback (most recent call last):
    ...
    client.train.matformer.MatformerTierError: matformer tier 6 exceeds the deepest tier intermediate_size 352 allows (5): 352 is not divisible by 2**6 = 64
    """  # noqa: E501
    if not 0 <= tier <= MAX_MATFORMER_TIER:
        raise MatformerTierError(
            tier, intermediate_size, f"matformer tier {tier} is out of range 0..{MAX_MATFORMER_TIER}"
        )
    deepest = max_matformer_tier(intermediate_size)
    if tier > deepest:
        raise MatformerTierError(
            tier,
            intermediate_size,
            f"matformer tier {tier} exceeds the deepest tier intermediate_size {intermediate_size} allows "
            f"({deepest}): {intermediate_size} is not divisible by 2**{tier} = {1 << tier}",
        )
    return intermediate_size >> tier


def tier_of_width(intermediate_size: int, width: int) -> int | None:
    """The tier whose FFN width is ``width``, or None when no allowed tier has it.

    >>> tier_of_width(352, 88), tier_of_width(352, 100), tier_of_width(352, 704)
    (2, None, None)
    """
    for tier in range(max_matformer_tier(intermediate_size) + 1):
        if intermediate_size >> tier == width:
            return tier
    return None


def ffn_axis(name: str) -> int | None:
    """The axis of parameter ``name`` that runs over FFN channels (0 for gate/up, 1 for down); None for the
    parameters every tier holds whole.

    >>> ffn_axis("model.layers.3.mlp.down_proj.weight"), ffn_axis("model.layers.3.self_attn.o_proj.weight")
    (1, None)
    """
    if name.endswith(_ROW_SUFFIXES):
        return 0
    if name.endswith(_COLUMN_SUFFIXES):
        return 1
    return None


def ffn_width(name: str, shape: torch.Size | tuple[int, ...]) -> int | None:
    """The FFN width a tensor of parameter ``name`` with ``shape`` holds; None for a shared parameter (or a shape
    too short to have the axis)."""
    axis = ffn_axis(name)
    return None if axis is None or len(shape) <= axis else int(shape[axis])


def shape_at_width(name: str, shape: torch.Size | tuple[int, ...], width: int) -> tuple[int, ...]:
    """``shape`` of parameter ``name`` at FFN width ``width`` (unchanged for shared parameters): at the full
    ``intermediate_size``, what tier 0 holds."""
    axis = ffn_axis(name)
    dims = list(shape)
    if axis is not None and len(dims) > axis:
        dims[axis] = width
    return tuple(dims)


def tier_of_shapes(
    names: Sequence[str], shapes: Sequence[tuple[int, ...]], allowed: Mapping[int, Sequence[tuple[int, ...]]]
) -> int:
    """The tier whose (encoded) shapes, one per parameter in ``names`` order, are ``shapes``; the FFN tensors of
    a result name its tier, every other tensor must be what all tiers share. IncompatibleResultError otherwise
    (wrong count, a wrong shared shape, FFN tensors of different tiers mixed in one result).
    """
    for tier, expected in allowed.items():
        if tuple(shapes) == tuple(expected):
            return tier
    reference = next(iter(allowed.values()))
    if len(shapes) != len(reference):
        raise IncompatibleResultError(f"{len(shapes)} tensors, the model has {len(reference)} parameters")
    tiers_seen: set[int] = set()
    for index, (name, shape) in enumerate(zip(names, shapes, strict=True)):
        fits = {tier for tier, expected in allowed.items() if tuple(shape) == tuple(expected[index])}
        if not fits and ffn_axis(name) is None:
            raise IncompatibleResultError(f"{name}: encoded as {tuple(shape)}, expected {reference[index]}")
        if not fits:
            raise IncompatibleResultError(f"{name}: encoded as {tuple(shape)}, no MatFormer tier of this model")
        if ffn_axis(name) is not None:
            tiers_seen.add(min(fits))
    raise IncompatibleResultError(
        f"the FFN tensors of one result fit no single MatFormer tier (they mix tiers {sorted(tiers_seen)})"
    )


def narrow_ffn(name: str, tensor: torch.Tensor, width: int | None) -> torch.Tensor:
    """The first ``width`` FFN channels of ``tensor`` (a view); shared parameters (or ``width`` None) unchanged.
    ValueError when the tensor holds fewer than ``width`` channels: a narrower slice cannot stand in for a wider
    one."""
    axis = ffn_axis(name)
    if width is None or axis is None or tensor.dim() <= axis or tensor.shape[axis] == width:
        return tensor
    if tensor.shape[axis] < width:
        raise ValueError(f"{name} holds {tensor.shape[axis]} FFN channels, fewer than the {width} needed")
    return tensor.narrow(axis, 0, width)


def narrow_wider_ffn(name: str, tensor: torch.Tensor, shape: torch.Size | tuple[int, ...]) -> torch.Tensor:
    """``tensor`` narrowed to the FFN width of ``shape`` when it holds more channels (a wider tier's weights
    loading into a narrower model), else unchanged, so a caller's own shape check still reports a misfit."""
    width = ffn_width(name, shape)
    held = ffn_width(name, tensor.shape)
    if width is None or held is None or held <= width:
        return tensor
    return narrow_ffn(name, tensor, width)


def pad_ffn(name: str, tensor: torch.Tensor, width: int) -> torch.Tensor:
    """``tensor`` zero-padded along its FFN axis to ``width`` channels (narrowed if it holds more); the layout
    of a slice placed in the full matrix, for combining results of different tiers."""
    axis = ffn_axis(name)
    if axis is None or tensor.dim() <= axis or tensor.shape[axis] == width:
        return tensor
    if tensor.shape[axis] > width:
        return tensor.narrow(axis, 0, width)
    missing = width - tensor.shape[axis]
    # F.pad lists (left, right) pairs from the last axis backwards.
    return F.pad(tensor, (0, 0) * (tensor.dim() - 1 - axis) + (0, missing))
