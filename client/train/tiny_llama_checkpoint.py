"""A small LLaMA checkpoint in a Hugging Face repository's layout: ``config.json`` and ``model.safetensors``.

A run whose checkpoint is ``Hub{repo_id = DIR}`` loads it from that directory, on a chain or on a centralized
server alike (``config/test-tiny-llama``). The weights are the model's own initialisation from ``--seed``, so the
same command always writes the same bytes.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from client.participant.checkpoints import parameters_blob
from client.participant.model_setup import WEIGHTS_FILE
from client.train.model import LlamaConfig, LlamaForCausalLM, init_weights

__all__ = ["TINY_LLAMA_CONFIG", "main", "write_tiny_llama_checkpoint"]

TINY_LLAMA_CONFIG: dict[str, Any] = {
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "vocab_size": 256,
    "hidden_size": 64,
    "intermediate_size": 176,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 4,
    "hidden_act": "silu",
    "max_position_embeddings": 128,
    "rms_norm_eps": 1e-05,
    "rope_theta": 10000.0,
    "initializer_range": 0.02,
    "attention_bias": False,
    "mlp_bias": False,
    "tie_word_embeddings": False,
    "torch_dtype": "float32",
}
"""About 0.13M parameters over a byte-level vocabulary: loads and trains in a second on a CPU."""


def write_tiny_llama_checkpoint(out: Path, seed: int = 0) -> Path:
    """Write ``config.json`` and ``model.safetensors`` into ``out`` (created); returns the weights' path."""
    model = LlamaForCausalLM(LlamaConfig.from_dict(TINY_LLAMA_CONFIG))
    init_weights(model, seed)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(TINY_LLAMA_CONFIG, indent=2) + "\n")
    weights = out / WEIGHTS_FILE
    weights.write_bytes(parameters_blob(model))
    return weights


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="the checkpoint directory to write")
    parser.add_argument("--seed", type=int, default=0, help="the seed of the initial weights")
    args = parser.parse_args(argv)
    weights = write_tiny_llama_checkpoint(args.out, args.seed)
    print(f"wrote {args.out / 'config.json'} and {weights} ({weights.stat().st_size:,} bytes)")
    return 0
