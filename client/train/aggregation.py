"""How a round's accepted DisTrO results become one update: the scatter-mean of the reference, or a robust rule.

The reference averages, per DCT coefficient, the values of the results that selected it, so one peer can set any
coefficient few others selected. The robust rules run on each result decoded to a dense tensor: its DCT
coefficients (0 where it did not select, stacked ``[n, *xshape]`` per parameter), or, for the coordinate-wise
order statistics, those coefficients decoded by the inverse DCT to parameter space (stacked ``[n, *param.shape]``):
a rule declares which (:class:`AggregationSpace`). Each client selects only its top k of a chunk's coefficients and
different clients mostly select different ones (3-6% of two results' selections overlap in the byzantine
benchmark), so per coefficient most results hold 0 and a median or trimmed mean is 0 almost everywhere: the model
did not learn. Decoded, every result is dense, and the order statistics compare real values. Whole-update rules
(Krum's distances, centered clipping's norms) are the same in both spaces, the chunked DCT being orthonormal, and
the sign vote keeps the coefficients (it counts only the results that selected one). A run names its rule with the
key ``aggregator`` of the model's ``config.json`` (default ``mean``); :func:`aggregator_from_spec` parses it.

* ``mean``: the reference's scatter-mean (:func:`client.train.compression.decompress`), exactly today's arithmetic.
* ``median``: coordinate-wise median in parameter space; for an even count the LOWER of the two middle values
  (``torch.median``, as ByzPy's ``CoordinateWiseMedian``). Yin et al. 2018, arXiv 1803.01498. DisTrO steps along
  the update's sign, and for an odd count the median's sign is the majority of the results' signs.
* ``trimmed-mean:F``: per parameter coordinate drop the F lowest and F highest, average the rest (Yin et al. 2018).
* ``multi-krum:F,Q``: score each result by the sum of squared distances (over the whole update) to its n-F-2
  nearest others, as Blanchard et al. 2017 (arXiv 1703.02757) and Flower (ByzPy uses n-F-1), average the Q
  lowest-scoring (ties: the earlier result).
* ``centered-clip:TAU[,ITERS]``: ``v <- v + (1/n) sum (x_i - v) min(1, TAU / |x_i - v|)``, ITERS times (default
  10, as ByzPy), norms over the whole update; Karimireddy et al. 2021 (arXiv 2012.10333). The paper starts from the
  previous round's aggregate, which would be state that checkpoints do not carry; this starts from the median.
* ``sign-vote``: ``sign(sum_i sign(x_i))``, signSGD with majority vote (Bernstein et al. 2019, arXiv 1810.05291); a
  coefficient nobody selected, or a tied vote, stays 0.
* ``reputation:F``: the only rule with memory, scoped to the epoch (:mod:`client.train.reputation`): the
  scatter-mean of the round's results less those of at most F senders whose cumulative agreement with the others
  over the epoch's rounds so far is below half the median sender's, each kept result bounded to their median norm.

When a round has too few results for F (a peer dropped), a rule uses the largest F the count supports, the same on
every client (they aggregate the same results). Determinism across replicas: sums over results run in result order
(one elementwise add per result, no reduction whose order a thread count could change); sorting is exact; Krum's
scores and the clipping norms are reduced in float64, so only scores equal to ~1e-16 relative could be ordered
differently by replicas with different thread counts. The inverse DCT of one result is the same matrix products
on every replica, as the reference's decode of the aggregate is.
"""

from __future__ import annotations

import hashlib
import logging
import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import ClassVar

import torch

from client.train.compression import CompressedTensor, decompress, sign_votes
from client.train.errors import TrainConfigError

__all__ = [
    "AGGREGATOR_NAMES",
    "AggregationSpace",
    "Aggregator",
    "CenteredClip",
    "Decoder",
    "InvalidAggregator",
    "Mean",
    "Median",
    "MultiKrum",
    "RoundOrigin",
    "SignVote",
    "TrimmedMean",
    "aggregator_from_spec",
    "decode_dense",
]

log = logging.getLogger(__name__)

DEFAULT_CLIP_ITERS = 10


class InvalidAggregator(TrainConfigError):
    """An ``aggregator`` setting that names no rule or gives it parameters it cannot use."""


