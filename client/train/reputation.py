"""``reputation:F``: drop the results of senders that have disagreed with the others over the epoch so far.

Why memory: honest DisTrO results are nearly orthogonal (pairwise cosine 0-5% in the byzantine benchmark: each is
mostly its own batch's noise), so within one round a sign-flipped or noise result looks like any honest one and
every per-round rule (median, Krum, clipping, sign vote) lets it through. Across rounds the small agreement adds up:
an honest result's cosine with the others is small but positive every round, a sign-flipped one's (``sign-flip``,
``ipm``) negative, a free-rider's (zeros) exactly 0 and noise's (``gaussian``) 0 on average, so summed over rounds
the honest senders pull away from the rest, as the square root of the number of rounds does from a random walk.

Each round, for the round's accepted results (their dense DCT coefficients; the chunked DCT is orthonormal, so the
cosines are those of the parameter-space updates, without decoding each result):

1. every result's **round score** is the mean of its cosines with the results of the *other* senders, less its F
   highest: up to F colluders sending alike results (``ipm`` sends identical ones) cannot vouch for each other. A
   result of norm 0 has cosine 0 with everything. A sender with several results scores their mean.
2. every sender's **cumulative score** (keyed by its public key, never by position) adds its round score; a sender
   absent from a round keeps its score.
3. among the round's senders, the F lowest cumulative scores (ties: the smaller public key bytes) are dropped when
   they are below half the median (the lower one) of the round's senders' cumulative scores, and the rest are
   applied by the reference's scatter-mean, each kept result first scaled down to the (lower) median norm of the
   kept results if it is larger (norm bounding, as Sun et al. 2019, arXiv 1911.07963): a cosine is blind to scale,
   so without it a kept result 10x larger (``scaled``) would set the mean. With nobody far below the others nothing
   is dropped (the cost at f = 0 is the early rounds, when an honest sender's score can still lag, and the bounding
   of the larger honest results).

The state is **scoped to the epoch**: it starts empty at each epoch's first applied round (:meth:`Reputation.reset`,
called when the client's round pipeline resets for a new epoch, and whenever ``origin.epoch`` changes). Clients
join only at an epoch's start (WaitingForMembers -> Warmup; a process restarted mid-epoch is not let back in until
the next epoch: ``TrainingClient._in_clients``) and every honest client applies the same accepted results of every
round, so every honest client holds the same state, including one that joined at this epoch; nothing is carried in
checkpoints. Computing the same round again (a prepared apply recomputed for a changed plan) starts from the state
before that round, so a round counts once.

It resembles Zeno (Xie et al. 2019, arXiv 1805.10032: rank results by a score, average all but the worst, here
agreement instead of a validation-loss descent) and the history-based defences of Karimireddy et al. 2021
("Learning from History for Byzantine Robust Optimization", arXiv 2012.10333, which uses worker momentum rather than
scores); cosine-agreement reputations of the FoolsGold kind (Fung et al. 2020) look for the opposite, results too
alike. What breaks it: an attacker that sends honest results until its score is high and then turns (it is
applied until its bad rounds have cost it what its good ones earned), and a collusion whose results keep a positive
cosine with the honest ones (``alie``: mean plus a bias) is never dropped; more than F attackers, or a majority.

A round mixing MatFormer tiers (results of different shapes) is scored on what every result holds, in parameter
space: the shared parameters and the narrowest tier's FFN channels (:func:`~client.train.tier_alignment.combine_tiers`
computes that gram matrix and averages the kept, norm-bounded results band by band), so a client of another tier is
scored with everyone and cannot switch the rule off. Those dot products are float64 sums of float32 products summed
by the device's matmul, not exact: a score a rounding away from the drop threshold could in principle fall either way
on two different machines, as Multi-Krum's distances can.

Cost: the cosines come from the sparse results (only coefficients two results both selected add to a dot product):
one sort of the round's selected positions, no dense tensor, little beside the mean's own scatter.
Determinism: the dot products are float64 sums of products of bf16 values (or signs), each product exact in
float64, so unless a round's values span more than ~2^25 the sums are exact whatever order a device adds them in
(CUDA's index_add is unordered) and every replica gets the same scores; the ranking is exact and ties break by the
senders' key bytes.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch

from client.train.aggregation import Aggregator, Decoder, Results, RoundOrigin
from client.train.compression import flat_positions, scatter_mean

__all__ = ["Reputation", "Selections", "clip_scales", "cosines", "gram_matrix", "lagging", "round_scores"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Selections:
    """Every coefficient a round's results selected, per parameter: its flat position in the parameter's encoded
    tensor, its value (in the ``dtype`` the round is applied in) and whose it is (the result's index), laid out as
    :func:`flat_positions` lays them (chunk by chunk, each chunk's results in order), so that the scatter-mean of
    them is :func:`decompress`'s arithmetic, bit for bit."""

    positions: list[torch.Tensor]
    values: list[torch.Tensor]
    owners: list[torch.Tensor]
    xshapes: list[tuple[int, ...]]

    @classmethod
    def of(cls, results: Results, dtype: torch.dtype, device: torch.device) -> Selections:
        positions, values, owners, xshapes = [], [], [], []
        layouts: dict[tuple[tuple[int, ...], tuple[int, ...]], torch.Tensor] = {}  # parameters of one shape share it
        for tensors in zip(*results, strict=True):
            positions.append(flat_positions(list(tensors), device))
            values.append(torch.cat([t.values(dtype).to(device) for t in tensors], dim=-1).reshape(-1))
            widths = tuple(t.sparse_val.shape[-1] for t in tensors)
            chunks = tuple(tensors[0].sparse_val.shape[:-1])
            if (widths, chunks) not in layouts:
                row = torch.repeat_interleave(
                    torch.arange(len(tensors), device=device), torch.tensor(widths, device=device)
                )
                layouts[widths, chunks] = row.expand(*chunks, row.numel()).reshape(-1)
            owners.append(layouts[widths, chunks])
            xshapes.append(tensors[0].xshape)
        return cls(positions, values, owners, xshapes)

    def scatter_mean(self, kept: Sequence[int], scales: torch.Tensor) -> list[torch.Tensor]:
        """Per parameter, the scatter-mean of the results ``kept``, result i's values multiplied by ``scales[i]``
        (one per result): :func:`decompress` of the kept results so scaled."""
        keep = torch.zeros(scales.numel(), dtype=torch.bool, device=scales.device)
        keep[list(kept)] = True
        everyone = len(kept) == scales.numel()  # no mask to apply: the common case without attackers
        factors = scales.to(self.values[0].dtype)
        means = []
        for positions, values, owners, xshape in zip(
            self.positions, self.values, self.owners, self.xshapes, strict=True
        ):
            if not everyone:
                chosen = keep[owners]
                positions, values, owners = positions[chosen], values[chosen], owners[chosen]
            means.append(scatter_mean(positions, values * factors[owners], xshape))
        return means


def gram_matrix(selections: Selections, n: int) -> torch.Tensor:
    """``[n, n]`` float64: the dot product of every two of the ``n`` results over all their DCT coefficients. Only
    coefficients two results both selected add to it, so the selected positions of every parameter (offset to be
    distinct across parameters) are sorted once, stably, and the products within each run of equal positions are
    added up: no dense tensor."""
    device = selections.values[0].device
    offsets, start = [], 0
    for positions, xshape in zip(selections.positions, selections.xshapes, strict=True):
        offsets.append(positions + start)
        start += math.prod(xshape)
    positions = torch.cat(offsets)
    values = torch.cat(selections.values).to(torch.float64)  # exact: the values came as bf16 or signs
    owners = torch.cat(selections.owners)
    gram = torch.zeros(n * n, dtype=torch.float64, device=device)
    gram.index_add_(0, owners * (n + 1), values * values)
    order = torch.sort(positions, stable=True).indices
    positions, values, owners = positions[order], values[order], owners[order]
    for gap in range(1, n):  # results sharing a position sit within n of each other, every pair at some gap
        shared = (positions[:-gap] == positions[gap:]) & (owners[:-gap] != owners[gap:])
        if not bool(shared.any()):
            break  # no pair at this gap: none at a wider one either (the positions are sorted)
        first, second = owners[:-gap][shared], owners[gap:][shared]
        products = values[:-gap][shared] * values[gap:][shared]
        gram.index_add_(0, torch.cat([first * n + second, second * n + first]), torch.cat([products, products]))
    return gram.view(n, n)


def cosines(gram: torch.Tensor) -> torch.Tensor:
    """The cosines of a :func:`gram_matrix` (0 with a result of norm 0)."""
    norms = gram.diagonal().sqrt()
    scale = norms[:, None] * norms[None, :]
    return torch.where(scale > 0, gram / scale.clamp_min(1e-300), torch.zeros_like(gram))


def round_scores(similarity: torch.Tensor, senders: Sequence[bytes], f: int) -> dict[bytes, float]:
    """Each sender's round score from the results' cosines: per result the mean of its cosines with the other
    senders' results less its ``f`` highest (all of them when that would leave none), per sender the mean of its
    results' scores, in result order."""
    per_result: dict[bytes, list[float]] = {sender: [] for sender in senders}
    for i, sender in enumerate(senders):
        others = [j for j, other in enumerate(senders) if other != sender]
        if not others:
            per_result[sender].append(0.0)
            continue
        values = similarity[i, others].sort().values
        kept = values[: len(others) - f] if len(others) > f else values
        per_result[sender].append(float(kept.sum()) / kept.numel())
    return {sender: sum(scores) / len(scores) for sender, scores in per_result.items()}


def clip_scales(gram: torch.Tensor, kept: Sequence[int]) -> torch.Tensor:
    """Per result (float64), what to multiply its values by so that no norm exceeds the (lower) median norm of the
    ``kept`` results: a cosine is blind to scale, so this is what stops a kept result from dominating by size."""
    norms = gram.diagonal().sqrt()
    median = norms[list(kept)].sort().values[(len(kept) - 1) // 2]
    return torch.where(norms > median, median / norms.clamp_min(1e-300), torch.ones_like(norms))


def lagging(scores: Mapping[bytes, float], senders: Sequence[bytes], f: int) -> set[bytes]:
    """Of ``senders``, the ``f`` lowest ``scores`` (ties: the smaller key bytes) that are below half the median (the
    lower one) of the senders' scores: the senders whose results are not applied."""
    ranked = sorted(senders, key=lambda sender: (scores[sender], sender))
    median = scores[ranked[(len(ranked) - 1) // 2]]
    return {sender for sender in ranked[:f] if scores[sender] < median / 2}


class Reputation(Aggregator):
    """The scatter-mean of the round's results less those of at most ``f`` senders whose cumulative score over the
    epoch is below half the median's, each kept result bounded to the kept results' median norm (see the module)."""

    def __init__(self, f: int) -> None:
        self.f = f
        self._epoch: int | None = None
        self._scores: dict[bytes, float] = {}
        self._round: tuple[int, int] | None = None
        self._before: dict[bytes, float] = {}
        self._calls = 0  # rounds seen without an origin, each its own round
        self.dropped: frozenset[bytes] = frozenset()  # the senders the latest round dropped (logs, benchmarks)

    @property
    def spec(self) -> str:
        return f"reputation:{self.f}"

    @property
    def scores(self) -> dict[bytes, float]:
        """Every sender's cumulative score in this epoch so far (a copy)."""
        return dict(self._scores)

    def reset(self) -> None:
        self._epoch, self._round = None, None
        self._scores, self._before = {}, {}

    def aggregate(
        self,
        results: Results,
        dtype: torch.dtype,
        device: torch.device,
        decode: Decoder,
        origin: RoundOrigin | None = None,
    ) -> list[torch.Tensor]:
        """The scatter-mean of the kept results (:meth:`kept`; :meth:`named` for a round without ``origin``)."""
        origin = self.named(origin, len(results))
        selections = Selections.of(results, dtype, device)
        gram = gram_matrix(selections, len(results))
        kept = self.kept(gram, origin)
        return [decode(mean) for mean in selections.scatter_mean(kept, clip_scales(gram, kept))]

    def named(self, origin: RoundOrigin | None, results: int) -> RoundOrigin:
        """``origin``, checked against the number of results; without one (a loop with no senders, such as a local
        test) result i's sender is its position and every call is a new round of one epoch."""
        if origin is None:
            self._calls += 1
            origin = RoundOrigin(0, self._calls, tuple(i.to_bytes(4, "big") for i in range(results)))
        if len(origin.senders) != results:
            raise ValueError(f"{results} results but {len(origin.senders)} senders")
        return origin

    def kept(self, gram: torch.Tensor, origin: RoundOrigin) -> list[int]:
        """Score the round from its results' :func:`gram_matrix`, update the cumulative scores, and return the
        indices of the results to apply."""
        n = len(origin.senders)
        if origin.epoch != self._epoch:
            self.reset()
            self._epoch = origin.epoch
        key = (origin.epoch, origin.height)
        if key == self._round:
            self._scores = dict(self._before)  # the same round again: it counts once
        else:
            self._round, self._before = key, dict(self._scores)
        distinct = sorted(set(origin.senders))
        f = self._supported_f(len(distinct))
        if n > 1:
            similarity = cosines(gram)
            for sender, score in round_scores(similarity, origin.senders, f).items():
                self._scores[sender] = self._scores.get(sender, 0.0) + score
        else:
            for sender in distinct:
                self._scores.setdefault(sender, 0.0)
        dropped = lagging(self._scores, distinct, f)
        self.dropped = frozenset(dropped)
        if dropped:
            log.info("reputation: round %d drops %d sender(s)", origin.height, len(dropped))
        return [i for i, sender in enumerate(origin.senders) if sender not in dropped]

    def _supported_f(self, senders: int) -> int:
        """``f``, or the largest value a round of ``senders`` senders supports (a minority: 2f < senders)."""
        largest = max((senders - 1) // 2, 0)
        if self.f <= largest:
            return self.f
        log.warning("aggregator %s with only %d senders: using f = %d", self.spec, senders, largest)
        return largest
