"""What a client trains, read from the run's on-chain model: the network, its optimizer and schedule, and its data.

Spec client-training.md §1.3. Checkpoints: ``Hub``/``P2P``/``Dummy`` with a ``repo_id`` build the model of that
repository's ``config.json`` at the checkpoint's revision (:mod:`client.participant.checkpoint_repo`: a local
directory, where no revision means the newest upload, else the repository's own files; or a Hugging Face Hub
repository, downloaded through its cache). Where those files hold a
``model.safetensors`` (an upload), its weights are loaded, so a run whose peers are gone resumes from the last
uploaded checkpoint; otherwise the weights are initialised from the run id's seed so every client starts from the
same weights. A ``Dummy`` (or, from epoch 1, ``P2P``) checkpoint with an empty ``repo_id`` builds
:data:`DUMMY_MODEL_CONFIG` (~0.8M parameters). Data: ``Local`` reads token files from ``--data-dir`` (or the
location's own path), ``Http`` reads them over HTTP (:mod:`client.train.http_data`, cached on disk in
``--data-cache-dir``); ``Dummy`` (all-zero tokens in the reference, on which nothing can be learned) is served by
the learnable :class:`~client.train.SyntheticDataProvider` instead, a deliberate deviation so test runs show a
falling loss.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from solders.keypair import Keypair

from client.participant.checkpoint_repo import checkpoint_directory
from client.participant.local_hub import HubRepoError
from client.participant.model_sharing import load_parameters
from client.train import (
    DataError,
    DistroConfig,
    SyntheticDataProvider,
    Trainer,
    init_seed,
    open_local_dataset,
    optimizer_from_definition,
    schedule_from_definition,
)
from client.train.aggregation import aggregator_from_spec
from client.train.classifiers import ImageClassifier
from client.train.data import DataProvider
from client.train.errors import ModelConfigError
from client.train.heldout import heldout_sequences
from client.train.http_data import open_http_dataset
from client.train.image_setup import image_data
from client.train.model_families import build_network, check_matformer_tier
from client.train.server_data import ServerDataProvider
from coordinator_program.core.types import CheckpointTag, LLMTrainingDataLocationTag, Model

__all__ = [
    "DUMMY_MODEL_CONFIG",
    "DataIdentity",
    "TrainingSetup",
    "check_tier_fits",
    "load_training_setup",
    "pick_device",
]

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
DataIdentity = tuple[str, Keypair]
"""The run id and the key a ``Server`` data location's server knows this client by (its coordinator identity)."""
WEIGHTS_FILE = "model.safetensors"
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model")


@dataclass
class TrainingSetup:
    trainer: Trainer
    data: DataProvider
    seq_len: int
    quantize_1bit: bool
    checkpoint: str
    checkpoint_files: dict[str, bytes]
    """Written beside the weights at Cooldown (config.json, tokenizer), as the reference copies them."""
    heldout: torch.Tensor | None = None
    """Held-out samples for ``--eval-steps`` (never trained on); None when the data has no held-out part."""


def pick_device(requested: str) -> torch.device:
    """``auto`` is CUDA when available, else the CPU; ``cpu``, ``cuda`` and ``cuda:N`` as named."""
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(requested)


@dataclass(frozen=True)
class _ModelSource:
    """Where the model comes from: its HF config, and the local files holding it (None for the built-in model)."""

    config: dict[str, Any]
    description: str
    directory: Path | None


def _model_source(model: Model) -> _ModelSource:
    checkpoint = model.llm.checkpoint
    kind = CheckpointTag(checkpoint.kind)
    if kind not in (CheckpointTag.Hub, CheckpointTag.P2P, CheckpointTag.Dummy):
        raise ModelConfigError(f"checkpoint kind {kind.name} is not supported by this client")
    repo = checkpoint.variant()
    repo_id = repo.repo_id.value
    if not repo_id:  # after epoch 0 a Dummy is relabelled P2P(""), and Hub("") once every client left
        return _ModelSource(DUMMY_MODEL_CONFIG, kind.name, None)
    revision = repo.revision.get()
    try:
        directory = checkpoint_directory(repo_id, None if revision is None else revision.value)
    except HubRepoError as exc:
        raise ModelConfigError(f"checkpoint {kind.name}: {exc}") from exc
    if not (directory / "config.json").is_file():
        raise ModelConfigError(f"checkpoint {kind.name} {repo_id!r}: no config.json in {str(directory)!r}")
    at = "" if directory == Path(repo_id) else f"@{directory.name}"
    return _directory_source(directory, f"{kind.name}({repo_id}{at})")


def _directory_source(directory: Path, description: str) -> _ModelSource:
    config_path = directory / "config.json"
    try:
        config = json.loads(config_path.read_text())
    except (OSError, ValueError) as exc:
        raise ModelConfigError(f"{description}: cannot read {config_path}: {exc}") from exc
    return _ModelSource(config, description, directory)


