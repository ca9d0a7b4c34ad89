"""Cooldown checkpoints: the files beside the weights, their hash checked on the way back, and ``--keep-steps``."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import safetensors.torch
import torch

from client.p2p.blobs import blob_hash
from client.participant.checkpoints import (
    CheckpointCorrupt,
    delete_old_checkpoints,
    parameters_blob,
    read_checkpoint,
    read_parameters_blob,
    write_checkpoint,
)
from client.participant.model_setup import DUMMY_MODEL_CONFIG
from client.train import build_model


def test_a_checkpoint_carries_its_extra_files_and_only_the_newest_steps_are_kept(tmp_path: Path) -> None:
    blob = parameters_blob(build_model(DUMMY_MODEL_CONFIG, 1, max_seq_len=16))
    for step in (9, 10, 2, 30):
        write_checkpoint(blob, tmp_path, "run", step, {"config.json": b"{}"})
    other_run = write_checkpoint(blob, tmp_path, "run-b", 1).parent
    assert (tmp_path / "run-step9" / "config.json").read_bytes() == b"{}"

    removed = delete_old_checkpoints(tmp_path, "run", keep=2)

    assert removed == [tmp_path / "run-step2", tmp_path / "run-step9"]  # by step number, not by name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run-b-step1", "run-step10", "run-step30"]
    assert other_run.is_dir()


def test_a_checkpoint_reads_back_verified_and_a_corrupt_one_is_refused(tmp_path: Path) -> None:
    blob = parameters_blob(build_model(DUMMY_MODEL_CONFIG, 1, max_seq_len=16), run_id="run", step="7")
    path = write_checkpoint(blob, tmp_path, "run", 7, {"config.json": b"{}"})

    saved = read_checkpoint(tmp_path, "run", 7)

    assert saved is not None and saved.blob == blob and saved.directory == path.parent
    assert saved.digest == hashlib.sha256(blob).hexdigest() == blob_hash(blob)  # the hash peers are offered
    assert read_checkpoint(tmp_path, "run", 8) is None  # another step: nothing to resume from
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run-step7"]  # no staging directory left behind
    damaged = bytearray(blob)
    damaged[-1] ^= 1
    path.write_bytes(bytes(damaged))
    with pytest.raises(CheckpointCorrupt, match="hashes to"):
        read_checkpoint(tmp_path, "run", 7)
    (path.parent / "model.safetensors.sha256").unlink()
    with pytest.raises(CheckpointCorrupt, match="cannot be verified"):
        read_checkpoint(tmp_path, "run", 7)


def test_rewriting_a_step_keeps_identical_weights_and_replaces_different_ones(tmp_path: Path) -> None:
    first = parameters_blob(build_model(DUMMY_MODEL_CONFIG, 1, max_seq_len=16))
    second = parameters_blob(build_model(DUMMY_MODEL_CONFIG, 2, max_seq_len=16))
    write_checkpoint(first, tmp_path, "run", 3)
    write_checkpoint(first, tmp_path, "run", 3)  # a second client sharing the directory, same weights
    assert read_checkpoint(tmp_path, "run", 3).blob == first  # type: ignore[union-attr]

    write_checkpoint(second, tmp_path, "run", 3)

    assert read_checkpoint(tmp_path, "run", 3).blob == second  # type: ignore[union-attr]


def test_the_same_weights_make_the_same_bytes_every_time() -> None:
    """Peers compare the weights' hash: the library's random ``__metadata__`` order (new on every call, as
    safetensors 0.8.0 writes a Rust HashMap) must not reach the bytes."""
    model = build_model(DUMMY_MODEL_CONFIG, 1, max_seq_len=16)
    blobs = {parameters_blob(model, run_id="r", step="3", coordinator="c") for _ in range(16)}
    assert len(blobs) == 1


def test_the_bytes_are_the_librarys_with_the_metadata_sorted() -> None:
    model = build_model(DUMMY_MODEL_CONFIG, 1, max_seq_len=16)
    blob = parameters_blob(model, step="3", run_id="r", coordinator="c")
    length = int.from_bytes(blob[:8], "little")
    header = json.loads(blob[8 : 8 + length])
    assert list(header["__metadata__"]) == ["coordinator", "format", "run_id", "step"]
    assert list(header)[1:] == sorted(name for name, _ in model.named_parameters())  # float32 only: by name
    assert length % 8 == 0
    # With one metadata key there is no order to fix: the bytes are exactly what the library writes.
    tensors = {name: param.detach() for name, param in model.named_parameters()}
    assert parameters_blob(model) == safetensors.torch.save(tensors, metadata={"format": "pt"})
    loaded = read_parameters_blob(blob)
    assert all(torch.equal(loaded[name], value) for name, value in tensors.items())
    with pytest.raises(ValueError, match="malformed safetensors"):
        read_parameters_blob(blob[:-4])
