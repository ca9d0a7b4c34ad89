"""``--write-gradients-dir``: every DisTrO result this client publishes, one safetensors file per step, for study.

The format is in ``docs/distro-data.md``. In short, ``<dir>/step-<step:06d>-<client>.safetensors`` holds, for each
batch ``B`` the client trained at that step and each parameter ``P`` (name-sorted, the result's order),
``B/P/indices`` (int64 ``[..., k]``, the kept DCT coefficients of each chunk) and ``B/P/values`` (``[..., k]``:
bool sign bits, True = negative, in a 1-bit run; else bfloat16), exactly the result peers downloaded and applied.
The file's metadata says whose, which step, each tensor's ``xshape`` and ``totalk``, and each batch's trainer nonce
and ``result_sha256``: the hash of the published blob, which :func:`read_distro_step` rebuilds to check.

safetensors is the Hugging Face tensor format the checkpoints already use: any language reads it without running
code from the file, and ``safetensors.safe_open`` reads one tensor without loading the others.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file
from solders.pubkey import Pubkey

from client.p2p.blobs import blob_hash
from client.participant.pipeline import TrainedBatch
from client.participant.result_blob import decode_result, encode_result, read_trainer_nonce
from client.train.compression import CompressedTensor, pack_indices
from client.train.distro import DistroResult
from client.train.errors import IncompatibleResultError

__all__ = ["FORMAT", "DistroDataError", "StepResults", "distro_step_path", "read_distro_step", "write_distro_step"]

FORMAT = "psyche-sim-distro-results/1"


class DistroDataError(IncompatibleResultError):
    """A distro-data file that is not what this format writes: another format, missing tensors, a hash mismatch."""


@dataclass(frozen=True)
class StepResults:
    """One client's results of one step, as read back: per batch (``"start-end"``), its result and trainer nonce."""

    client: str
    step: int
    names: tuple[str, ...]
    results: dict[str, DistroResult]
    trainer_nonces: dict[str, int]
    result_sha256: dict[str, str]


def distro_step_path(directory: Path, client: Pubkey, step: int) -> Path:
    """Where ``client``'s results of ``step`` go; zero-padded steps list in order."""
    return directory / f"step-{step:06d}-{client}.safetensors"


def _batch_key(trained: TrainedBatch) -> str:
    return f"{trained.batch.start}-{trained.batch.end}"


def write_distro_step(
    directory: Path, client: Pubkey, step: int, names: Sequence[str], trained: Sequence[TrainedBatch]
) -> Path | None:
    """Write the published results of ``trained`` (one step's batches); None when the step trained nothing."""
    if not trained:
        return None
    tensors: dict[str, torch.Tensor] = {}
    shapes: dict[str, dict[str, object]] = {}
    batches: dict[str, dict[str, object]] = {}
    for item in trained:
        key = _batch_key(item)
        result = decode_result(item.payload)
        batches[key] = {"trainer_nonce": read_trainer_nonce(item.payload), "result_sha256": blob_hash(item.payload)}
        for name, tensor in zip(names, result.tensors, strict=True):
            tensors[f"{key}/{name}/indices"] = tensor.indices().contiguous()
            tensors[f"{key}/{name}/values"] = tensor.sparse_val.contiguous()
            shapes[f"{key}/{name}"] = {"xshape": list(tensor.xshape), "totalk": tensor.totalk}
    metadata = {
        "format": FORMAT,
        "client": str(client),
        "step": str(step),
        "parameters": json.dumps(list(names)),
        "batches": json.dumps(batches),
        "tensors": json.dumps(shapes),
    }
    directory.mkdir(parents=True, exist_ok=True)
    path = distro_step_path(directory, client, step)
    save_file(tensors, str(path), metadata=metadata)
    return path


def read_distro_step(path: Path) -> StepResults:
    """Read a file :func:`write_distro_step` wrote, rebuilding each batch's result and checking it against the
    hash of the blob that was published (DistroDataError when anything disagrees)."""
    try:
        return _read(path)
    except (OSError, SafetensorError, KeyError, ValueError, TypeError) as exc:
        raise DistroDataError(f"{path}: not a readable {FORMAT} file: {exc}") from exc


def _read(path: Path) -> StepResults:
    with safe_open(str(path), framework="pt") as handle:
        metadata = handle.metadata() or {}
        if metadata.get("format") != FORMAT:
            raise DistroDataError(f"{path}: not a {FORMAT} file (format {metadata.get('format')!r})")
        names = tuple(json.loads(metadata["parameters"]))
        batches = json.loads(metadata["batches"])
        shapes = json.loads(metadata["tensors"])
        results: dict[str, DistroResult] = {}
        for key, batch in batches.items():
            compressed = []
            for name in names:
                shape = shapes[f"{key}/{name}"]
                totalk = int(shape["totalk"])
                indices = handle.get_tensor(f"{key}/{name}/indices")
                compressed.append(
                    CompressedTensor(
                        sparse_idx=pack_indices(indices, totalk),
                        sparse_val=handle.get_tensor(f"{key}/{name}/values"),
                        xshape=tuple(int(d) for d in shape["xshape"]),
                        totalk=totalk,
                    )
                )
            result = DistroResult(tuple(compressed))
            rebuilt = blob_hash(encode_result(result, int(batch["trainer_nonce"])))
            if rebuilt != batch["result_sha256"]:
                raise DistroDataError(f"{path}: batch {key} does not rebuild the published result {rebuilt}")
            results[key] = result
    return StepResults(
        client=metadata["client"],
        step=int(metadata["step"]),
        names=names,
        results=results,
        trainer_nonces={key: int(batch["trainer_nonce"]) for key, batch in batches.items()},
        result_sha256={key: str(batch["result_sha256"]) for key, batch in batches.items()},
    )
