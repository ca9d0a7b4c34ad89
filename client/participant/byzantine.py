"""Byzantine clients for research: attacks on a round's update that pass every check an honest client makes.

``train --byzantine ATTACK[:PARAMS]`` (and ``psyche-local-testnet --byzantine-clients 2,3 --attack ATTACK
--attack-scale S``) makes a client follow the protocol (join, train, witness, health-check, sign) but publish a
crafted result instead of its own. Each attack is a :class:`~client.participant.adversary.ResultLie`, lying only
through its ``tamper`` hook, and builds its result as a dense DCT target per parameter which
:meth:`Byzantine.publishable` turns into a result of the run's exact form: the top ``k`` coefficients per chunk
(unique, in range), bf16 values clamped within the magnitude bound an honest result can reach
(:mod:`client.participant.result_checks`), or sign bits when the run quantizes. So the honest clients witness and
apply it, and what a benchmark measures is the aggregation rule, not the validation.

"Honest results" are the payloads of the other trainers this client downloaded for the previous round (the newest
complete one; the current round's arrive while it trains), decoded to dense coefficients; before any arrived, its
own result stands in for them. With ``quantize_1bit`` only signs travel, so scaling does nothing and ``scaled`` with
a positive factor is honest.

=================  ========================================================================================
``sign-flip:S``    ``-S x`` its own result (S = 1 by default).
``scaled:S``       ``S x`` its own result (default 10).
``ipm:S``          inner-product manipulation, ``-S x`` the mean of the honest results (Xie et al. 2019,
                   arXiv 1903.03936; default 1).
``alie:Z``         "a little is enough", mean + Z x the population std of the honest results, per coefficient
                   (Baruch et al. 2019, arXiv 1902.06156; default Z = 1; ByzPy uses the same form).
``gaussian:S``     noise N(0, (S x the RMS of its own values)^2) on every coefficient (default 1).
``sparse-spray:S`` its k values on the coefficients of each chunk the honest results selected least, each of
                   S x its largest magnitude in the chunk, against its own sign there (default 1).
``free-ride``      sends an all-zero result (k coefficients of value 0 per chunk), the same every step: no training.
``label-flip``     refused: a language model's labels are its own next tokens, there is nothing to flip.
=================  ========================================================================================
"""

from __future__ import annotations

import secrets
from abc import abstractmethod
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, ClassVar

import torch

from client.participant.adversary import ResultLie
from client.participant.attack_names import (
    LABEL_FLIP,
    LABEL_FLIP_REFUSAL,
    InvalidAttack,
    attack_parameter,
    attack_spec,
)
from client.participant.result_blob import decode_result
from client.participant.result_checks import ROUNDING_SLACK, ResultRules
from client.train import DistroResult
from client.train.compression import CompressedTensor, compress, decompress

if TYPE_CHECKING:
    from client.participant.runner import TrainingClient

__all__ = ["ATTACKS", "Byzantine", "byzantine_named", "crafted", "dense"]

CPU = torch.device("cpu")

Dense = list[torch.Tensor]


def dense(result: DistroResult) -> Dense:
    """Each tensor's dense DCT coefficients (0 where the result did not select), float32 on the CPU."""
    return [decompress([tensor], torch.float32, CPU) for tensor in result.tensors]


def crafted(target: Sequence[torch.Tensor], rules: ResultRules) -> DistroResult:
    """The result of the run's exact form closest to ``target``: per chunk its ``k`` largest coefficients, values
    clamped to the honest bound (less the rounding slack) as bf16, or their signs when the run quantizes."""
    tensors = []
    for expected, values in zip(rules.tensors, target, strict=True):
        top = compress(values.reshape(expected.xshape), expected.k)
        if rules.quantize_1bit:
            tensors.append(top.quantized())
            continue
        kept = top.sparse_val
        if rules.max_abs_value is not None:
            limit = rules.max_abs_value / ROUNDING_SLACK
            kept = kept.clamp(-limit, limit)
        tensors.append(CompressedTensor(top.sparse_idx, kept.to(torch.bfloat16), top.xshape, top.totalk))
    return DistroResult(tuple(tensors))


class Byzantine(ResultLie):
    """A result attack with one number ``scale``; subclasses define :meth:`target` on dense coefficients."""

    default_scale: ClassVar[float] = 1.0

    def __init__(self, client: TrainingClient, argument: str | None) -> None:
        super().__init__(client, argument)
        self.scale = attack_parameter(self.name, argument, self.default_scale)
        self.last: DistroResult | None = None
        seed = client.options.seed
        self.generator = torch.Generator().manual_seed(secrets.randbits(63) if seed is None else seed)

    def tamper(self, result: DistroResult) -> DistroResult:
        rules = self.client.exchange.rules
        assert rules is not None, "a client publishes only once its model is loaded"
        lie = crafted(self.target(dense(result), self.honest_results(result)), rules)
        self.last = lie
        return lie

    @abstractmethod
    def target(self, own: Dense, honest: list[Dense]) -> Dense:
        """The dense coefficients to publish (before the top-k, clamp and encoding of :func:`crafted`)."""

    def honest_results(self, own: DistroResult) -> list[Dense]:
        """The other trainers' results of the newest complete round this client holds, of its own MatFormer tier
        (a narrower or wider tier's FFN coefficients have other shapes); its own if none yet."""
        pipeline = self.client.pipeline
        payloads = []
        if pipeline is not None and pipeline.previous is not None:
            payloads = [
                received.payload
                for results in pipeline.previous.results.values()
                for received in results
                if received.sender != self.client.me and received.payload is not None
            ]
        shapes = [t.xshape for t in own.tensors]
        same_tier = [r for r in map(decode_result, payloads) if [t.xshape for t in r.tensors] == shapes]
        return [dense(r) for r in same_tier or [own]]


