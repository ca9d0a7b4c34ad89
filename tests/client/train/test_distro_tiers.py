"""DisTrO across MatFormer tiers: which results a tier accepts, and how a round mixing tiers is combined."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator

import pytest
import torch
from torch import nn

from client.participant.pipeline import parameter_hash
from client.participant.result_blob import encode_result
from client.participant.result_checks import InvalidResult, ResultRules
from client.train.aggregation import Aggregator, Mean, Median, MultiKrum, RoundOrigin, lower_median
from client.train.compression import CompressedTensor
from client.train.distro import Distro, DistroResult
from client.train.errors import IncompatibleResultError
from client.train.matformer import ffn_axis
from client.train.optim_config import DistroConfig
from client.train.reputation import Reputation
from client.train.schedule import ConstantLR
from client.train.tier_alignment import combine_tiers
from tests.client.train.reference import slow_decode, slow_scatter_mean
from tests.client.train.tier_harness import tier_clients, train_step

CONFIG = DistroConfig(0.9, compression_topk=3, compression_chunk=8, quantize_1bit=False)
HIDDEN, FULL = 8, 32  # tiers 0, 1, 2 hold 32, 16, 8 FFN channels (8-wide DCT chunks at every tier)
NAMES = ("mlp.down_proj.weight", "mlp.gate_proj.weight", "norm.weight")


def _shape(name: str, width: int) -> tuple[int, ...]:
    return {"mlp.down_proj.weight": (HIDDEN, width), "mlp.gate_proj.weight": (width, HIDDEN)}.get(name, (HIDDEN,))


def _distro(tier: int, aggregator: Aggregator | None = None, seed: int = 0) -> Distro:
    """A tier's Distro over parameters that are the tier's slice of one full set drawn from ``seed``."""
    generator = torch.Generator().manual_seed(seed)
    full = {name: torch.randn(_shape(name, FULL), generator=generator) for name in NAMES}
    width = FULL >> tier
    params = {
        "mlp.down_proj.weight": full["mlp.down_proj.weight"][:, :width],
        "mlp.gate_proj.weight": full["mlp.gate_proj.weight"][:width],
        "norm.weight": full["norm.weight"],
    }
    return Distro([(n, nn.Parameter(p.clone())) for n, p in params.items()], CONFIG, aggregator, FULL)


def _result(tier: int, seed: int) -> DistroResult:
    distro = _distro(tier)
    distro.error_correction(0.0)
    generator = torch.Generator().manual_seed(seed)
    for param in distro._params:
        param.grad = torch.randn(param.shape, generator=generator)
    return distro.generate([], lr=0.1).for_transmission(quantize_1bit=False)


def _pad(name: str, tensor: torch.Tensor) -> torch.Tensor:
    """The slow reference for placing a slice in the full matrix: element by element, zeros elsewhere."""
    full = torch.zeros(_shape(name, FULL) if "proj" in name else tensor.shape, dtype=tensor.dtype)
    for index in itertools.product(*map(range, tensor.shape)):
        full[index] = tensor[index]
    return full


def _slow_decoded(tensor: CompressedTensor) -> torch.Tensor:
    return slow_decode(slow_scatter_mean([tensor]))


def _applied(distro: Distro, results: list[DistroResult]) -> list[torch.Tensor]:
    before = [p.detach().clone() for p in distro._params]
    distro.apply(results, lr=1.0)
    return [before_p - p.detach() for before_p, p in zip(before, distro._params, strict=True)]


def test_a_mixed_round_sums_every_result_zero_padded_then_takes_the_sign() -> None:
    """Against the fork's rule, written slowly: decode each result alone, pad to the full shape, sum, sign."""
    tiers = [0, 1, 2, 2]
    results = [_result(tier, seed) for seed, tier in enumerate(tiers)]
    applied = _applied(_distro(0), results)
    for index, name in enumerate(sorted(NAMES)):
        total = sum(_pad(name, _slow_decoded(r.tensors[index])) for r in results)
        assert isinstance(total, torch.Tensor)
        clear = total.abs() > 1e-4  # float32 against float64: only signs of near-zero sums may differ
        assert torch.equal(applied[index][clear].sign(), total.sign()[clear].float()), name
        assert int(clear.sum()) > 0.9 * total.numel()


def test_a_tier_applies_exactly_its_slice_of_the_tier_zero_update() -> None:
    results = [_result(tier, seed) for seed, tier in enumerate([0, 1, 2, 0])]
    for aggregator in (Mean(), Median(), MultiKrum(1, 2)):
        full = _applied(_distro(0, aggregator), results)
        for tier in (1, 2):
            sliced = _applied(_distro(tier, aggregator), results)
            width = FULL >> tier
            assert torch.equal(sliced[0], full[0][:, :width]) and torch.equal(sliced[1], full[1][:width])
            assert torch.equal(sliced[2], full[2])