Results = Sequence[Sequence[CompressedTensor]]
"""A round's results: ``results[i][p]`` is result i's compressed tensor of parameter p."""

Decoder = Callable[[torch.Tensor], torch.Tensor]
"""The inverse DCT: a parameter's dense encoded coefficients (``xshape``) -> a tensor of the parameter's shape."""


class AggregationSpace(Enum):
    """What a rule compares: the results' dense DCT coefficients, or each result decoded to parameter space."""

    Coefficients = "coefficients"
    Parameters = "parameters"


class Aggregator(ABC):
    """A rule that turns the round's results (per result, one compressed tensor per parameter) into one update per
    parameter, in parameter space (DisTrO steps along its sign); every honest client applies the same rule to the
    same results. ``space`` says where the rule compares the results."""

    space: ClassVar[AggregationSpace] = AggregationSpace.Coefficients

    @property
    @abstractmethod
    def spec(self) -> str:
        """The canonical ``NAME[:PARAMS]`` text (what config.json holds, and what the hash covers)."""

    @property
    def spec_hash(self) -> str:
        """What a client puts in its signed announcement: peers with another rule would fork the run."""
        return hashlib.sha256(self.spec.encode()).hexdigest()[:16]

    @abstractmethod
    def aggregate(
        self,
        results: Results,
        dtype: torch.dtype,
        device: torch.device,
        decode: Decoder,
        origin: RoundOrigin | None = None,
    ) -> list[torch.Tensor]:
        """Each parameter's update (parameter-shaped; ``decode`` is the inverse DCT). ``origin`` says which round
        of which epoch the results are and who sent each; only a rule with memory across rounds reads it."""

    def reset(self) -> None:  # noqa: B027 (a hook: only a rule with memory overrides it)
        """A new epoch begins: forget what earlier rounds taught (a stateless rule has nothing to forget)."""


@dataclass(frozen=True)
class RoundOrigin:
    """Which round the results are (``epoch``, ``height``: the round whose results they are) and who sent each
    (``senders[i]``: result i's trainer, as the bytes of its public key): every honest client knows the same."""

    epoch: int
    height: int
    senders: tuple[bytes, ...]


class Mean(Aggregator):
    """The reference's scatter-mean: each coefficient the mean of the values of the results that selected it."""

    @property
    def spec(self) -> str:
        return "mean"

    def aggregate(
        self,
        results: Results,
        dtype: torch.dtype,
        device: torch.device,
        decode: Decoder,
        origin: RoundOrigin | None = None,
    ) -> list[torch.Tensor]:
        return [decode(decompress(list(tensors), dtype, device)) for tensors in zip(*results, strict=True)]


def decode_dense(results: Results, dtype: torch.dtype, device: torch.device) -> list[torch.Tensor]:
    """Per parameter, every result's dense coefficients stacked ``[n, *xshape]`` (0 where it did not select)."""
    return [
        torch.stack([decompress([tensor], dtype, device) for tensor in tensors])
        for tensors in zip(*results, strict=True)
    ]


