"""The centralized protocol, version 2: length-prefixed frames over TCP, one message per frame.

Frame: ``u32`` big-endian payload length, then the payload: ``u8`` protocol version (2), ``u8`` message kind,
the body. A frame the server receives is at most :data:`MAX_CLIENT_FRAME` bytes, one it sends at most
:data:`MAX_SERVER_FRAME`; a longer length prefix is refused before a byte of the body is read.

Conversation: the server sends ``Challenge`` (32 random bytes). The client answers ``Hello`` (its ed25519 public
key, its signature over :func:`hello_message` of that challenge and the run id, the run id): this proves the
identity every later message is attributed to, so no message carries its sender. Then the client sends ``Join``
once (spec client-training.md §1.2: it stays pending for every epoch while connected) with its
:class:`ClientCapabilities` (the device it trains on and its MatFormer tier, which the server logs beside each
witness's loss, as the reference's MatFormer fork does), then ``Witness``, ``WarmupWitness``, ``HealthCheck`` and
``Checkpoint`` as the run asks; the server sends ``Coordinator`` after every change. A message the server refuses
gets ``Error`` (a UTF-8 reason) and the connection is closed.

The data server (a run whose data location is ``Server``) speaks the same frames on its own port: after the same
challenge and hello, ``DataRequest`` (two ``u64``: a batch's first and last sample id) gets ``TrainingData`` (a
``u8`` token width, 2 or 4, then the samples' tokens) or ``Error``.

Bodies reuse the coordinator program's Borsh encodings of its instruction arguments (``Witness``,
``WitnessMetadata``, ``HealthCheck``, ``Checkpoint``), so they are validated by the same decoders as a
transaction's. ``Join`` carries Borsh ``ClientCapabilities { device: String, matformer_tier: u8 }`` (version 1's
``Join`` was empty; a version-1 peer is refused by its version byte). ``Coordinator`` carries a ``u64`` sequence
number, then zlib of the raw ``Coordinator`` structure (the program account's layout) followed by a ``u16`` count
and that many 64-byte ``NodeIdentity`` of the pending clients.
"""

from __future__ import annotations

import asyncio
import ctypes
import struct
import zlib
from dataclasses import dataclass
from enum import IntEnum
from typing import assert_never

from centralized_server.errors import FrameTooLarge, MalformedMessage, UnsupportedVersion
from coordinator_program.core.types import (
    SOLANA_MAX_NUM_CLIENTS,
    Checkpoint,
    Coordinator,
    NodeIdentity,
    Witness,
    WitnessMetadata,
)
from coordinator_program.state.borsh_args import CHECKPOINT, HEALTH_CHECK, WITNESS, WITNESS_METADATA, HealthCheck
from emulator.anchor.borsh import (
    STRING,
    U8,
    BorshDecodeError,
    Vec,
    borsh_field,
    decode,
    decode_prefix,
    encode,
)

__all__ = [
    "CHALLENGE_BYTES",
    "MAX_CLIENT_FRAME",
    "MAX_SERVER_FRAME",
    "PROTOCOL_VERSION",
    "Challenge",
    "CheckpointMessage",
    "ClientCapabilities",
    "ClientMessage",
    "CoordinatorUpdate",
    "DataRequest",
    "ErrorMessage",
    "HealthCheckMessage",
    "Hello",
    "Join",
    "Message",
    "MessageKind",
    "TrainingData",
    "WarmupWitnessMessage",
    "WitnessMessage",
    "decode_message",
    "encode_message",
    "hello_message",
    "read_frame",
    "write_frame",
]

PROTOCOL_VERSION = 2
MAX_CLIENT_FRAME = 64 * 1024
"""Largest frame a client may send: a witness with its metadata is under 1 kB, 256 health checks under 20 kB."""
MAX_SERVER_FRAME = 1024 * 1024
"""Largest frame the server sends: a compressed coordinator (94 kB raw) with 256 pending identities fits easily."""
CHALLENGE_BYTES = 32
MAX_RUN_ID_BYTES = 32  # the coordinator's run_id is a FixedString32
MAX_DEVICE_BYTES = 32
"""Longest device name a ``Join`` may carry (``cuda:N`` and the like are a few bytes)."""
_COORDINATOR_BYTES = ctypes.sizeof(Coordinator)
_IDENTITY_BYTES = ctypes.sizeof(NodeIdentity)
_HEALTH_CHECKS = Vec(HEALTH_CHECK)
_LENGTH = struct.Struct(">I")
_HEADER = struct.Struct("<BB")
_SEQUENCE = struct.Struct("<Q")
_COUNT = struct.Struct("<H")
_RANGE = struct.Struct("<QQ")


