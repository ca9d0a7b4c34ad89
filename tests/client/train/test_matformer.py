"""MatFormer tiers: which tiers a width allows, the nested slices a tier-t model holds, and zero tail gradients."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from client.train.classifiers import CLASSIFIER_TYPES
from client.train.matformer import MatformerTierError, active_intermediate_size, tier_of_width
from client.train.model import LlamaConfig, build_model, causal_lm_loss, flops_per_token
from client.train.model_families import build_network

FFN_NAMES = ("gate_proj.weight", "up_proj.weight", "down_proj.weight")


def _tier_slice(name: str, full: torch.Tensor, width: int) -> torch.Tensor:
    """The slow reference for a tier's slice: gate/up keep their first rows, down its first columns."""
    if name.endswith(("gate_proj.weight", "up_proj.weight")):
        return full[:width, :]
    if name.endswith("down_proj.weight"):
        return full[:, :width]
    return full


@pytest.mark.parametrize(("size", "tier", "width"), [(128, 0, 128), (128, 1, 64), (128, 7, 1), (352, 5, 11)])
def test_active_width_is_the_size_shifted_by_the_tier(size: int, tier: int, width: int) -> None:
    assert active_intermediate_size(size, tier) == width
    assert tier_of_width(size, width) == tier


@pytest.mark.parametrize(("size", "tier"), [(352, 6), (128, 8), (100, 3), (7, 1)])
def test_a_tier_that_does_not_divide_the_width_is_refused_naming_both(size: int, tier: int) -> None:
    with pytest.raises(MatformerTierError, match=rf"tier {tier}\b.*intermediate_size {size}\b") as caught:
        active_intermediate_size(size, tier)
    assert (caught.value.tier, caught.value.intermediate_size) == (tier, size)


@pytest.mark.parametrize("tier", [-1, 256])
def test_a_tier_out_of_the_u8_range_is_refused(tier: int) -> None:
    with pytest.raises(MatformerTierError, match=f"tier {tier} is out of range"):
        active_intermediate_size(1 << 20, tier)


def test_building_an_impossible_tier_fails_before_any_weight(small_config: dict[str, Any]) -> None:
    with pytest.raises(MatformerTierError, match="tier 8 exceeds the deepest tier intermediate_size 128 allows"):
        build_model(small_config, seed=0, matformer_tier=8)


@pytest.mark.parametrize("model_type", CLASSIFIER_TYPES)
def test_classifiers_refuse_tiers_above_zero(model_type: str) -> None:
    with pytest.raises(MatformerTierError, match=f"model_type '{model_type}' has no MatFormer tiers"):
        build_network({"model_type": model_type}, seed=0, matformer_tier=1)


@pytest.mark.parametrize("tier", [1, 2])
def test_a_tier_model_holds_exactly_the_slice_of_the_tier_zero_init(small_config: dict[str, Any], tier: int) -> None:
    full = dict(build_model(small_config, seed=3).named_parameters())
    sliced = build_model(small_config, seed=3, matformer_tier=tier)
    assert sliced.config.intermediate_size == 128
    assert sliced.config.intermediate_size_active == 128 >> tier and sliced.config.matformer_tier == tier
    for name, param in sliced.named_parameters():
        assert torch.equal(param, _tier_slice(name, full[name], 128 >> tier)), name
    assert sliced.model.layers[0].mlp.down_proj.weight.shape == (64, 128 >> tier)
    assert sliced.model.layers[0].mlp.gate_proj.weight.shape == (128 >> tier, 64)


def test_loading_a_full_state_dict_into_a_tier_slices_it(small_config: dict[str, Any]) -> None:
    trained = build_model(small_config, seed=5)
    state = trained.state_dict()
    tier2 = build_model(small_config, seed=99, matformer_tier=2)
    tier2.load_state_dict(state)
    for name, param in tier2.named_parameters():
        assert torch.equal(param, _tier_slice(name, state[name], 32)), name
    assert state["model.layers.0.mlp.up_proj.weight"].shape == (128, 64)  # the caller's dict is untouched
    with pytest.raises(RuntimeError, match="size mismatch"):  # a narrower slice cannot fill a wider model
        build_model(small_config, seed=0, matformer_tier=1).load_state_dict(tier2.state_dict())


def test_the_tail_of_a_full_model_run_at_a_tier_gets_exactly_zero_gradient(small_config: dict[str, Any]) -> None:
    """matformer_mlp_has_zero_tail_grads: the full model computing as tier 1 trains only the prefix."""
    model = build_model(small_config, seed=1)
    tokens = torch.randint(0, 64, (2, 16), generator=torch.Generator().manual_seed(0))
    causal_lm_loss(model(tokens, ffn_width=64), tokens).backward()
    for name, param in model.named_parameters():
        grad = param.grad
        assert grad is not None, name
        if name.endswith(FFN_NAMES):
            tail = grad[64:, :] if name.endswith(("gate_proj.weight", "up_proj.weight")) else grad[:, 64:]
            assert tail.numel() == 64 * 64 and torch.count_nonzero(tail) == 0, name
            assert torch.count_nonzero(_tier_slice(name, grad, 64)) > 0, name


def test_a_full_model_run_at_a_tier_computes_what_the_tier_model_computes(small_config: dict[str, Any]) -> None:
    tokens = torch.randint(0, 64, (2, 16), generator=torch.Generator().manual_seed(1))
    full = build_model(small_config, seed=2)
    tier1 = build_model(small_config, seed=2, matformer_tier=1)
    torch.testing.assert_close(full(tokens, ffn_width=64), tier1(tokens), rtol=1e-5, atol=1e-6)


def test_parameters_and_flops_fall_with_the_tier(small_config: dict[str, Any]) -> None:
    counts = [build_model(small_config, seed=0, matformer_tier=tier).num_parameters() for tier in (0, 1, 2)]
    mlp = 2 * 3 * 64 * 128  # two layers of gate, up and down at full width
    assert counts[0] - counts[1] == mlp // 2 and counts[1] - counts[2] == mlp // 4
    flops = [flops_per_token(LlamaConfig.from_dict(small_config, 16, tier), 16) for tier in (0, 1, 2)]
    assert flops[0] - flops[1] == 6 * mlp // 2 and flops[1] - flops[2] == 6 * mlp // 4
