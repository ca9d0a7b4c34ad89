"""The core ``Coordinator`` state and its parts, in the reference's ``repr(C)`` memory layout.

Sizes (checked by the tests): NodeIdentity 64, Client 72, WitnessProof 24, WitnessBloom 192, Witness 440,
Round 14,112, CoordinatorConfig 64, CoordinatorProgress 16, CoordinatorEpochState 93,360, Coordinator 94,048.
Booleans stored as ``SmallBoolean`` are ``u8`` fields: 0 is false, any other value is true.
"""

from __future__ import annotations

import ctypes

from coordinator_program.core.types.enums import ClientState, Committee, RunState
from coordinator_program.core.types.fixed import fixed_string, fixed_vec
from coordinator_program.core.types.model import Model

__all__ = [
    "SOLANA_MAX_NUM_CLIENTS",
    "SOLANA_MAX_NUM_PENDING_CLIENTS",
    "SOLANA_MAX_NUM_WITNESSES",
    "SOLANA_RUN_ID_MAX_LEN",
    "NUM_STORED_ROUNDS",
    "MAX_TOKENS_TO_SEND",
    "MAX_EVALS",
    "SmallBoolean",
    "FixedString32",
    "NodeIdentity",
    "Client",
    "WitnessProof",
    "CommitteeProof",
    "WitnessBloom",
    "MerkleRoot",
    "Witness",
    "WitnessFixedVec",
    "Round",
    "ClientFixedVec",
    "WitnessEvalResult",
    "WitnessMetadata",
    "CoordinatorConfig",
    "CoordinatorProgress",
    "CoordinatorEpochState",
    "Coordinator",
]

SOLANA_MAX_NUM_CLIENTS = 256
SOLANA_MAX_NUM_PENDING_CLIENTS = SOLANA_MAX_NUM_CLIENTS
SOLANA_MAX_NUM_WITNESSES = 32
SOLANA_RUN_ID_MAX_LEN = 32
NUM_STORED_ROUNDS = 4
MAX_TOKENS_TO_SEND = 16
MAX_EVALS = 8

SmallBoolean = ctypes.c_uint8
FixedString32 = fixed_string(32)


class NodeIdentity(ctypes.LittleEndianStructure):
    """A client's identity. Equality and hashing use ``signer`` only, as in the reference."""

    _fields_ = [("signer", ctypes.c_uint8 * 32), ("p2p_identity", ctypes.c_uint8 * 32)]

    @classmethod
    def from_keys(cls, signer: bytes, p2p_identity: bytes) -> NodeIdentity:
        """A new identity from two 32-byte keys."""
        if len(signer) != 32 or len(p2p_identity) != 32:
            raise ValueError("NodeIdentity keys must be 32 bytes each")
        return cls.from_buffer_copy(signer + p2p_identity)

    @property
    def signer_bytes(self) -> bytes:
        return bytes(self.signer)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NodeIdentity):
            return NotImplemented
        return bytes(self.signer) == bytes(other.signer)

    def __hash__(self) -> int:
        return hash(bytes(self.signer))

    def __repr__(self) -> str:
        return f"NodeIdentity(signer={bytes(self.signer).hex()})"


class Client(ctypes.LittleEndianStructure):
    """An epoch client: ``state`` holds a :class:`ClientState` as ``u8``; ``exited_height`` is at +68."""

    _fields_ = [("id", NodeIdentity), ("state", ctypes.c_uint8), ("exited_height", ctypes.c_uint32)]

    @property
    def state_kind(self) -> ClientState:
        return ClientState(self.state)


class WitnessProof(ctypes.LittleEndianStructure):
    """``position`` in the witness shuffle, ``index`` into ``epoch_state.clients``, ``witness`` (SmallBoolean)."""

    _fields_ = [("position", ctypes.c_uint64), ("index", ctypes.c_uint64), ("witness", SmallBoolean)]


class CommitteeProof(ctypes.LittleEndianStructure):
    """``committee`` holds a :class:`Committee` (a ``u32`` in memory, a ``u8`` in Borsh). Not stored on chain."""

    _fields_ = [("committee", ctypes.c_uint32), ("position", ctypes.c_uint64), ("index", ctypes.c_uint64)]

    @property
    def committee_kind(self) -> Committee:
        return Committee(self.committee)


class WitnessBloom(ctypes.LittleEndianStructure):
    """``Bloom<16, 8>``: 8 u64 hash keys, then 1024 bits in 16 u64 words (LSB first)."""

    _fields_ = [("keys", ctypes.c_uint64 * 8), ("bits", ctypes.c_uint64 * 16)]


