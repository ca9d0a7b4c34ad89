"""The LLaMA model: built from config.json, HF parameter names, deterministic initialisation, causality."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import torch

from client.train.errors import ModelConfigError
from client.train.model import LlamaConfig, build_model, causal_lm_loss, init_seed

REPO = Path(__file__).resolve().parents[3]


def test_tiny_llama_config_builds_the_5m_byte_model() -> None:
    config = json.loads((REPO / "config" / "tiny-llama" / "model" / "config.json").read_text())
    model = build_model(config, seed=0, max_seq_len=128)
    # 256 x 256 tied embedding + 6 x (4 x 256^2 attention + 3 x 256 x 704 MLP + 2 norms) + final norm.
    assert model.num_parameters() == 256 * 256 + 6 * (4 * 256 * 256 + 3 * 256 * 704 + 2 * 256) + 256 == 4_885_760
    assert model.config.max_position_embeddings == 128


def test_parameters_carry_hugging_face_names(small_config: dict[str, Any]) -> None:
    names = {name for name, _ in build_model(small_config, seed=0).named_parameters()}
    assert "model.embed_tokens.weight" in names and "lm_head.weight" in names and "model.norm.weight" in names
    for part in ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj"):
        assert f"model.layers.1.{part}.weight" in names
    for part in ("mlp.gate_proj", "mlp.up_proj", "mlp.down_proj", "input_layernorm", "post_attention_layernorm"):
        assert f"model.layers.0.{part}.weight" in names


def test_grouped_query_attention_has_narrower_key_value_projections(small_config: dict[str, Any]) -> None:
    attention = build_model(small_config, seed=0).model.layers[0].self_attn
    assert attention.q_proj.weight.shape == (64, 64)
    assert attention.k_proj.weight.shape == (32, 64)  # 2 KV heads of 16
    assert attention.v_proj.weight.shape == (32, 64)


def test_tied_embeddings_share_one_parameter(small_config: dict[str, Any]) -> None:
    model = build_model({**small_config, "tie_word_embeddings": True}, seed=0)
    assert model.lm_head.weight is model.model.embed_tokens.weight
    assert "lm_head.weight" not in dict(model.named_parameters())


def test_the_same_seed_gives_bit_identical_models(small_config: dict[str, Any]) -> None:
    torch.manual_seed(123)  # the global generator must not matter
    first = build_model(small_config, seed=7).state_dict()
    torch.manual_seed(456)
    second = build_model(small_config, seed=7).state_dict()
    assert all(torch.equal(first[name], second[name]) for name in first)
    other = build_model(small_config, seed=8).state_dict()
    assert not torch.equal(first["model.embed_tokens.weight"], other["model.embed_tokens.weight"])


def test_initialisation_follows_the_config(small_config: dict[str, Any]) -> None:
    params = dict(build_model({**small_config, "initializer_range": 0.05}, seed=1).named_parameters())
    assert torch.equal(params["model.norm.weight"], torch.ones(64))
    assert params["model.layers.0.mlp.up_proj.weight"].std().item() == pytest.approx(0.05, rel=0.1)


def test_init_seed_derives_from_the_run_id() -> None:
    assert init_seed("run-a") == init_seed("run-a")
    assert init_seed("run-a") != init_seed("run-b")
    assert 0 <= init_seed("run-a") < 2**64


def test_logits_are_causal(small_config: dict[str, Any]) -> None:
    model = build_model(small_config, seed=0)
    tokens = torch.randint(0, 64, (2, 16), generator=torch.Generator().manual_seed(0))
    changed = tokens.clone()
    changed[:, 10:] = (changed[:, 10:] + 1) % 64
    with torch.no_grad():
        logits, logits_changed = model(tokens), model(changed)
    assert logits.shape == (2, 16, 64)
    torch.testing.assert_close(logits[:, :10], logits_changed[:, :10])
    assert not torch.allclose(logits[:, 10:], logits_changed[:, 10:])


def test_loss_of_a_fresh_model_is_about_log_vocab(small_config: dict[str, Any]) -> None:
    model = build_model(small_config, seed=0)
    tokens = torch.randint(0, 64, (4, 32), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        loss = causal_lm_loss(model(tokens), tokens)
    assert loss.item() == pytest.approx(math.log(64), rel=0.05)


def test_loss_ignores_minus_100_labels() -> None:
    logits = torch.zeros(1, 3, 4)
    logits[0, 0, 2] = 10.0  # position 0 predicts token 2 confidently
    assert causal_lm_loss(logits, torch.tensor([[0, 2, -100]])).item() == pytest.approx(0.0, abs=1e-3)


def test_sequences_longer_than_the_position_table_are_refused(small_config: dict[str, Any]) -> None:
    model = build_model(small_config, seed=0, max_seq_len=8)
    with pytest.raises(ValueError, match="max_position_embeddings"):
        model(torch.zeros(1, 9, dtype=torch.long))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"vocab_size": None}, "vocab_size"),
        ({"attention_bias": True}, "attention_bias"),
        ({"rope_scaling": {"type": "linear", "factor": 2.0}}, "rope_scaling"),
        ({"hidden_act": "gelu"}, "hidden_act"),
        ({"num_key_value_heads": 3}, "multiple"),
    ],
)
def test_unsupported_configs_are_refused(small_config: dict[str, Any], change: dict[str, Any], message: str) -> None:
    config = {**small_config, **change}
    config = {key: value for key, value in config.items() if value is not None}
    with pytest.raises(ModelConfigError, match=message):
        LlamaConfig.from_dict(config)