def _checkpoint_files(source: _ModelSource) -> dict[str, bytes]:
    """What a Cooldown checkpoint carries beside the weights: the config.json, and the tokenizer's files if any."""
    if source.directory is None:
        return {"config.json": json.dumps(source.config, indent=2).encode()}
    names = ("config.json", *TOKENIZER_FILES)
    return {name: (source.directory / name).read_bytes() for name in names if (source.directory / name).is_file()}


def _load_weights(network: torch.nn.Module, source: _ModelSource) -> bool:
    """Load the source's ``model.safetensors`` into ``network`` if it has one; whether it did."""
    if source.directory is None or not (source.directory / WEIGHTS_FILE).is_file():
        return False
    try:
        load_parameters(network, (source.directory / WEIGHTS_FILE).read_bytes())
    except ValueError as exc:
        raise ModelConfigError(f"{source.description}: {WEIGHTS_FILE} does not fit its config.json: {exc}") from exc
    return True


def _data(
    model: Model,
    vocab_size: int,
    seq_len: int,
    data_dir: Path | None,
    data_cache_dir: Path | None,
    data_identity: DataIdentity | None,
) -> DataProvider:
    location = model.llm.data_location
    kind = LLMTrainingDataLocationTag(location.kind)
    if kind is LLMTrainingDataLocationTag.Dummy:
        return SyntheticDataProvider(vocab_size, seq_len)
    if kind is LLMTrainingDataLocationTag.Local:
        return open_local_dataset(data_dir or Path(location.variant().value), seq_len)
    if kind is LLMTrainingDataLocationTag.Http:
        return open_http_dataset(location.variant(), seq_len, data_cache_dir)
    if kind is LLMTrainingDataLocationTag.Server and data_identity is not None:
        run_id, wallet = data_identity
        return ServerDataProvider(str(location.variant().value), run_id, wallet, seq_len)
    raise DataError(f"data location {kind.name} is not supported by this client (Dummy, Local, Http and Server are)")


def check_tier_fits(model: Model, matformer_tier: int) -> None:
    """Refuse (MatformerTierError) a MatFormer tier the run's model cannot be cut to, before the client joins: a
    client that fails only once its model loads in Warmup would have taken a place in the epoch for nothing."""
    if matformer_tier != 0:
        check_matformer_tier(_model_source(model).config, matformer_tier)


def load_training_setup(
    model: Model,
    run_id: str,
    device: torch.device,
    data_dir: Path | None,
    data_cache_dir: Path | None = None,
    checkpoint: Path | None = None,
    data_identity: DataIdentity | None = None,
    matformer_tier: int = 0,
) -> TrainingSetup:
    """Build the model (seeded by the run id), its trainer and the data provider; ModelConfigError/DataError.

    ``data_cache_dir``: where Http data is kept; ``checkpoint``: a local checkpoint directory (config.json,
    weights) to start from instead of the run's own checkpoint, as a client restarting from its last epoch's
    weights does; ``data_identity``: the run id and key a ``Server`` data location's server knows us by;
    ``matformer_tier``: build the nested sub-model of that tier (its MLPs hold only their first
    ``intermediate_size >> tier`` channels), whose weights are the same slice of any checkpoint's.
    """
    source = _model_source(model) if checkpoint is None else _directory_source(checkpoint, f"checkpoint {checkpoint}")
    seq_len = int(model.llm.max_seq_len)
    network = build_network(source.config, init_seed(run_id), device, seq_len, matformer_tier)
    weights = " with its weights" if _load_weights(network, source) else ""
    optimizer = optimizer_from_definition(model.llm.optimizer)
    schedule = schedule_from_definition(model.llm.lr_schedule)
    if not isinstance(optimizer, DistroConfig):
        raise ModelConfigError("a network run needs the Distro optimizer (AdamW shares nothing between clients)")
    aggregator = aggregator_from_spec(source.config.get("aggregator", "mean"))  # InvalidAggregator if unusable
    trainer = Trainer(network, optimizer, schedule, aggregator=aggregator)
    heldout: torch.Tensor | None
    data: DataProvider
    if isinstance(network, ImageClassifier):
        images = image_data(network, model.llm.data_location, data_dir)
        data, heldout, seq_len = images, images.heldout(), images.seq_len
    else:
        data = _data(model, network.config.vocab_size, seq_len, data_dir, data_cache_dir, data_identity)
        heldout = heldout_sequences(data)
    description = source.description + weights
    files = _checkpoint_files(source)
    return TrainingSetup(trainer, data, seq_len, optimizer.quantize_1bit, description, files, heldout)
