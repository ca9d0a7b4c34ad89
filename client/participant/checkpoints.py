"""Weights as safetensors bytes: the Cooldown checkpoint (spec client-training.md §4.8) and the shared model.

The checkpoint is ``<dir>/<run_id>-step<step>/model.safetensors``, parameters in name order, beside the model's
config.json and tokenizer files (so the directory is what an upload publishes) and ``model.safetensors.sha256``,
the weights' hash. The weights are float32, the very blob peers share (:mod:`client.participant.model_sharing`),
where the reference extracts bf16: a deliberate deviation, so that a run resumed from a checkpoint (every client
restarted, or the run pointed at an upload) continues from exactly the weights it stopped with, and a client
restarting from its checkpoint holds the same bytes, hash and all, as the peers that never stopped. A checkpoint
is staged under a hidden name and renamed into place, so a crash never leaves half of one, and several clients
sharing one directory (their weights are bit-identical) cannot spoil each other's.

The bytes are the ``safetensors`` library's, with one correction: the library writes ``__metadata__`` in a
random order per call (safetensors/safetensors#584, open in 0.8.0), and the weights are hashed and compared
between peers, so :func:`parameters_blob` rewrites the header with the metadata keys sorted. Same tensors and
metadata, same bytes, on every client (``test_the_same_weights_make_the_same_bytes_every_time``).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import safetensors.torch
import torch
from safetensors import SafetensorError

from client.errors import ClientError
from client.p2p.blobs import blob_hash
from client.train.matformer import narrow_ffn

__all__ = [
    "CheckpointCorrupt",
    "SavedCheckpoint",
    "read_checkpoint",
    "write_checkpoint",
    "checkpoint_dir_for",
    "checkpoint_steps",
    "delete_old_checkpoints",
    "parameters_blob",
    "read_parameters_blob",
    "slice_parameters_blob",
]

WEIGHTS_FILE = "model.safetensors"
HASH_FILE = "model.safetensors.sha256"


class CheckpointCorrupt(ClientError, ValueError):
    """A checkpoint directory whose weights do not match their recorded hash (or have none): not to be trusted."""


@dataclass(frozen=True)
class SavedCheckpoint:
    """A checkpoint read back from disk: its step and directory, the weights' bytes, their sha256 (hex), verified."""

    step: int
    directory: Path
    blob: bytes
    digest: str

    @property
    def metadata(self) -> dict[str, str]:
        """The ``__metadata__`` the weights were written with (run id, step, coordinator account); {} if none."""
        try:
            metadata = _header(self.blob)[0].get("__metadata__", {})
        except ValueError:
            return {}
        return {str(key): str(value) for key, value in metadata.items()} if isinstance(metadata, dict) else {}


def checkpoint_dir_for(root: Path, run_id: str, step: int) -> Path:
    return root / f"{run_id}-step{step}"


def parameters_blob(model: torch.nn.Module, dtype: torch.dtype = torch.float32, **metadata: str) -> bytes:
    """The model's parameters as safetensors bytes in ``dtype`` (one dtype: the library orders them by name), the
    ``__metadata__`` keys sorted so that the bytes, and so the hash peers offer, depend on the weights alone."""
    return _tensors_blob({name: param.detach().to(dtype) for name, param in model.named_parameters()}, metadata)


def slice_parameters_blob(blob: bytes, width: int) -> bytes:
    """The weights of ``blob`` narrowed to the first ``width`` FFN channels (a MatFormer tier's slice), with the
    same metadata: whoever slices the same weights to the same width gets the same bytes, so tier-0 and wider-tier
    holders offer one hash for a slice. ValueError when the blob is malformed or holds fewer channels."""
    found = _header(blob)[0].get("__metadata__", {})
    metadata = {str(key): str(value) for key, value in (found if isinstance(found, dict) else {}).items()}
    metadata.pop("format", None)
    tensors = {name: narrow_ffn(name, value, width) for name, value in read_parameters_blob(blob).items()}
    return _tensors_blob(tensors, metadata)


def _tensors_blob(tensors: Mapping[str, torch.Tensor], metadata: Mapping[str, str]) -> bytes:
    contiguous = {name: tensor.contiguous() for name, tensor in tensors.items()}
    return _sorted_metadata(safetensors.torch.save(contiguous, metadata={"format": "pt", **metadata}))


