"""A peer's result is checked against the run before it is witnessed or applied: each rule, and the bound."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from client.participant.adversary import duplicate_indices, not_one_bit, over_k, scaled_flipped
from client.participant.result_blob import encode_result
from client.participant.result_checks import InvalidResult, ResultRules, magnitude_bound
from client.train import DistroResult
from client.train.distro import Distro
from client.train.optim_config import DistroConfig
from client.train.schedule import ConstantLR

SCHEDULE = ConstantLR(base_lr=0.01, warmup_init_lr=0.0, warmup_steps=0)
TOTAL_STEPS = 30
CLIPPED = DistroConfig(0.9, compression_topk=4, compression_chunk=16, quantize_1bit=False, clip_grad_norm=1.0)
ONE_BIT = dataclasses.replace(CLIPPED, quantize_1bit=True, clip_grad_norm=None)


def _distro(config: DistroConfig, shapes: tuple[tuple[int, ...], ...] = ((32, 48), (48,))) -> Distro:
    torch.manual_seed(0)
    params = [(f"p{i}", torch.nn.Parameter(torch.randn(*shape))) for i, shape in enumerate(shapes)]
    return Distro(params, config)


def _honest(distro: Distro, steps: int = 3) -> DistroResult:
    """An honest transmitted result after ``steps`` steps of unit-norm gradients (the clipped maximum)."""
    result = None
    for _ in range(steps):
        distro.error_correction(SCHEDULE.lr(0))
        grads = [torch.randn_like(p) for p in distro._params]
        norm = torch.sqrt(sum(g.square().sum() for g in grads))
        for param, grad in zip(distro._params, grads, strict=True):
            param.grad = grad / norm
        result = distro.generate([result] if result else [], SCHEDULE.lr(0))
    assert result is not None
    return result.for_transmission(distro.config.quantize_1bit)


def _rules(distro: Distro) -> ResultRules:
    return ResultRules.for_trainer(distro, SCHEDULE, TOTAL_STEPS)


@pytest.mark.parametrize("config", [CLIPPED, ONE_BIT])
def test_an_honest_result_passes_and_fits_the_size_limit(config: DistroConfig) -> None:
    distro = _distro(config)
    blob = encode_result(_honest(distro), trainer_nonce=7)
    rules = _rules(distro)
    rules.check(blob)
    assert len(blob) <= rules.max_blob_bytes
    assert len(encode_result(_honest(distro), trainer_nonce=2**64 - 1)) == rules.max_blob_bytes


@pytest.mark.parametrize(
    ("config", "lie", "reason"),
    [
        (CLIPPED, scaled_flipped, "exceeds the bound"),
        (CLIPPED, over_k, "5 values per chunk, compression_topk gives 4"),
        (ONE_BIT, over_k, "5 values per chunk, compression_topk gives 4"),
        (ONE_BIT, not_one_bit, "the run sends 1-bit signs"),
        (ONE_BIT, duplicate_indices, "an index appears twice within one chunk"),
        (CLIPPED, duplicate_indices, "an index appears twice within one chunk"),
    ],
)
def test_a_lying_result_is_refused_with_the_rule_it_breaks(config: DistroConfig, lie: object, reason: str) -> None:
    distro = _distro(config)
    blob = encode_result(lie(_honest(distro)), trainer_nonce=1)  # type: ignore[operator]
    with pytest.raises(InvalidResult, match=reason):
        _rules(distro).check(blob)


def test_a_result_for_another_model_is_refused() -> None:
    other = encode_result(_honest(_distro(ONE_BIT, ((32, 32), (48,)))), trainer_nonce=1)
    with pytest.raises(InvalidResult, match=r"p0: encoded as .* expected"):
        _rules(_distro(ONE_BIT)).check(other)
    fewer = encode_result(_honest(_distro(ONE_BIT, ((32, 48),))), trainer_nonce=1)
    with pytest.raises(InvalidResult, match="1 tensors, the model has 2 parameters"):
        _rules(_distro(ONE_BIT)).check(fewer)


def test_unquantized_values_must_be_bf16_and_finite() -> None:
    distro = _distro(CLIPPED)
    honest = _honest(distro)
    as_f32 = DistroResult(tuple(t.with_values_as(torch.float32) for t in honest.tensors))
    with pytest.raises(InvalidResult, match="the run sends bf16 values"):
        _rules(distro).check(encode_result(as_f32, trainer_nonce=1))
    first, *rest = honest.tensors
    poisoned = first.sparse_val.clone()
    poisoned.view(-1)[0] = float("nan")
    nan_blob = encode_result(DistroResult((dataclasses.replace(first, sparse_val=poisoned), *rest)), 1)
    with pytest.raises(InvalidResult, match="NaN or infinite"):
        _rules(distro).check(nan_blob)


def test_without_clip_grad_norm_only_finiteness_is_checked() -> None:
    unclipped = dataclasses.replace(CLIPPED, clip_grad_norm=None)
    distro = _distro(unclipped)
    rules = _rules(distro)
    assert rules.max_abs_value is None
    rules.check(encode_result(scaled_flipped(_honest(distro)), trainer_nonce=1))  # huge, finite: no bound to break


def test_the_bound_holds_for_the_longest_run_of_clipped_gradients() -> None:
    """Many steps of maximal (unit-norm, clipped) gradients stay under the bound; it is the geometric series."""
    distro = _distro(CLIPPED)
    rules = _rules(distro)
    result = _honest(distro, steps=TOTAL_STEPS)
    rules.check(encode_result(result, trainer_nonce=TOTAL_STEPS))
    largest = max(float(t.sparse_val.float().abs().max()) for t in result.tensors)
    assert largest <= rules.max_abs_value  # type: ignore[operator]
    assert magnitude_bound(CLIPPED, SCHEDULE, TOTAL_STEPS) == pytest.approx(0.01 * (1 - 0.9**30) / 0.1 * 1.01)
    assert magnitude_bound(dataclasses.replace(CLIPPED, compression_decay=1.0), SCHEDULE, 10) == pytest.approx(
        0.01 * 10 * 1.01
    )


def test_a_one_bit_result_passes_under_clipping_whose_bound_is_below_one() -> None:
    """1-bit values are signs: their magnitude (1) says nothing of the residual, so the bound does not apply."""
    config = dataclasses.replace(CLIPPED, quantize_1bit=True)
    distro = _distro(config)
    rules = ResultRules.for_trainer(distro, SCHEDULE, TOTAL_STEPS)
    assert rules.max_abs_value is not None and rules.max_abs_value < 1.0

    rules.check(encode_result(_honest(distro).for_transmission(True), 0))
