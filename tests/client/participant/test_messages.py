"""Round announcements survive the wire unchanged, and a forged or garbled one is refused."""

from __future__ import annotations

import hashlib
import json

import pytest
from solders.keypair import Keypair

from client.participant.merkle import EMPTY_ROOT, merkle_root
from client.participant.messages import (
    Broadcast,
    Commitment,
    CommitteeClaim,
    Finished,
    MalformedBroadcast,
    TrainingResult,
    finished_commitment_hash,
    result_commitment_hash,
)
from coordinator_program.core import BatchId
from coordinator_program.core.types import Committee

TRAINER = Keypair()


def result_broadcast(keypair: Keypair = TRAINER) -> Broadcast:
    batch = BatchId(8, 15)
    data_hash = result_commitment_hash(4, batch, b"payload")
    return Broadcast(
        step=4,
        proof=CommitteeClaim(Committee.Trainer, 2, 1),
        commitment=Commitment.sign(keypair, data_hash),
        nonce=77,
        data=TrainingResult(batch, "ab" * 32, "http://127.0.0.1:9000"),
    )


def test_a_training_result_round_trips() -> None:
    broadcast = result_broadcast()
    assert Broadcast.decode(broadcast.encode(), TRAINER.pubkey()) == broadcast


def test_a_finished_message_round_trips() -> None:
    root = merkle_root([b"x", b"y"])
    broadcast = Broadcast(
        step=0,
        proof=CommitteeClaim(Committee.Trainer, 0, 0),
        commitment=Commitment.sign(TRAINER, finished_commitment_hash(root)),
        nonce=1,
        data=Finished(root, warmup=True),
    )
    assert Broadcast.decode(broadcast.encode(), TRAINER.pubkey()) == broadcast


def test_a_commitment_signed_by_someone_else_is_refused() -> None:
    with pytest.raises(MalformedBroadcast, match="does not verify"):
        Broadcast.decode(result_broadcast(Keypair()).encode(), TRAINER.pubkey())


def test_a_changed_commitment_hash_is_refused() -> None:
    body = json.loads(result_broadcast().encode())
    body["commitment"]["data_hash"] = "A" * 43 + "="
    with pytest.raises(MalformedBroadcast):
        Broadcast.decode(json.dumps(body).encode(), TRAINER.pubkey())


def test_a_result_naming_a_url_that_is_not_an_endpoint_is_refused() -> None:
    body = json.loads(result_broadcast().encode())
    body["training_result"]["url"] = "http://127.0.0.1:9000/somewhere-else"
    with pytest.raises(MalformedBroadcast, match="only http"):
        Broadcast.decode(json.dumps(body).encode(), TRAINER.pubkey())


@pytest.mark.parametrize("raw", [b"", b"{}", b'{"step": "x"}', b"[1, 2]"])
def test_garbage_is_refused(raw: bytes) -> None:
    with pytest.raises(MalformedBroadcast):
        Broadcast.decode(raw, TRAINER.pubkey())


def test_the_commitment_binds_step_batch_and_payload() -> None:
    base = result_commitment_hash(4, BatchId(8, 15), b"payload")
    assert (
        base
        == hashlib.sha256(
            (4).to_bytes(4, "big") + (8).to_bytes(8, "big") + (15).to_bytes(8, "big") + b"payload"
        ).digest()
    )
    assert result_commitment_hash(5, BatchId(8, 15), b"payload") != base
    assert result_commitment_hash(4, BatchId(8, 16), b"payload") != base
    assert result_commitment_hash(4, BatchId(8, 15), b"payloaD") != base


def test_merkle_root_by_hand() -> None:
    def leaf(x: bytes) -> bytes:
        return hashlib.sha256(b"\x00" + x).digest()

    def node(left: bytes, right: bytes) -> bytes:
        return hashlib.sha256(b"\x01" + left + right).digest()

    a, b, c = leaf(b"a"), leaf(b"b"), leaf(b"c")
    assert merkle_root([b"a", b"b"]) == node(a, b)
    assert merkle_root([b"a", b"b", b"c"]) == node(node(a, b), node(c, c))
    assert merkle_root([]) == EMPTY_ROOT == bytes(32)