def _sorted_metadata(blob: bytes) -> bytes:
    """``blob`` with its header's ``__metadata__`` keys in sorted order, the header re-padded to 8 bytes with
    spaces as the library pads it; the tensor entries keep the library's order and the data is untouched."""
    header, body_start = _header(blob)
    if "__metadata__" in header:
        header["__metadata__"] = dict(sorted(header["__metadata__"].items()))
    raw = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
    raw += b" " * (-len(raw) % 8)
    return len(raw).to_bytes(8, "little") + raw + blob[body_start:]


def _header(blob: bytes) -> tuple[dict[str, Any], int]:
    """The JSON header of safetensors bytes (in file order) and where the tensor data starts."""
    length = int.from_bytes(blob[:8], "little")
    header = json.loads(blob[8 : 8 + length])
    if not isinstance(header, dict):
        raise ValueError("malformed safetensors: the header is not a JSON object")
    return header, 8 + length


def read_parameters_blob(blob: bytes) -> dict[str, torch.Tensor]:
    """The tensors of safetensors bytes; ValueError when the bytes are not what the header says."""
    try:
        return safetensors.torch.load(blob)
    except (SafetensorError, ValueError, TypeError) as exc:
        raise ValueError(f"malformed safetensors: {exc}") from exc


def write_checkpoint(
    blob: bytes, root: Path, run_id: str, step: int, extra_files: Mapping[str, bytes] | None = None
) -> Path:
    """Write ``blob`` (the weights as :func:`parameters_blob` makes them) and its hash, beside ``extra_files``
    (config.json, tokenizer), as the checkpoint of ``step``; the weights' path."""
    directory = checkpoint_dir_for(root, run_id, step)
    digest = blob_hash(blob)
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=root))
    try:
        for name, content in (extra_files or {}).items():
            (staging / name).write_bytes(content)
        (staging / WEIGHTS_FILE).write_bytes(blob)
        (staging / HASH_FILE).write_text(digest + "\n")
        if directory.is_dir():  # a checkpoint of this step already: the same bytes from a sharer, or a stale one
            if _recorded_hash(directory) == digest:
                return directory / WEIGHTS_FILE
            shutil.rmtree(directory)
        staging.rename(directory)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return directory / WEIGHTS_FILE


def _recorded_hash(directory: Path) -> str | None:
    try:
        return (directory / HASH_FILE).read_text().strip()
    except OSError:
        return None


def read_checkpoint(root: Path, run_id: str, step: int) -> SavedCheckpoint | None:
    """The checkpoint of ``step`` in ``root``, its weights checked against their hash; None if there is none.

    CheckpointCorrupt when the directory is there but its weights are unreadable, unhashed or not what the hash
    says (a disk error, a hand edit): such weights would silently diverge from the peers'.
    """
    directory = checkpoint_dir_for(root, run_id, step)
    if not (directory / WEIGHTS_FILE).is_file():
        return None
    recorded = _recorded_hash(directory)
    if recorded is None:
        raise CheckpointCorrupt(f"{directory} has no {HASH_FILE}: its weights cannot be verified")
    try:
        blob = (directory / WEIGHTS_FILE).read_bytes()
    except OSError as exc:
        raise CheckpointCorrupt(f"{directory / WEIGHTS_FILE}: {exc}") from exc
    digest = blob_hash(blob)
    if digest != recorded:
        raise CheckpointCorrupt(f"{directory / WEIGHTS_FILE} hashes to {digest}, but {HASH_FILE} says {recorded}")
    return SavedCheckpoint(step, directory, blob, digest)


def checkpoint_steps(root: Path, run_id: str) -> dict[int, Path]:
    """The checkpoint directories of ``run_id`` in ``root`` by step (none if ``root`` does not exist)."""
    prefix = f"{run_id}-step"
    if not root.is_dir():
        return {}
    return {
        int(path.name.removeprefix(prefix)): path
        for path in root.iterdir()
        if path.is_dir() and path.name.startswith(prefix) and path.name.removeprefix(prefix).isdigit()
    }


def delete_old_checkpoints(root: Path, run_id: str, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` checkpoint directories of ``run_id`` (``--keep-steps``); the removed."""
    steps = sorted(checkpoint_steps(root, run_id).items())
    old = [path for _, path in steps[: max(len(steps) - keep, 0)]]
    for path in old:
        shutil.rmtree(path, ignore_errors=True)
    return old
