"""Combining one round's DisTrO results of different MatFormer tiers into the update every tier applies.

Results of different tiers do not line up coefficient by coefficient: a tier compresses the slice it holds, and
the DCT chunking of a narrower matrix differs from the full one's. So each result is decoded to parameter space,
where a tier's FFN tensors are exactly the first channels of the full ones (:mod:`client.train.matformer`).

The FFN width is then cut into *bands* at the widths present in the round: band ``[start, stop)`` is held by the
results at least ``stop`` wide and by no other. The round's rule runs once per band over the results that hold it,
so a coordinate outside a result's slice is absent, never a zero vote; the narrowest band, which every result holds,
carries the shared parameters (attention, norms, embeddings) with it, so a whole-update rule (Multi-Krum, centered
clipping) compares results over everything they all hold. ``mean`` averages a band's holders: its sign is that of
the zero-padded sum the reference's MatFormer fork takes (``align_matformer_prefix_grad``, summed, divided by the
number of peers, ``sign``), so the shared prefix gets a vote from every tier and the tail only from the tiers
that hold it. Channels no result of the round holds get 0, so ``sign`` leaves them unchanged: without a tier-0
client in a run, the tail of the full model is never updated.

Every client computes every band it holds a channel of, in full, from the same results in the same order, so its
slice of the update is bit for bit the same slice of what a tier-0 client computes.

``reputation:F`` (:mod:`client.train.reputation`) scores the senders once for the whole round, on what every result
holds (the narrowest band with the shared parameters), and the bands then average the results it keeps, each bounded
to the kept results' median norm.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from client.train.aggregation import Aggregator, DenseAggregator, Mean, RoundOrigin, ordered_sum
from client.train.matformer import ffn_axis, pad_ffn
from client.train.reputation import Reputation, clip_scales

__all__ = ["Band", "combine_tiers", "tier_bands"]


@dataclass(frozen=True)
class Band:
    """FFN channels ``[start, stop)`` and the indices of the round's results that hold them."""

    start: int
    stop: int
    holders: tuple[int, ...]


def tier_bands(widths: Sequence[int]) -> list[Band]:
    """The bands of a round whose result ``i`` holds the first ``widths[i]`` FFN channels, narrowest first.

    >>> [(b.start, b.stop, b.holders) for b in tier_bands([128, 32, 64, 128])]
    [(0, 32, (0, 1, 2, 3)), (32, 64, (0, 2, 3)), (64, 128, (0, 3))]
    """
    bands, start = [], 0
    for stop in sorted(set(widths)):
        bands.append(Band(start, stop, tuple(i for i, width in enumerate(widths) if width >= stop)))
        start = stop
    return bands


def _reduce(aggregator: Aggregator, stacks: list[torch.Tensor]) -> list[torch.Tensor]:
    """The rule over stacks ``[holders, ...]`` of decoded values, one per tensor of a band."""
    if isinstance(aggregator, DenseAggregator):
        return aggregator.reduce(stacks)
    if isinstance(aggregator, Mean):
        return [ordered_sum(stack).div_(stack.shape[0]) for stack in stacks]
    raise TypeError(f"aggregator {aggregator.spec!r} cannot combine results of different MatFormer tiers")


def combine_tiers(
    aggregator: Aggregator,
    names: Sequence[str],
    decoded: Sequence[Sequence[torch.Tensor]],
    widths: Sequence[int],
    local_width: int,
    origin: RoundOrigin | None = None,
) -> list[torch.Tensor]:
    """The round's update of each parameter at the FFN width ``local_width`` this client holds.

    ``decoded[p][i]`` is result ``i``'s parameter ``p`` in parameter space (its own tier's shape, or wider) and
    ``widths[i]`` the FFN width of result ``i``'s tier. Bands that start beyond ``local_width`` are skipped.
    ``origin`` names the round and each result's sender, for a rule with memory.
    """
    if isinstance(aggregator, Reputation):
        kept, scales = _reputation_choice(aggregator, names, decoded, widths, origin)
        decoded = [[values[i] * scales[i] for i in kept] for values in decoded]
        return combine_tiers(Mean(), names, decoded, [widths[i] for i in kept], local_width)
    ffn = [p for p, name in enumerate(names) if ffn_axis(name) is not None]
    shared = [p for p, name in enumerate(names) if ffn_axis(name) is None]
    everyone = range(len(widths))
    updates: list[torch.Tensor | None] = [None] * len(names)
    pieces: dict[int, list[torch.Tensor]] = {p: [] for p in ffn}
    for number, band in enumerate(tier_bands(widths)):
        if number > 0 and band.start >= local_width:
            break
        size = band.stop - band.start
        stacks = [
            torch.stack([decoded[p][i].narrow(_axis(names[p]), band.start, size) for i in band.holders]) for p in ffn
        ]
        carried = shared if number == 0 else []
        stacks += [torch.stack([decoded[p][i] for i in everyone]) for p in carried]
        reduced = _reduce(aggregator, stacks)
        for p, piece in zip(ffn, reduced, strict=False):
            pieces[p].append(piece)
        for p, update in zip(carried, reduced[len(ffn) :], strict=True):
            updates[p] = update
    for p in ffn:
        updates[p] = pad_ffn(names[p], torch.cat(pieces[p], dim=_axis(names[p])), local_width)
    complete = [update for update in updates if update is not None]
    assert len(complete) == len(names)  # band 0 carries every shared parameter, every band every FFN one
    return complete


def _reputation_choice(
    rule: Reputation,
    names: Sequence[str],
    decoded: Sequence[Sequence[torch.Tensor]],
    widths: Sequence[int],
    origin: RoundOrigin | None,
) -> tuple[list[int], list[float]]:
    """The results ``rule`` keeps this round, and the factor bounding each result's norm, from the gram matrix of
    what every result holds: the shared parameters and the narrowest width's FFN channels."""
    shared_width = min(widths)
    n = len(widths)
    gram = torch.zeros(n, n, dtype=torch.float64)
    for name, values in zip(names, decoded, strict=True):
        axis = ffn_axis(name)
        rows = [v if axis is None else v.narrow(axis, 0, shared_width) for v in values]
        flat = torch.stack([row.reshape(-1) for row in rows]).to(device="cpu", dtype=torch.float64)
        gram += flat @ flat.T
    kept = rule.kept(gram, rule.named(origin, n))
    return kept, [float(scale) for scale in clip_scales(gram, kept)]


def _axis(name: str) -> int:
    axis = ffn_axis(name)
    assert axis is not None, name
    return axis