class MessageKind(IntEnum):
    """The second byte of every payload; 1..15 the server sends, 16.. the client sends."""

    Challenge = 1
    Coordinator = 2
    Error = 3
    TrainingData = 4
    Hello = 16
    Join = 17
    Witness = 18
    WarmupWitness = 19
    HealthCheck = 20
    Checkpoint = 21
    DataRequest = 22


@dataclass(frozen=True)
class Challenge:
    nonce: bytes


@dataclass(frozen=True)
class CoordinatorUpdate:
    """The whole coordinator (raw structure bytes) and the clients pending for the next epoch."""

    sequence: int
    coordinator: bytes
    pending: tuple[bytes, ...]


@dataclass(frozen=True)
class ErrorMessage:
    reason: str


@dataclass(frozen=True)
class Hello:
    signer: bytes
    signature: bytes
    run_id: str


@dataclass(frozen=True)
class ClientCapabilities:
    """What a client tells the server about itself when it joins: where it trains, and its MatFormer tier."""

    device: str = borsh_field(STRING)
    matformer_tier: int = borsh_field(U8)


@dataclass(frozen=True)
class Join:
    capabilities: ClientCapabilities


@dataclass(frozen=True)
class WitnessMessage:
    witness: Witness
    metadata: WitnessMetadata


@dataclass(frozen=True)
class WarmupWitnessMessage:
    witness: Witness


@dataclass(frozen=True)
class HealthCheckMessage:
    checks: tuple[HealthCheck, ...]


@dataclass(frozen=True)
class CheckpointMessage:
    checkpoint: Checkpoint


@dataclass(frozen=True)
class DataRequest:
    """The data server: the samples ``start..=end`` (a batch id), for a client of the current epoch."""

    start: int
    end: int


@dataclass(frozen=True)
class TrainingData:
    """The data server's answer: the samples' raw little-endian tokens, ``token_bytes`` wide, in id order."""

    token_bytes: int
    tokens: bytes


ClientMessage = (
    Hello | Join | WitnessMessage | WarmupWitnessMessage | HealthCheckMessage | CheckpointMessage | DataRequest
)
Message = Challenge | CoordinatorUpdate | ErrorMessage | TrainingData | ClientMessage


def hello_message(nonce: bytes, run_id: str) -> bytes:
    """What a client signs: a domain tag, the version, this connection's challenge, and the run it joins."""
    return b"psyche-centralized-hello" + bytes([PROTOCOL_VERSION]) + nonce + run_id.encode()


async def read_frame(reader: asyncio.StreamReader, limit: int) -> bytes:
    """One frame's payload; FrameTooLarge past ``limit``, IncompleteReadError when the peer vanishes mid-frame."""
    (length,) = _LENGTH.unpack(await reader.readexactly(_LENGTH.size))
    if length > limit:
        raise FrameTooLarge(f"a frame of {length} bytes is over the {limit}-byte limit")
    return await reader.readexactly(length)


def write_frame(writer: asyncio.StreamWriter, payload: bytes) -> None:
    writer.write(_LENGTH.pack(len(payload)) + payload)


def encode_message(message: Message) -> bytes:
    """The frame payload of ``message``: version, kind, body."""
    kind, body = _encode_body(message)
    return _HEADER.pack(PROTOCOL_VERSION, kind) + body


def _encode_body(message: Message) -> tuple[MessageKind, bytes]:
    match message:
        case Challenge(nonce):
            return MessageKind.Challenge, nonce
        case CoordinatorUpdate(sequence, coordinator, pending):
            packed = coordinator + _COUNT.pack(len(pending)) + b"".join(pending)
            return MessageKind.Coordinator, _SEQUENCE.pack(sequence) + zlib.compress(packed, 1)
        case ErrorMessage(reason):
            return MessageKind.Error, reason.encode()
        case Hello(signer, signature, run_id):
            return MessageKind.Hello, signer + signature + run_id.encode()
        case Join(capabilities):
            return MessageKind.Join, encode(ClientCapabilities, capabilities)
        case WitnessMessage(witness, metadata):
            return MessageKind.Witness, encode(WITNESS, witness) + encode(WITNESS_METADATA, metadata)
        case WarmupWitnessMessage(witness):
            return MessageKind.WarmupWitness, encode(WITNESS, witness)
        case HealthCheckMessage(checks):
            return MessageKind.HealthCheck, encode(_HEALTH_CHECKS, list(checks))
        case CheckpointMessage(checkpoint):
            return MessageKind.Checkpoint, encode(CHECKPOINT, checkpoint)
        case DataRequest(start, end):
            return MessageKind.DataRequest, _RANGE.pack(start, end)
        case TrainingData(token_bytes, tokens):
            return MessageKind.TrainingData, bytes([token_bytes]) + tokens
        case _:
            assert_never(message)


