"""A result blob carries exactly the tensors (and the nonce) a trainer published, and a damaged blob is refused."""

from __future__ import annotations

import pytest
import torch

from client.participant.model_setup import DUMMY_MODEL_CONFIG
from client.participant.result_blob import decode_result, encode_result, read_trainer_nonce
from client.train import DistroConfig, IncompatibleResultError, SyntheticDataProvider, Trainer, build_model
from client.train.schedule import ConstantLR
from coordinator_program.core import BatchId

NONCE = 5


def _published() -> bytes:
    trainer = Trainer(
        build_model(DUMMY_MODEL_CONFIG, 0, max_seq_len=16), DistroConfig(0.999, 8, 64, True), ConstantLR(1e-3, 0.0, 0)
    )
    output = trainer.train(1, SyntheticDataProvider(256, 16).get_samples(BatchId(0, 1)))
    assert output.result is not None
    return encode_result(output.result.for_transmission(True), NONCE)


def test_a_blob_decodes_to_the_same_packed_tensors() -> None:
    blob = _published()
    decoded = decode_result(blob)
    assert encode_result(decoded, NONCE) == blob
    assert read_trainer_nonce(blob) == NONCE
    assert all(t.is_quantized for t in decoded.tensors)


@pytest.mark.parametrize("damage", [lambda b: b[:-1], lambda b: b + b"\0", lambda b: b[:4] + b"[" + b[5:]])
def test_a_truncated_padded_or_garbled_blob_is_refused(damage: object) -> None:
    with pytest.raises(IncompatibleResultError):
        decode_result(damage(_published()))  # type: ignore[operator]


def test_values_survive_bit_for_bit() -> None:
    decoded = decode_result(_published())
    again = decode_result(encode_result(decoded, NONCE))
    for a, b in zip(decoded.tensors, again.tensors, strict=True):
        assert torch.equal(a.indices(), b.indices())


def test_a_blob_with_a_negative_nonce_is_refused() -> None:
    blob = _published()
    length = int.from_bytes(blob[:4], "big")
    header = blob[4 : 4 + length].replace(b'"trainer_nonce":5', b'"trainer_nonce":-1')
    with pytest.raises(IncompatibleResultError):
        read_trainer_nonce(blob[:4] + header + blob[4 + length :])
