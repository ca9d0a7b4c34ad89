"""``--write-gradients-dir`` files: what a client published loads back bit for bit, and anything else is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file
from solders.keypair import Keypair

from client.p2p.blobs import blob_hash
from client.participant.distro_data import DistroDataError, read_distro_step, write_distro_step
from client.participant.pipeline import TrainedBatch
from client.participant.result_blob import encode_result
from client.train.compression import compress
from client.train.distro import DistroResult
from coordinator_program.core import BatchId

NAMES = ("layer.bias", "layer.weight")


def _published(quantize_1bit: bool, start: int) -> TrainedBatch:
    generator = torch.Generator().manual_seed(start)
    tensors = (
        compress(torch.randn(4, 8, generator=generator), 3),
        compress(torch.randn(2, 4, 8, generator=generator), 5),
    )
    payload = encode_result(DistroResult(tensors).for_transmission(quantize_1bit), trainer_nonce=start)
    return TrainedBatch(BatchId(start, start + 1), payload, loss=1.0, tokens=128, tokens_sha256="")


@pytest.mark.parametrize("quantize_1bit", [True, False])
def test_a_step_s_results_load_back_as_the_blobs_published(tmp_path: Path, quantize_1bit: bool) -> None:
    client = Keypair().pubkey()
    trained = [_published(quantize_1bit, 0), _published(quantize_1bit, 2)]
    path = write_distro_step(tmp_path, client, 7, NAMES, trained)
    assert path is not None and path.name == f"step-000007-{client}.safetensors"

    step = read_distro_step(path)

    assert (step.client, step.step, step.names) == (str(client), 7, NAMES)
    assert step.result_sha256 == {"0-1": blob_hash(trained[0].payload), "2-3": blob_hash(trained[1].payload)}
    assert step.trainer_nonces == {"0-1": 0, "2-3": 2}
    for key, item in zip(("0-1", "2-3"), trained, strict=True):
        assert blob_hash(encode_result(step.results[key], step.trainer_nonces[key])) == blob_hash(item.payload)
    with safe_open(str(path), framework="pt") as handle:
        values = handle.get_tensor("0-1/layer.weight/values")
        assert values.dtype == (torch.bool if quantize_1bit else torch.bfloat16) and values.shape == (2, 5)
        assert handle.get_tensor("0-1/layer.weight/indices").dtype == torch.int64


def test_a_step_that_trained_nothing_writes_no_file(tmp_path: Path) -> None:
    assert write_distro_step(tmp_path, Keypair().pubkey(), 3, NAMES, []) is None
    assert list(tmp_path.iterdir()) == []


def test_a_changed_value_another_format_or_a_broken_file_is_refused(tmp_path: Path) -> None:
    path = write_distro_step(tmp_path, Keypair().pubkey(), 1, NAMES, [_published(True, 0)])
    assert path is not None
    with safe_open(str(path), framework="pt") as handle:
        metadata = handle.metadata()
        tensors = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118 (safe_open is no dict)
    tensors["0-1/layer.bias/values"] = ~tensors["0-1/layer.bias/values"]
    save_file(tensors, str(path), metadata=metadata)
    with pytest.raises(DistroDataError, match="does not rebuild the published result"):
        read_distro_step(path)

    save_file(tensors, str(path), metadata=metadata | {"format": "something/9"})
    with pytest.raises(DistroDataError, match="not a psyche-sim-distro-results/1 file"):
        read_distro_step(path)

    save_file(tensors, str(path), metadata=metadata | {"batches": json.dumps({"0-1": {}})})
    with pytest.raises(DistroDataError, match="not a readable"):
        read_distro_step(path)

    path.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}")
    with pytest.raises(DistroDataError, match="not a readable"):
        read_distro_step(path)
