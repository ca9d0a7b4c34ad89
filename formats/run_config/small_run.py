"""A small valid run configuration as plain values, for tests and benchmarks to override and write as TOML.

Each of them needs "a valid run with these few values"; starting from one base keeps the values that matter to
each visible at its call, and every other field one valid default.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["constant_lr", "small_run"]

NO_OVERRIDES: Mapping[str, object] = {}


def constant_lr(base_lr: float, warmup_steps: int = 0) -> dict[str, Any]:
    """A ``lr_schedule`` value: ``base_lr`` throughout, reached linearly from 0 over ``warmup_steps``."""
    return {"Constant": {"base_lr": base_lr, "warmup_init_lr": 0.0, "warmup_steps": warmup_steps}}


def small_run(
    *, config: Mapping[str, object] = NO_OVERRIDES, llm: Mapping[str, object] = NO_OVERRIDES
) -> dict[str, Any]:
    """A fresh run-config document whose ``config`` and ``llm`` keys replace those of ``[config]`` and ``[model.LLM]``.

    The base: the Dummy model on Dummy data, 1-second phases in a 30-second epoch, one client, 10 steps of 4
    sequences of 64 tokens, a constant learning rate and DisTrO with config/tiny-llama's compression.

    >>> from formats.run_config import parse_run_config
    >>> import tomli_w
    >>> run = parse_run_config(tomli_w.dumps(small_run(config={"total_steps": 20}, llm={"max_seq_len": 512})))
    >>> (run.config.epoch_time, run.config.total_steps, run.model.llm.max_seq_len)
    (30, 20, 512)
    """
    base_config = {
        "warmup_time": 1,
        "cooldown_time": 1,
        "max_round_train_time": 1,
        "round_witness_time": 1,
        "epoch_time": 30,
        "waiting_for_members_extra_time": 1,
        "min_clients": 1,
        "init_min_clients": 1,
        "witness_nodes": 0,
        "global_batch_size_start": 4,
        "global_batch_size_end": 4,
        "global_batch_size_warmup_tokens": 0,
        "total_steps": 10,
        "verification_percent": 0,
    }
    base_llm = {
        "architecture": "HfLlama",
        "data_type": "Pretraining",
        "max_seq_len": 64,
        "cold_start_warmup_steps": 0,
        "data_location": "Dummy",
        "checkpoint": {"Dummy": {"repo_id": ""}},
        "lr_schedule": constant_lr(4.0e-4),
        "optimizer": {
            "Distro": {
                "compression_decay": 0.999,
                "compression_topk": 8,
                "compression_chunk": 64,
                "quantize_1bit": True,
            }
        },
    }
    return {"config": base_config | dict(config), "model": {"LLM": base_llm | dict(llm)}}