def test_the_tail_is_not_updated_without_a_result_that_holds_it() -> None:
    for tiers in ([1, 1], [1, 2]):
        applied = _applied(_distro(0), [_result(tier, seed) for seed, tier in enumerate(tiers)])
        assert torch.count_nonzero(applied[0][:, 16:]) == 0 and torch.count_nonzero(applied[1][16:]) == 0
        assert torch.count_nonzero(applied[0][:, :16]) > 0


def test_a_homogeneous_round_of_the_own_tier_is_todays_apply() -> None:
    """Bit-identical to the path without tiers: the round's scatter-mean, decoded, signed."""
    results = [_result(1, seed) for seed in range(3)]
    tiered, plain = _distro(1), _distro(1)
    plain_params = list(zip(plain.names, plain._params, strict=True))
    untiered = Distro(plain_params, CONFIG)
    _applied(tiered, results)
    _applied(untiered, results)
    assert all(torch.equal(a, b) for a, b in zip(tiered._params, untiered._params, strict=True))


def test_a_coordinate_outside_a_results_slice_is_absent_for_a_robust_rule() -> None:
    """Median over the holders only: in the tail of a round of tiers 0, 1, 1 the tier-0 value wins alone."""
    generator = torch.Generator().manual_seed(3)
    widths = [32, 16, 16]
    decoded = [[torch.randn(_shape(name, width), generator=generator) for width in widths] for name in sorted(NAMES)]
    combined = combine_tiers(Median(), sorted(NAMES), decoded, widths, FULL)
    for index, name in enumerate(sorted(NAMES)):
        expected = torch.zeros(_shape(name, FULL) if "proj" in name else (HIDDEN,))
        for position in itertools.product(*map(range, expected.shape)):
            channel = position[1] if name.startswith("mlp.down") else position[0]
            holders = [
                d for d, width in zip(decoded[index], widths, strict=True) if "proj" not in name or channel < width
            ]
            expected[position] = lower_median(torch.stack([d[position] for d in holders]))
        assert torch.equal(combined[index], expected), name


def _slow_shared_dot(a: list[torch.Tensor], b: list[torch.Tensor], width: int) -> float:
    """The dot product of two decoded results over what both hold at FFN ``width``: element by element, float64."""
    dot = 0.0
    for name, x, y in zip(sorted(NAMES), a, b, strict=True):
        if "proj" in name:
            x, y = (t[:, :width] if name.startswith("mlp.down") else t[:width] for t in (x, y))
        dot += sum(u * v for u, v in zip(x.reshape(-1).tolist(), y.reshape(-1).tolist(), strict=True))
    return dot


def _narrowed(name: str, tensor: torch.Tensor, width: int) -> torch.Tensor:
    """A full tensor as a tier of FFN ``width`` holds it."""
    axis = ffn_axis(name)
    return tensor if axis is None else tensor.narrow(axis, 0, width)


def _slow_shared_cosine(a: list[torch.Tensor], b: list[torch.Tensor], width: int) -> float:
    return _slow_shared_dot(a, b, width) / (_slow_shared_dot(a, a, width) * _slow_shared_dot(b, b, width)) ** 0.5


def test_reputation_scores_a_mixed_round_on_what_every_result_holds_and_drops_a_flipper_of_another_tier() -> None:
    """Tier-0 senders agree (a common direction plus noise), a tier-1 sender sends its opposite: its cumulative
    score sinks below half the median, and the round's update is then the band-wise mean of the others alone."""
    generator = torch.Generator().manual_seed(5)
    names = sorted(NAMES)
    common = [torch.randn(_shape(name, FULL), generator=generator) for name in names]
    senders = (b"a", b"b", b"c", b"d", b"z")
    widths = [32, 32, 32, 32, 16]
    rule = Reputation(1)
    for height in range(1, 5):
        decoded = [
            [c + torch.randn(c.shape, generator=generator) for _ in range(4)] + [-_narrowed(name, c, 16)]
            for name, c in zip(names, common, strict=True)
        ]
        before = rule.scores
        combined = combine_tiers(rule, names, decoded, widths, FULL, RoundOrigin(0, height, senders))
        per_result = [[decoded[p][i] for p in range(len(names))] for i in range(len(widths))]
        for i, sender in enumerate(senders):  # the round score: mean cosine with the others less the top 1
            cos = sorted(_slow_shared_cosine(per_result[i], per_result[j], 16) for j in range(5) if j != i)[:3]
            assert math.isclose(rule.scores[sender] - before.get(sender, 0.0), sum(cos) / 3, abs_tol=1e-6)
    assert min(rule.scores, key=rule.scores.__getitem__) == b"z"
    # The last round kept the four tier-0 results: their band-wise mean, each bounded to their median norm over
    # what every result of the round held (by which a narrower tier's result compares with a wider one's).
    kept = range(4)
    norms = torch.tensor([_slow_shared_dot(per_result[i], per_result[i], 16) ** 0.5 for i in kept])
    median = float(norms.sort().values[1])
    expected = combine_tiers(
        Mean(),
        names,
        [[decoded[p][i] * min(1.0, median / float(norms[i])) for i in kept] for p in range(len(names))],
        [FULL] * 4,
        FULL,
    )
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(combined, expected, strict=True))


