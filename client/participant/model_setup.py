"""What a client trains, read from the run's on-chain model: the network, its optimizer and schedule, and its data.

Spec client-training.md §1.3. Checkpoints: ``Hub``/``P2P``/``Dummy`` whose ``repo_id`` is a local directory holding
a Hugging Face ``config.json`` build that model, initialised from the run id's seed so every client starts from
the same weights; a ``Dummy`` (or, from epoch 1, ``P2P``) checkpoint with an empty ``repo_id`` builds
:data:`DUMMY_MODEL_CONFIG` (~0.8M parameters). Data: ``Local`` reads token files from ``--data-dir`` (or the
location's own path); ``Dummy`` (all-zero tokens in the reference, on which nothing can be learned) is served by
the learnable :class:`~client.train.SyntheticDataProvider` instead, a deliberate deviation so test runs show a
falling loss.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from client.train import (
    DataError,
    DistroConfig,
    LocalDataProvider,
    SyntheticDataProvider,
    Trainer,
    build_model,
    init_seed,
    optimizer_from_definition,
    schedule_from_definition,
)
from client.train.data import DataProvider
from client.train.errors import ModelConfigError
from coordinator_program.core.types import CheckpointTag, LLMTrainingDataLocationTag, Model

__all__ = ["DUMMY_MODEL_CONFIG", "TrainingSetup", "load_training_setup", "pick_device"]

DUMMY_MODEL_CONFIG: dict[str, Any] = {
    "vocab_size": 256,
    "hidden_size": 128,
    "intermediate_size": 352,
    "num_hidden_layers": 4,
    "num_attention_heads": 4,
    "num_key_value_heads": 4,
    "max_position_embeddings": 128,
    "rms_norm_eps": 1e-5,
    "rope_theta": 10000.0,
    "initializer_range": 0.02,
    "tie_word_embeddings": True,
}
"""A ~0.8M-parameter LLaMA over bytes: what a ``Dummy`` checkpoint trains."""


@dataclass
class TrainingSetup:
    trainer: Trainer
    data: DataProvider
    seq_len: int
    quantize_1bit: bool
    checkpoint: str


def pick_device(requested: str) -> torch.device:
    """``auto`` is CUDA when available, else the CPU; ``cpu``, ``cuda`` and ``cuda:N`` as named."""
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(requested)


def _model_config(model: Model) -> tuple[dict[str, Any], str]:
    checkpoint = model.llm.checkpoint
    kind = CheckpointTag(checkpoint.kind)
    if kind not in (CheckpointTag.Hub, CheckpointTag.P2P, CheckpointTag.Dummy):
        raise ModelConfigError(f"checkpoint kind {kind.name} is not supported by this client")
    repo_id = checkpoint.variant().repo_id.value
    if kind in (CheckpointTag.Dummy, CheckpointTag.P2P) and not repo_id:  # after epoch 0 a Dummy is relabelled P2P
        return DUMMY_MODEL_CONFIG, kind.name
    config_path = Path(repo_id) / "config.json"
    if not config_path.is_file():
        raise ModelConfigError(f"checkpoint {kind.name} {repo_id!r}: no local directory with a config.json there")
    return json.loads(config_path.read_text()), f"{kind.name}({repo_id})"


def _data(model: Model, vocab_size: int, seq_len: int, data_dir: Path | None) -> DataProvider:
    location = model.llm.data_location
    kind = LLMTrainingDataLocationTag(location.kind)
    if kind is LLMTrainingDataLocationTag.Dummy:
        return SyntheticDataProvider(vocab_size, seq_len)
    if kind is LLMTrainingDataLocationTag.Local:
        return LocalDataProvider(data_dir or Path(location.variant().value), seq_len)
    raise DataError(f"data location {kind.name} is not supported by this client")


def load_training_setup(model: Model, run_id: str, device: torch.device, data_dir: Path | None) -> TrainingSetup:
    """Build the model (seeded by the run id), its trainer and the data provider; ModelConfigError/DataError."""
    config, description = _model_config(model)
    seq_len = int(model.llm.max_seq_len)
    network = build_model(config, init_seed(run_id), device, max_seq_len=seq_len)
    optimizer = optimizer_from_definition(model.llm.optimizer)
    schedule = schedule_from_definition(model.llm.lr_schedule)
    if not isinstance(optimizer, DistroConfig):
        raise ModelConfigError("a network run needs the Distro optimizer (AdamW shares nothing between clients)")
    trainer = Trainer(network, optimizer, schedule)
    data = _data(model, network.config.vocab_size, seq_len, data_dir)
    return TrainingSetup(trainer, data, seq_len, optimizer.quantize_1bit, description)
