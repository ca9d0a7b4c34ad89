"""The centralized protocol's messages: each kind round-trips, and malformed bytes are refused by name."""

from __future__ import annotations

import struct
import zlib

import pytest

from centralized_server.errors import MalformedMessage, UnsupportedVersion
from centralized_server.wire import (
    PROTOCOL_VERSION,
    Challenge,
    CheckpointMessage,
    ClientCapabilities,
    CoordinatorUpdate,
    DataRequest,
    ErrorMessage,
    HealthCheckMessage,
    Hello,
    Join,
    Message,
    MessageKind,
    TrainingData,
    WarmupWitnessMessage,
    WitnessMessage,
    decode_message,
    encode_message,
)
from client.participant.chain_link import hub_checkpoint
from coordinator_program.core.types import CommitteeProof, Coordinator, NodeIdentity, Witness, WitnessMetadata
from coordinator_program.state.borsh_args import HealthCheck
from emulator.anchor.borsh import STRING, encode

KEY = bytes(range(32))
V = PROTOCOL_VERSION


def _witness() -> Witness:
    witness = Witness()
    witness.proof.index = 3
    witness.proof.witness = 1
    witness.participant_bloom.keys[0] = 99
    return witness


def test_every_message_kind_round_trips() -> None:
    coordinator = Coordinator()
    coordinator.run_id.value = "run"
    metadata = WitnessMetadata(step=4, loss=2.5)
    check = HealthCheck(id=NodeIdentity.from_keys(KEY, KEY), proof=CommitteeProof(committee=0, position=1, index=2))
    messages: list[Message] = [
        Challenge(bytes(32)),
        CoordinatorUpdate(7, bytes(coordinator), (bytes(NodeIdentity.from_keys(KEY, KEY)),)),
        ErrorMessage("no"),
        Hello(KEY, bytes(64), "run"),
        Join(ClientCapabilities("cuda:1", 2)),
        WarmupWitnessMessage(_witness()),
        HealthCheckMessage((check,)),
        DataRequest(3, 8),
        TrainingData(2, bytes(12)),
    ]
    for message in messages:
        assert encode_message(decode_message(encode_message(message))) == encode_message(message)
    witnessed = decode_message(encode_message(WitnessMessage(_witness(), metadata)))
    assert isinstance(witnessed, WitnessMessage)
    assert bytes(witnessed.witness) == bytes(_witness()) and witnessed.metadata.loss == 2.5
    announced = decode_message(encode_message(CheckpointMessage(hub_checkpoint("org/model", "rev1"))))
    assert isinstance(announced, CheckpointMessage)
    assert bytes(announced.checkpoint) == bytes(hub_checkpoint("org/model", "rev1"))


@pytest.mark.parametrize(
    ("payload", "error", "words"),
    [
        (b"", MalformedMessage, "no version"),
        (bytes([1, MessageKind.Join]), UnsupportedVersion, "version 1 is not supported"),
        (bytes([V, 99]), MalformedMessage, "unknown message kind 99"),
        (bytes([V, MessageKind.Join]) + b"x", MalformedMessage, "Join message that does not decode"),
        (bytes([V, MessageKind.Join]) + encode(STRING, "c" * 33) + b"\x00", MalformedMessage, "at most 32 bytes"),
        (bytes([V, MessageKind.Join]) + encode(STRING, "cpu") + b"\x00\x00", MalformedMessage, "trailing"),
        (bytes([V, MessageKind.Hello]) + bytes(95), MalformedMessage, "Hello body"),
        (bytes([V, MessageKind.Hello]) + bytes(96) + b"\xff", MalformedMessage, "does not decode"),
        (bytes([V, MessageKind.WarmupWitness]) + bytes(10), MalformedMessage, "does not decode"),
        (bytes([V, MessageKind.Checkpoint]) + struct.pack("<B", 200), MalformedMessage, "does not decode"),
        (bytes([V, MessageKind.HealthCheck]) + struct.pack("<I", 1000), MalformedMessage, "does not decode"),
        (bytes([V, MessageKind.DataRequest]) + struct.pack("<QQ", 9, 8), MalformedMessage, "names none"),
        (bytes([V, MessageKind.DataRequest]) + bytes(8), MalformedMessage, "DataRequest body is 16 bytes"),
        (bytes([V, MessageKind.TrainingData, 3]) + bytes(6), MalformedMessage, "whole 2- or 4-byte tokens"),
        (bytes([V, MessageKind.TrainingData, 4]) + bytes(6), MalformedMessage, "whole 2- or 4-byte tokens"),
    ],
)
def test_malformed_payloads_are_refused_with_a_reason(payload: bytes, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=words):
        decode_message(payload)


def test_a_coordinator_that_inflates_past_its_largest_size_is_refused() -> None:
    bomb = zlib.compress(bytes(50 * 1024 * 1024), 9)  # 50 MB of zeros in ~50 kB
    payload = bytes([V, MessageKind.Coordinator]) + struct.pack("<Q", 1) + bomb
    with pytest.raises(MalformedMessage, match="inflates past"):
        decode_message(payload)