def test_results_of_every_allowed_tier_are_accepted_and_named() -> None:
    distro = _distro(2)
    assert [distro.check_compatible(_result(tier, 0)) for tier in (0, 1, 2)] == [0, 1, 2]
    assert distro.tier_widths == {0: 32, 1: 16, 2: 8, 3: 4, 4: 2, 5: 1}  # every tier 32 allows, whatever ours


def test_a_result_mixing_tiers_or_with_a_wrong_shared_shape_is_refused() -> None:
    one, two = _result(1, 0), _result(2, 0)
    mixed = DistroResult((one.tensors[0], two.tensors[1], one.tensors[2]))
    with pytest.raises(IncompatibleResultError, match=r"fit no single MatFormer tier \(they mix tiers \[1, 2\]\)"):
        _distro(0).check_compatible(mixed)
    wrong_norm = DistroResult((one.tensors[0], one.tensors[1], one.tensors[0]))
    with pytest.raises(IncompatibleResultError, match=r"norm.weight: encoded as .*, expected \(1, 8\)"):
        _distro(0).check_compatible(wrong_norm)


def test_result_checks_accept_every_tier_and_refuse_a_mixed_one() -> None:
    rules = ResultRules.for_trainer(_distro(2), ConstantLR(0.1, 0.0, 0), total_steps=10)
    for tier in (0, 1, 2):
        assert rules.check(encode_result(_result(tier, 5), trainer_nonce=1)) == tier
    one, two = _result(1, 0), _result(2, 0)
    mixed = encode_result(DistroResult((one.tensors[0], two.tensors[1], one.tensors[2])), trainer_nonce=1)
    with pytest.raises(InvalidResult, match="fit no single MatFormer tier"):
        rules.check(mixed)
    assert rules.max_blob_bytes == len(encode_result(_result(0, 0), trainer_nonce=2**64 - 1))


def test_a_tier_without_matformer_knowledge_accepts_only_its_own_shapes() -> None:
    plain = Distro([(n, p) for n, p in zip(_distro(1).names, _distro(1)._params, strict=True)], CONFIG)
    assert plain.check_compatible(_result(1, 0)) == 0
    with pytest.raises(IncompatibleResultError):
        plain.check_compatible(_result(0, 0))


@pytest.fixture
def one_thread() -> Iterator[None]:
    """Tiny tensors: on a loaded machine torch's thread pool only adds waits (30x slower here), not coverage."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.usefixtures("one_thread")
def test_a_run_of_tiers_0_0_1_2_keeps_every_slice_equal_to_the_tier_zero_replicas() -> None:
    """After every step the tier-0 replicas are bit-identical, and each tier's weights hash as the same slice of
    a tier-0 replica; the tier-0 tail moves too (a tier-0 client holds it)."""
    config = {
        "vocab_size": 64,
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_hidden_layers": 1,
        "num_attention_heads": 2,
        "max_position_embeddings": 16,
        "tie_word_embeddings": True,
    }
    distro = DistroConfig(0.9, compression_topk=4, compression_chunk=16, quantize_1bit=True)
    clients = tier_clients(config, [0, 0, 1, 2], distro, ConstantLR(1e-3, 1e-3, 0), seed=4)
    start = clients[0].model.model.layers[0].mlp.up_proj.weight.detach().clone()
    generator = torch.Generator().manual_seed(0)
    for step in range(1, 4):
        train_step(clients, step, [torch.randint(0, 64, (2, 16), generator=generator) for _ in clients])
        reference = clients[0].model
        for client in clients[1:]:
            width = client.model.config.intermediate_size_active
            assert parameter_hash(client.model, width) == parameter_hash(reference, width), (step, client.tier)
    tail = clients[0].model.model.layers[0].mlp.up_proj.weight[32:]
    assert not torch.equal(tail, start[32:]) and not torch.equal(
        clients[0].model.lm_head.weight, clients[2].model.lm_head.weight.neg()
    )
