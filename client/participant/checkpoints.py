"""Weights as safetensors bytes: the Cooldown checkpoint (spec client-training.md §4.8) and the shared model.

The checkpoint is ``<dir>/<run_id>-step<step>/model.safetensors``, parameters in name order, as bf16 like the
reference's extracted checkpoint, beside the model's config.json and tokenizer files (so the directory is what
an upload publishes). The safetensors layout is small enough to write and read directly (8-byte little-endian
header length, a JSON header of dtype/shape/byte offsets, then the raw tensors), so the client needs no extra
dependency.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path

import torch

from client.train.compression import bytes_tensor, tensor_bytes

__all__ = [
    "write_checkpoint",
    "checkpoint_dir_for",
    "delete_old_checkpoints",
    "parameters_blob",
    "read_parameters_blob",
]

_DTYPES = {torch.bfloat16: "BF16", torch.float32: "F32"}


def checkpoint_dir_for(root: Path, run_id: str, step: int) -> Path:
    return root / f"{run_id}-step{step}"


def parameters_blob(model: torch.nn.Module, dtype: torch.dtype = torch.float32, **metadata: str) -> bytes:
    """The model's parameters, name-sorted, as safetensors bytes in ``dtype``."""
    header: dict[str, object] = {"__metadata__": {"format": "pt", **metadata}}
    chunks: list[bytes] = []
    offset = 0
    for name, param in sorted(model.named_parameters(), key=lambda item: item[0]):
        data = tensor_bytes(param.detach().to(dtype))
        header[name] = {
            "dtype": _DTYPES[dtype],
            "shape": list(param.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        chunks.append(data)
        offset += len(data)
    raw_header = json.dumps(header, separators=(",", ":")).encode()
    raw_header += b" " * (-len(raw_header) % 8)  # the format pads the header to 8 bytes with spaces
    return len(raw_header).to_bytes(8, "little") + raw_header + b"".join(chunks)


def read_parameters_blob(blob: bytes) -> dict[str, torch.Tensor]:
    """The tensors of safetensors bytes (BF16/F32); ValueError when the bytes are not what the header says."""
    try:
        length = int.from_bytes(blob[:8], "little")
        header = json.loads(blob[8 : 8 + length])
        body = blob[8 + length :]
        by_name = {label: dtype for dtype, label in _DTYPES.items()}
        tensors = {}
        for name, entry in header.items():
            if name == "__metadata__":
                continue
            start, end = entry["data_offsets"]
            if not 0 <= start <= end <= len(body):
                raise ValueError(f"{name}: offsets {start}..{end} outside the data")
            raw = bytes_tensor(body[start:end]).view(by_name[entry["dtype"]])
            tensors[name] = raw.reshape([int(d) for d in entry["shape"]])
    except (KeyError, TypeError, RuntimeError) as exc:
        raise ValueError(f"malformed safetensors: {exc}") from exc
    return tensors


def write_checkpoint(
    model: torch.nn.Module, root: Path, run_id: str, step: int, extra_files: Mapping[str, bytes] | None = None
) -> Path:
    """Write the weights as bf16 safetensors, beside ``extra_files`` (config.json, tokenizer); the weights' path."""
    directory = checkpoint_dir_for(root, run_id, step)
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in (extra_files or {}).items():
        (directory / name).write_bytes(content)
    path = directory / "model.safetensors"
    path.write_bytes(parameters_blob(model, torch.bfloat16, run_id=run_id, step=str(step)))
    return path


def delete_old_checkpoints(root: Path, run_id: str, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` checkpoint directories of ``run_id`` (``--keep-steps``); the removed."""
    prefix = f"{run_id}-step"
    steps = sorted(
        (int(path.name.removeprefix(prefix)), path)
        for path in root.iterdir()
        if path.is_dir() and path.name.startswith(prefix) and path.name.removeprefix(prefix).isdigit()
    )
    old = [path for _, path in steps[: max(len(steps) - keep, 0)]]
    for path in old:
        shutil.rmtree(path, ignore_errors=True)
    return old
