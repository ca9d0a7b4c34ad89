"""DisTrO: DeMo-style decoupled momentum with DCT top-k compression (spec client-training.md §3.2-§3.6).

Each client keeps a residual ``delta`` per parameter (momentum of lr-scaled gradients). Every step it sends only
the ``k`` largest DCT coefficients of each chunk of ``delta`` (optionally just their signs), and keeps the rest.
Everyone aggregates all accepted results of a round by scatter-mean, decodes, and takes a sign-SGD step, so every
replica applies the same update. Parameters are always visited sorted by name; a result is a tuple aligned to that
order.

One step of a client, as the trainer drives it (lr = lr(step), prev_lr = lr(step - 1))::

    distro.error_correction(prev_lr)       # lookahead: p -= prev_lr * sign(delta), before the forward pass
    ... forward / backward / clip ...
    result = distro.generate(prev_self, lr)   # undo lookahead, update delta, compress it
    send(result.for_transmission(quantize_1bit));  keep `result` as next step's prev_self
    ... two rounds later, every client:  distro.apply(all accepted results of that round, lr)

Deviations from the reference, on purpose: parameters and ``delta`` are float32 (the reference keeps both in
bf16); the lookahead is undone by restoring a saved copy (one float32 copy of the parameters while a step runs),
so it is exactly reversible and adds no drift between replicas (spec §3.9 names the bf16 subtract/add as a source
of drift), and a cancelled step can undo it (:meth:`Distro.undo_lookahead`) instead of leaving it applied;
unquantized values travel as bf16, as the reference's bf16 parameters do.

MatFormer tiers: a client of tier ``t`` holds, trains and compresses only its FFN slice; it accepts results of
every tier its model's width allows (a result's FFN shapes name its tier). A round whose results are all of one
tier is combined exactly as above (then padded with zeros, or narrowed, to the slice this client holds); a round
mixing tiers is combined in parameter space by :mod:`client.train.tier_alignment`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import torch

from client.train.aggregation import Aggregator, Mean, RoundOrigin
from client.train.compression import CompressedTensor, PackedTensor, compress, decompress
from client.train.dct import ChunkedDCT
from client.train.matformer import (
    active_intermediate_size,
    ffn_width,
    max_matformer_tier,
    pad_ffn,
    shape_at_width,
    tier_of_shapes,
)
from client.train.optim_config import DistroConfig
from client.train.tier_alignment import combine_tiers

__all__ = ["DistroResult", "DistroUpdate", "Distro"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DistroResult:
    """One client's compressed update for one step: a :class:`CompressedTensor` per parameter, name-sorted."""

    tensors: tuple[CompressedTensor, ...]

    @property
    def num_bytes(self) -> int:
        """Payload bytes of every tensor (packed indices + values; no framing, no headers)."""
        return sum(t.num_bytes for t in self.tensors)

    def for_transmission(self, quantize_1bit: bool) -> DistroResult:
        """What goes on the wire: sign bits with ``quantize_1bit``, else values as bf16."""
        if quantize_1bit:
            return DistroResult(tuple(t.quantized() for t in self.tensors))
        return DistroResult(tuple(t.with_values_as(torch.bfloat16) for t in self.tensors))

    def pack(self) -> tuple[PackedTensor, ...]:
        """Raw bytes per tensor, in parameter order (the blob's payload and the commitment hash's input)."""
        return tuple(t.pack() for t in self.tensors)

    @classmethod
    def unpack(cls, packed: Sequence[PackedTensor], device: torch.device | str = "cpu") -> DistroResult:
        """Rebuild a peer's result from bytes, bounds-checked (:class:`IncompatibleResultError` if malformed)."""
        return cls(tuple(p.unpack(device) for p in packed))


@dataclass(frozen=True)
class DistroUpdate:
    """A round's update before the learning rate: ``sign(IDCT(aggregate))`` per parameter, in parameter order."""

    directions: tuple[torch.Tensor, ...]