def _mean(results: list[Dense]) -> Dense:
    return [torch.stack(tensors).mean(dim=0) for tensors in zip(*results, strict=True)]


def _attack(
    name: str, default: float, target: Callable[[Byzantine, Dense, list[Dense]], Dense], doc: str
) -> type[Byzantine]:
    return type(
        name.title().replace("-", ""),
        (Byzantine,),
        {"name": name, "default_scale": default, "target": target, "__doc__": doc},
    )


def _sign_flip(self: Byzantine, own: Dense, honest: list[Dense]) -> Dense:
    return [t * -self.scale for t in own]


def _scaled(self: Byzantine, own: Dense, honest: list[Dense]) -> Dense:
    return [t * self.scale for t in own]


def _ipm(self: Byzantine, own: Dense, honest: list[Dense]) -> Dense:
    return [t * -self.scale for t in _mean(honest)]


def _alie(self: Byzantine, own: Dense, honest: list[Dense]) -> Dense:
    stacks = [torch.stack(tensors) for tensors in zip(*honest, strict=True)]
    return [s.mean(dim=0) + self.scale * s.std(dim=0, correction=0) for s in stacks]


def _gaussian(self: Byzantine, own: Dense, honest: list[Dense]) -> Dense:
    noise = []
    for t in own:
        selected = t[t != 0]
        rms = float(selected.square().mean().sqrt()) if selected.numel() else 0.0
        noise.append(torch.randn(t.shape, generator=self.generator) * (self.scale * rms))
    return noise


def _sparse_spray(self: Byzantine, own: Dense, honest: list[Dense]) -> Dense:
    sprayed = []
    for index, t in enumerate(own):
        expected = self.client.exchange.rules.tensors[index]  # type: ignore[union-attr]
        chunks = t.reshape(-1, expected.totalk)
        counts = sum((h[index] != 0).reshape(-1, expected.totalk).to(torch.float32) for h in honest)
        # Fewest honest selections first; among those, where our own residual is largest.
        magnitude = chunks.abs()
        key = torch.as_tensor(counts) - 0.5 * magnitude / magnitude.amax(dim=1, keepdim=True).clamp_min(1e-30)
        chosen = torch.topk(-key, expected.k, dim=1).indices
        signs = torch.where(chunks.gather(1, chosen) < 0, 1.0, -1.0)  # against our own sign (0 counts as +)
        values = signs * (self.scale * magnitude.amax(dim=1, keepdim=True))
        sprayed.append(torch.zeros_like(chunks).scatter_(1, chosen, values).reshape(t.shape))
    return sprayed


class FreeRide(Byzantine):
    """Sends an all-zero result, built once and re-sent every step: it contributes no training."""

    name = "free-ride"

    def target(self, own: Dense, honest: list[Dense]) -> Dense:
        return [torch.zeros_like(t) for t in own]

    def tamper(self, result: DistroResult) -> DistroResult:
        return self.last if self.last is not None else super().tamper(result)


class LabelFlip(Byzantine):
    """Flips the labels of a classification task; a language model has none (refused at start)."""

    name = LABEL_FLIP

    def __new__(cls, client: TrainingClient, argument: str | None) -> LabelFlip:
        """Refused before the abstract class is instantiated: there is no target to compute."""
        raise InvalidAttack(LABEL_FLIP_REFUSAL)


ATTACKS: dict[str, type[Byzantine]] = {
    kind.name: kind
    for kind in (
        _attack("sign-flip", 1.0, _sign_flip, "-S x its own result."),
        _attack("scaled", 10.0, _scaled, "S x its own result."),
        _attack("ipm", 1.0, _ipm, "-S x the mean of the honest results (inner-product manipulation)."),
        _attack("alie", 1.0, _alie, "mean + Z x std of the honest results (a little is enough)."),
        _attack("gaussian", 1.0, _gaussian, "Gaussian noise at S x its own values' RMS."),
        _attack("sparse-spray", 1.0, _sparse_spray, "Its k values on the coefficients honest peers select least."),
        FreeRide,
        LabelFlip,
    )
}


def byzantine_named(spec: str | None, client: TrainingClient) -> Byzantine | None:
    """The attack ``ATTACK[:PARAM]`` installed on ``client``, None without one."""
    if spec is None:
        return None
    name, argument = attack_spec(spec)
    return ATTACKS[name](client, argument)