class DenseAggregator(Aggregator):
    """A robust rule over the results decoded to dense tensors: coefficients (:func:`decode_dense`) or, when its
    ``space`` says so, parameters."""

    def aggregate(
        self,
        results: Results,
        dtype: torch.dtype,
        device: torch.device,
        decode: Decoder,
        origin: RoundOrigin | None = None,
    ) -> list[torch.Tensor]:
        stacks = decode_dense(results, dtype, device)
        if self.space is AggregationSpace.Parameters:
            return self.reduce([torch.stack([decode(row) for row in stack]) for stack in stacks])
        return [decode(aggregate) for aggregate in self.reduce(stacks)]

    @abstractmethod
    def reduce(self, stacks: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        """``stacks[p]`` is ``[n, *shape]`` for parameter p (n >= 1), ``shape`` its ``xshape`` or, in parameter
        space, its own shape; the aggregate of each parameter."""


def ordered_sum(stack: torch.Tensor) -> torch.Tensor:
    """The sum over dim 0, added row by row in order (bit-identical whatever the thread count)."""
    total = stack[0].clone()
    for row in stack[1:]:
        total.add_(row)
    return total


def lower_median(stack: torch.Tensor) -> torch.Tensor:
    """Coordinate-wise median over dim 0; the lower middle value for an even count."""
    return stack.sort(dim=0).values[(stack.shape[0] - 1) // 2]


@dataclass(frozen=True)
class Median(DenseAggregator):
    """Coordinate-wise (lower) median of the decoded results."""

    space: ClassVar[AggregationSpace] = AggregationSpace.Parameters

    @property
    def spec(self) -> str:
        return "median"

    def reduce(self, stacks: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        return [lower_median(stack) for stack in stacks]


@dataclass(frozen=True)
class TrimmedMean(DenseAggregator):
    """Coordinate-wise mean of the decoded results after dropping the ``f`` lowest and ``f`` highest values."""

    space: ClassVar[AggregationSpace] = AggregationSpace.Parameters

    f: int

    @property
    def spec(self) -> str:
        return f"trimmed-mean:{self.f}"

    def reduce(self, stacks: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        n = stacks[0].shape[0]
        f = _supported_f(self.spec, self.f, (n - 1) // 2, n)
        return [ordered_sum(stack.sort(dim=0).values[f : n - f]).div_(n - 2 * f) for stack in stacks]


def _supported_f(spec: str, f: int, largest: int, n: int) -> int:
    """``f``, or the largest value ``n`` results support (logged: every client sees the same ``n``)."""
    if f <= largest:
        return f
    log.warning("aggregator %s with only %d results: using f = %d", spec, n, max(largest, 0))
    return max(largest, 0)


def squared_distances(stacks: Sequence[torch.Tensor]) -> torch.Tensor:
    """``[n, n]`` float64: squared Euclidean distance between every two results over all parameters."""
    n = stacks[0].shape[0]
    distances = torch.zeros(n, n, dtype=torch.float64, device=stacks[0].device)
    for stack in stacks:
        flat = stack.reshape(n, -1).to(torch.float64)
        for i in range(n):
            distances[i] += (flat - flat[i]).square_().sum(dim=1)
    return distances


@dataclass(frozen=True)
class MultiKrum(DenseAggregator):
    """Average of the ``q`` results whose summed squared distance to their n-f-2 nearest others is smallest."""

    f: int
    q: int

    @property
    def spec(self) -> str:
        return f"multi-krum:{self.f},{self.q}"

    def selected(self, stacks: Sequence[torch.Tensor]) -> list[int]:
        """The indices of the chosen results, best score first (ties: the earlier result)."""
        n = stacks[0].shape[0]
        f = _supported_f(self.spec, self.f, (n - 3) // 2, n)
        neighbours = max(n - f - 2, 1)
        distances = squared_distances(stacks)
        others = distances + torch.diag(torch.full((n,), math.inf, dtype=torch.float64, device=distances.device))
        nearest = others.sort(dim=1).values[:, : min(neighbours, n - 1)]
        scores = nearest.sum(dim=1) if n > 1 else torch.zeros(1, dtype=torch.float64)
        order = sorted(range(n), key=lambda i: (float(scores[i]), i))
        return order[: min(self.q, n - f)]

    def reduce(self, stacks: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        chosen = sorted(self.selected(stacks))
        return [ordered_sum(stack[chosen]).div_(len(chosen)) for stack in stacks]


@dataclass(frozen=True)
class CenteredClip(DenseAggregator):
    """Centered clipping around the median: each iteration moves by the mean of the clipped differences."""

    tau: float
    iters: int = DEFAULT_CLIP_ITERS

    @property
    def spec(self) -> str:
        return f"centered-clip:{self.tau!r},{self.iters}"

    def reduce(self, stacks: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        n = stacks[0].shape[0]
        center = [lower_median(stack) for stack in stacks]
        for _ in range(self.iters):
            diffs = [stack - v for stack, v in zip(stacks, center, strict=True)]
            norms = torch.zeros(n, dtype=torch.float64, device=stacks[0].device)
            for diff in diffs:
                norms += diff.reshape(n, -1).to(torch.float64).square().sum(dim=1)
            norms = norms.sqrt_()
            scales = torch.where(norms > self.tau, self.tau / norms.clamp_min(1e-300), torch.ones_like(norms))
            for v, diff in zip(center, diffs, strict=True):
                shape = (n,) + (1,) * (diff.dim() - 1)
                v.add_(ordered_sum(diff.mul_(scales.to(diff.dtype).view(shape))).div_(n))
        return center


@dataclass(frozen=True)
class SignVote(DenseAggregator):
    """The majority of the results' signs per coefficient (0 when nobody selected it or the vote ties)."""

    @property
    def spec(self) -> str:
        return "sign-vote"

    def aggregate(
        self,
        results: Results,
        dtype: torch.dtype,
        device: torch.device,
        decode: Decoder,
        origin: RoundOrigin | None = None,
    ) -> list[torch.Tensor]:
        """One scatter-add of the signs per parameter (what :meth:`reduce` computes on the dense stacks)."""
        return [decode(sign_votes(list(tensors), dtype, device).sign_()) for tensors in zip(*results, strict=True)]

    def reduce(self, stacks: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        return [ordered_sum(stack.sign()).sign_() for stack in stacks]


AGGREGATOR_NAMES = (
    "mean",
    "median",
    "trimmed-mean:F",
    "multi-krum:F,Q",
    "centered-clip:TAU[,ITERS]",
    "sign-vote",
    "reputation:F",
)


def aggregator_from_spec(spec: str) -> Aggregator:
    """Parse ``NAME[:PARAMS]`` (see :data:`AGGREGATOR_NAMES`); :class:`InvalidAggregator` naming what is wrong."""
    if not isinstance(spec, str):
        raise InvalidAggregator(f"aggregator must be a string such as 'median', got {spec!r}")
    name, _, params = spec.strip().partition(":")
    args = [a.strip() for a in params.split(",")] if params else []
    if name in ("mean", "median", "sign-vote"):
        if args:
            raise InvalidAggregator(f"aggregator {name!r} takes no parameters, got {params!r}")
        return Mean() if name == "mean" else Median() if name == "median" else SignVote()
    if name == "trimmed-mean":
        (f,) = _ints(spec, args, ("F",))
        return TrimmedMean(_at_least(spec, "F", f, 0))
    if name == "reputation":
        from client.train.reputation import Reputation  # it builds on this module's Aggregator and Mean

        (f,) = _ints(spec, args, ("F",))
        return Reputation(_at_least(spec, "F", f, 1))
    if name == "multi-krum":
        f, q = _ints(spec, args, ("F", "Q"))
        return MultiKrum(_at_least(spec, "F", f, 0), _at_least(spec, "Q", q, 1))
    if name == "centered-clip":
        if not 1 <= len(args) <= 2:
            raise InvalidAggregator(f"aggregator {spec!r}: expected centered-clip:TAU[,ITERS]")
        try:
            tau = float(args[0])
        except ValueError:
            raise InvalidAggregator(f"aggregator {spec!r}: TAU must be a number, got {args[0]!r}") from None
        if not (math.isfinite(tau) and tau > 0):
            raise InvalidAggregator(f"aggregator {spec!r}: TAU must be a finite number above 0")
        iters = _ints(spec, args[1:], ("ITERS",))[0] if len(args) == 2 else DEFAULT_CLIP_ITERS
        return CenteredClip(tau, _at_least(spec, "ITERS", iters, 1))
    raise InvalidAggregator(f"unknown aggregator {spec!r}; known: {', '.join(AGGREGATOR_NAMES)}")


def _ints(spec: str, args: list[str], names: tuple[str, ...]) -> list[int]:
    if len(args) != len(names):
        raise InvalidAggregator(f"aggregator {spec!r}: expected {len(names)} parameter(s) {','.join(names)}")
    try:
        return [int(a) for a in args]
    except ValueError:
        raise InvalidAggregator(f"aggregator {spec!r}: {','.join(names)} must be integers") from None


def _at_least(spec: str, name: str, value: int, least: int) -> int:
    if not least <= value <= 1 << 16:
        raise InvalidAggregator(f"aggregator {spec!r}: {name} must be between {least} and {1 << 16}, got {value}")
    return value