class MerkleRoot(ctypes.LittleEndianStructure):
    """A 32-byte Merkle root (the reference's ``HashWrapper``)."""

    _fields_ = [("inner", ctypes.c_uint8 * 32)]


class Witness(ctypes.LittleEndianStructure):
    _fields_ = [
        ("proof", WitnessProof),
        ("participant_bloom", WitnessBloom),
        ("broadcast_bloom", WitnessBloom),
        ("broadcast_merkle", MerkleRoot),
    ]


WitnessFixedVec = fixed_vec(Witness, SOLANA_MAX_NUM_WITNESSES)
ClientFixedVec = fixed_vec(Client, SOLANA_MAX_NUM_CLIENTS)


class Round(ctypes.LittleEndianStructure):
    _fields_ = [
        ("witnesses", WitnessFixedVec),
        ("data_index", ctypes.c_uint64),
        ("random_seed", ctypes.c_uint64),
        ("height", ctypes.c_uint32),
        ("clients_len", ctypes.c_uint16),
        ("tie_breaker_tasks", ctypes.c_uint16),
    ]


class WitnessEvalResult(ctypes.LittleEndianStructure):
    _fields_ = [("name", FixedString32), ("value", ctypes.c_float)]


class WitnessMetadata(ctypes.LittleEndianStructure):
    """Telemetry sent with a witness; the program decodes it and ignores it (``efficency`` is the Rust spelling)."""

    _fields_ = [
        ("step", ctypes.c_uint32),
        ("tokens_per_sec", ctypes.c_float),
        ("bandwidth_per_sec", ctypes.c_float),
        ("loss", ctypes.c_float),
        ("evals", fixed_vec(WitnessEvalResult, MAX_EVALS)),
        ("prompt_results", fixed_vec(ctypes.c_int32, MAX_TOKENS_TO_SEND)),
        ("prompt_index", ctypes.c_uint8),
        ("efficency", ctypes.c_float),
    ]


class CoordinatorConfig(ctypes.LittleEndianStructure):
    """64 bytes in declared order; natural alignment leaves no padding (so it needs no packing)."""

    _fields_ = [
        ("warmup_time", ctypes.c_uint64),
        ("cooldown_time", ctypes.c_uint64),
        ("max_round_train_time", ctypes.c_uint64),
        ("round_witness_time", ctypes.c_uint64),
        ("global_batch_size_warmup_tokens", ctypes.c_uint64),
        ("epoch_time", ctypes.c_uint64),
        ("total_steps", ctypes.c_uint32),
        ("init_min_clients", ctypes.c_uint16),
        ("min_clients", ctypes.c_uint16),
        ("witness_nodes", ctypes.c_uint16),
        ("global_batch_size_start", ctypes.c_uint16),
        ("global_batch_size_end", ctypes.c_uint16),
        ("verification_percent", ctypes.c_uint8),
        ("waiting_for_members_extra_time", ctypes.c_uint8),
    ]


class CoordinatorProgress(ctypes.LittleEndianStructure):
    """``step`` is 0 in a zeroed account (the Rust ``Default`` is 1)."""

    _fields_ = [("epoch", ctypes.c_uint16), ("step", ctypes.c_uint32), ("epoch_start_data_index", ctypes.c_uint64)]


class CoordinatorEpochState(ctypes.LittleEndianStructure):
    """Zeroed at every epoch start. ``first_round`` and ``cold_start_epoch`` are SmallBooleans."""

    _fields_ = [
        ("rounds", Round * NUM_STORED_ROUNDS),
        ("clients", ClientFixedVec),
        ("exited_clients", ClientFixedVec),
        ("rounds_head", ctypes.c_uint32),
        ("start_step", ctypes.c_uint32),
        ("last_step", ctypes.c_uint32),
        ("start_timestamp", ctypes.c_uint64),
        ("first_round", SmallBoolean),
        ("cold_start_epoch", SmallBoolean),
    ]


class Coordinator(ctypes.LittleEndianStructure):
    """The core state machine's whole state. ``run_state`` holds a :class:`RunState` as ``u8``."""

    _fields_ = [
        ("run_id", FixedString32),
        ("run_state", ctypes.c_uint8),
        ("model", Model),
        ("config", CoordinatorConfig),
        ("progress", CoordinatorProgress),
        ("epoch_state", CoordinatorEpochState),
        ("run_state_start_unix_timestamp", ctypes.c_uint64),
        ("pending_pause", SmallBoolean),
    ]

    @property
    def run_state_kind(self) -> RunState:
        """``run_state`` as a :class:`RunState` (assign ``run_state`` to change it)."""
        return RunState(self.run_state)