def decode_message(payload: bytes) -> Message:
    """Parse a frame payload; UnsupportedVersion or MalformedMessage say what is wrong with it."""
    if len(payload) < _HEADER.size:
        raise MalformedMessage(f"a {len(payload)}-byte frame has no version and kind")
    version, kind_byte = _HEADER.unpack_from(payload)
    if version != PROTOCOL_VERSION:
        raise UnsupportedVersion(f"protocol version {version} is not supported (this end speaks {PROTOCOL_VERSION})")
    try:
        kind = MessageKind(kind_byte)
    except ValueError:
        raise MalformedMessage(f"unknown message kind {kind_byte}") from None
    body = payload[_HEADER.size :]
    try:
        return _decode_body(kind, body)
    except (BorshDecodeError, zlib.error, UnicodeDecodeError, struct.error) as exc:
        raise MalformedMessage(f"a {kind.name} message that does not decode: {exc}") from exc


def _exact(body: bytes, size: int, kind: MessageKind) -> bytes:
    if len(body) != size:
        raise MalformedMessage(f"a {kind.name} body is {size} bytes, got {len(body)}")
    return body


def _decode_body(kind: MessageKind, body: bytes) -> Message:
    match kind:
        case MessageKind.Challenge:
            return Challenge(_exact(body, CHALLENGE_BYTES, kind))
        case MessageKind.Coordinator:
            return _decode_coordinator(body)
        case MessageKind.Error:
            return ErrorMessage(body.decode())
        case MessageKind.Hello:
            if len(body) < 96 or len(body) - 96 > MAX_RUN_ID_BYTES:
                raise MalformedMessage(f"a Hello body is 96 bytes and a run id of at most 32, got {len(body)}")
            return Hello(body[:32], body[32:96], body[96:].decode())
        case MessageKind.Join:
            capabilities = decode(ClientCapabilities, body)
            if len(capabilities.device.encode()) > MAX_DEVICE_BYTES:
                raise MalformedMessage(f"a Join's device name is at most {MAX_DEVICE_BYTES} bytes")
            return Join(capabilities)
        case MessageKind.Witness:
            witness, end = decode_prefix(WITNESS, body)
            return WitnessMessage(witness, decode(WITNESS_METADATA, body[end:]))
        case MessageKind.WarmupWitness:
            return WarmupWitnessMessage(decode(WITNESS, body))
        case MessageKind.HealthCheck:
            checks = decode(_HEALTH_CHECKS, body)
            if len(checks) > SOLANA_MAX_NUM_CLIENTS:
                raise MalformedMessage(f"{len(checks)} health checks; a run has at most {SOLANA_MAX_NUM_CLIENTS}")
            return HealthCheckMessage(tuple(checks))
        case MessageKind.Checkpoint:
            return CheckpointMessage(Checkpoint.from_buffer_copy(decode(CHECKPOINT, body)))
        case MessageKind.DataRequest:
            start, end = _RANGE.unpack(_exact(body, _RANGE.size, kind))
            if start > end:
                raise MalformedMessage(f"a DataRequest for samples {start}..={end} names none")
            return DataRequest(start, end)
        case MessageKind.TrainingData:
            if not body or body[0] not in (2, 4) or (len(body) - 1) % body[0]:
                raise MalformedMessage(f"a TrainingData body of {len(body)} bytes is not whole 2- or 4-byte tokens")
            return TrainingData(body[0], body[1:])
        case _:
            assert_never(kind)


def _decode_coordinator(body: bytes) -> CoordinatorUpdate:
    (sequence,) = _SEQUENCE.unpack_from(body)
    most = _COORDINATOR_BYTES + _COUNT.size + SOLANA_MAX_NUM_CLIENTS * _IDENTITY_BYTES
    inflater = zlib.decompressobj()
    packed = inflater.decompress(body[_SEQUENCE.size :], most)  # bounded: a zip bomb stops at ``most`` bytes
    if inflater.unconsumed_tail or not inflater.eof:
        raise MalformedMessage("a Coordinator body that inflates past its largest size or is cut short")
    if len(packed) < _COORDINATOR_BYTES + _COUNT.size:
        raise MalformedMessage(f"a Coordinator body of {len(packed)} bytes is shorter than a coordinator")
    (count,) = _COUNT.unpack_from(packed, _COORDINATOR_BYTES)
    identities = packed[_COORDINATOR_BYTES + _COUNT.size :]
    if len(identities) != count * _IDENTITY_BYTES:
        raise MalformedMessage(f"{count} pending identities in {len(identities)} bytes")
    pending = tuple(identities[i : i + _IDENTITY_BYTES] for i in range(0, len(identities), _IDENTITY_BYTES))
    return CoordinatorUpdate(sequence, packed[:_COORDINATOR_BYTES], pending)
