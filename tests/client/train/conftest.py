"""Shared fixtures: a LLaMA small enough to train in a fraction of a second."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def small_config() -> dict[str, Any]:
    """An HF-style LLaMA config: 2 layers, width 64, grouped-query attention (4 heads, 2 KV heads), vocab 64."""
    return {
        "vocab_size": 64,
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "max_position_embeddings": 32,
        "rms_norm_eps": 1e-5,
        "rope_theta": 10000.0,
        "initializer_range": 0.02,
        "tie_word_embeddings": False,
        "hidden_act": "silu",
    }