class Distro:
    """The DisTrO optimizer state of one model: residuals, DCT bases, and the three operations of a step."""

    def __init__(
        self,
        named_parameters: Iterable[tuple[str, torch.nn.Parameter]],
        config: DistroConfig,
        aggregator: Aggregator | None = None,
        intermediate_size: int | None = None,
    ) -> None:
        """``aggregator`` combines a round's results (default: the reference's scatter-mean).

        ``intermediate_size`` is the full FFN width of a LLaMA model (its parameters may be a MatFormer tier's
        slice of it): results of every tier that width allows are accepted. None: a model without tiers, whose
        results must match its own shapes.
        """
        ordered = sorted(named_parameters, key=lambda item: item[0])
        self.config = config
        self.aggregator: Aggregator = aggregator or Mean()
        self.names: tuple[str, ...] = tuple(name for name, _ in ordered)
        self._params = [param for _, param in ordered]
        self._deltas = [torch.zeros_like(param, requires_grad=False) for param in self._params]
        self._dct = ChunkedDCT(config.compression_chunk)
        self._xshapes = [self._dct.encoded_shape(param.shape) for param in self._params]
        self._before_lookahead: list[torch.Tensor] | None = None
        self.ffn_width = next((w for n, p in ordered if (w := ffn_width(n, p.shape)) is not None), 0)
        """The FFN width this model holds (0 without FFN parameters)."""
        self.tier_widths = {0: self.ffn_width}
        if intermediate_size is not None:
            deepest = max_matformer_tier(intermediate_size)
            self.tier_widths = {t: active_intermediate_size(intermediate_size, t) for t in range(deepest + 1)}
        self.tier_encoded_shapes = {
            tier: tuple(
                self._dct.encoded_shape(shape_at_width(name, param.shape, width))
                for name, param in zip(self.names, self._params, strict=True)
            )
            for tier, width in self.tier_widths.items()
        }
        """Per MatFormer tier this model accepts results of, each parameter's encoded shape at that tier."""

    @property
    def deltas(self) -> tuple[torch.Tensor, ...]:
        """The residuals, in parameter order (read-only use: tests, statistics, checkpoints)."""
        return tuple(self._deltas)

    @property
    def encoded_shapes(self) -> tuple[tuple[int, ...], ...]:
        """Each parameter's DCT-encoded shape (a result's ``xshape``), in parameter order."""
        return tuple(self._xshapes)

    def zero_optim(self) -> None:
        """Forget the residuals (a cold-start epoch zeroes them at round height 0)."""
        for delta in self._deltas:
            delta.zero_()

    @torch.no_grad()
    def error_correction(self, prev_lr: float) -> None:
        """The lookahead before the forward pass: ``p -= prev_lr * sign(delta)``, undone by :meth:`generate`.

        Results are applied two steps late; stepping along the residual's sign in the meantime lets the gradient be
        taken near where the parameters are heading.
        """
        self._before_lookahead = [param.detach().clone() for param in self._params]
        for param, delta in zip(self._params, self._deltas, strict=True):
            param.sub_(delta.sign(), alpha=prev_lr)

    @torch.no_grad()
    def undo_lookahead(self) -> None:
        """Restore the parameters saved by :meth:`error_correction` (a cancelled step sends nothing)."""
        if self._before_lookahead is None:
            raise RuntimeError("undo_lookahead() needs a preceding error_correction()")
        for param, saved in zip(self._params, self._before_lookahead, strict=True):
            param.copy_(saved)
        self._before_lookahead = None

    @torch.no_grad()
    def generate(self, prev_self: Sequence[DistroResult], lr: float) -> DistroResult:
        """Fold this step's gradients into the residuals and compress them (spec §3.4); returns the unquantized
        result, which the caller keeps as next step's ``prev_self``.

        Per parameter: undo the lookahead; subtract what ``prev_self`` (our own previous result) transmitted;
        decoupled weight decay ``p *= 1 - lr * wd``; ``delta = beta * delta + lr * grad``; top-k of DCT(delta).
        Must follow :meth:`error_correction` (the reference re-adds ``prev_lr * sign(delta)``; here the saved copy
        comes back).
        """
        self.undo_lookahead()
        for result in prev_self:
            self.check_compatible(result)
        cfg = self.config
        tensors = []
        for index, (param, delta) in enumerate(zip(self._params, self._deltas, strict=True)):
            if prev_self:
                sent = decompress([r.tensors[index] for r in prev_self], delta.dtype, delta.device)
                delta.sub_(self._dct.decode(sent))
            if cfg.weight_decay != 0.0:
                param.mul_(1.0 - lr * cfg.weight_decay)
            if cfg.compression_decay != 1.0:
                delta.mul_(cfg.compression_decay)
            if param.grad is not None:
                delta.add_(param.grad, alpha=lr)
            tensors.append(compress(self._dct.encode(delta), cfg.compression_topk))
        return DistroResult(tuple(tensors))

    @torch.no_grad()
    def apply(self, results: Sequence[DistroResult], lr: float, origin: RoundOrigin | None = None) -> None:
        """The round's update, the same on every client: ``p -= lr * sign(IDCT(aggregate of all results)))``, the
        aggregate being the reference's scatter-mean unless the run names another rule (:mod:`..aggregation`; a
        rule in parameter space aggregates the results after the inverse DCT instead, so it receives the decoder).

        ``results`` are every accepted result of the round, ours included, quantized or not. No division by the
        peer count is needed: sign is scale-free, and coefficients nobody selected contribute 0. ``origin`` (the
        round and each result's sender) is what a rule with memory across rounds keys its state by.
        """
        directions = self._directions(results, origin)
        if directions is not None:
            for param, direction in zip(self._params, directions, strict=True):
                param.sub_(direction, alpha=lr)

    @torch.no_grad()
    def update_of(self, results: Sequence[DistroResult], origin: RoundOrigin | None = None) -> DistroUpdate | None:
        """What :meth:`apply` would subtract, per parameter and before the learning rate, kept for later (None when
        ``results`` is empty). A run works it out while the witness phase leaves the machine idle, and
        :meth:`apply_update` then steps along it bit for bit as :meth:`apply` would have."""
        directions = self._directions(results, origin)
        return None if directions is None else DistroUpdate(tuple(directions))

    @torch.no_grad()
    def apply_update(self, update: DistroUpdate, lr: float) -> None:
        """``p -= lr * direction`` for an update from :meth:`update_of` (the same arithmetic as :meth:`apply`)."""
        for param, direction in zip(self._params, update.directions, strict=True):
            param.sub_(direction, alpha=lr)

    @torch.no_grad()
    def parameters_after(self, update: DistroUpdate, lr: float) -> Iterator[tuple[str, torch.Tensor]]:
        """Each parameter's name and value as :meth:`apply_update` will leave it, computed aside one at a time (the
        parameters are untouched): what a run hashes before the update is applied."""
        for name, param, direction in zip(self.names, self._params, update.directions, strict=True):
            yield name, torch.sub(param, direction, alpha=lr)

    def _directions(
        self, results: Sequence[DistroResult], origin: RoundOrigin | None
    ) -> Iterator[torch.Tensor] | None:
        """``sign(IDCT(aggregate))`` per parameter, decoded one at a time as they are used; None (with the
        reference's warning) for no results."""
        if not results:
            log.warning("Empty DisTrO gradients")
            return None
        tiers = [self.check_compatible(result) for result in results]
        first = self._params[0]
        updates: Iterable[torch.Tensor]
        if len(set(tiers)) > 1:
            updates = self._combine_tiers(results, tiers, origin)
        else:
            tensors = [r.tensors for r in results]
            updates = self.aggregator.aggregate(tensors, first.dtype, first.device, self._dct.decode, origin)
        return (
            pad_ffn(name, update, self.ffn_width).sign_() for name, update in zip(self.names, updates, strict=True)
        )

    def _combine_tiers(
        self, results: Sequence[DistroResult], tiers: Sequence[int], origin: RoundOrigin | None
    ) -> list[torch.Tensor]:
        """A round mixing tiers: every result decoded to parameter space on its own, then combined band by band."""
        per_result = [self.decoded(result) for result in results]
        decoded = [[values[index] for values in per_result] for index in range(len(self._params))]
        widths = [self.tier_widths[tier] for tier in tiers]
        return combine_tiers(self.aggregator, self.names, decoded, widths, self.ffn_width, origin)

    @torch.no_grad()
    def decoded(self, result: DistroResult) -> list[torch.Tensor]:
        """``result`` alone in parameter space, one tensor per parameter in the shapes of the result's own tier
        (what its trainer's residual sent; sign agreement between clients is measured on these)."""
        first = self._params[0]
        return [self._dct.decode(decompress([tensor], first.dtype, first.device)) for tensor in result.tensors]

    def check_compatible(self, result: DistroResult) -> int:
        """The MatFormer tier of ``result`` (its FFN shapes name it); IncompatibleResultError for a result that
        matches no tier this model accepts, tensor for tensor (a peer's payload is untrusted)."""
        return tier_of_shapes(self.names, [tensor.xshape for tensor in result.tensors], self.tier_encoded_shapes)
