"""Borsh types of the coordinator's instruction arguments (spec §7.2) and the argument structs per instruction.

The types decode into the account's ctypes structures, so a decoded ``CoordinatorConfig`` or ``Model`` can be
assigned into the account directly. Borsh order is the Rust declared order; the only place it differs from memory
is ``HubRepo``/``GcsRepo`` (``repo_id``/``bucket`` first in Borsh, the ``Option`` first in memory).

Anchor decodes instruction arguments with ``deserialize`` on the data after the discriminator and ignores bytes
left over, so :func:`decode_instruction_args` does too; use :func:`emulator.anchor.borsh.decode` where every byte
must be used.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from solders.pubkey import Pubkey

from coordinator_program.core.types import (
    LLM,
    MAX_EVALS,
    MAX_TOKENS_TO_SEND,
    AdamW,
    Checkpoint,
    CheckpointTag,
    Committee,
    CommitteeProof,
    ConstantLR,
    CoordinatorConfig,
    CoordinatorProgress,
    CosineLR,
    Distro,
    FixedString32,
    FixedString64,
    FixedString192,
    GcpLocation,
    GcsRepo,
    HttpLLMTrainingDataLocation,
    HttpTrainingDataLocation,
    HttpTrainingDataLocationTag,
    HubRepo,
    LearningRateSchedule,
    LearningRateScheduleTag,
    LinearLR,
    LLMArchitecture,
    LLMTrainingDataLocation,
    LLMTrainingDataLocationTag,
    LLMTrainingDataType,
    MerkleRoot,
    Model,
    ModelTag,
    NodeIdentity,
    NumberedFiles,
    OptimizerDefinition,
    OptimizerDefinitionTag,
    OptionF32,
    OptionFixedString64,
    Shuffle,
    ShuffleTag,
    TokenSize,
    WarmupStableDecayLR,
    Witness,
    WitnessBloom,
    WitnessEvalResult,
    WitnessMetadata,
    WitnessProof,
    fixed_vec,
)
from coordinator_program.state.borsh import CArray, CEnum, CFixedString, CFixedVec, COption, CStruct, CTaggedUnion
from coordinator_program.state.coordinator_account import RunMetadata
from emulator.anchor.borsh import (
    BOOL,
    F32,
    I32,
    PUBKEY,
    STRING,
    U8,
    U64,
    BorshType,
    Option,
    StructType,
    borsh_field,
    borsh_type,
    decode_prefix,
)

__all__ = [
    "FIXED_STRING_32",
    "FIXED_STRING_64",
    "FIXED_STRING_192",
    "RUN_METADATA",
    "COORDINATOR_CONFIG",
    "COORDINATOR_PROGRESS",
    "HUB_REPO",
    "GCS_REPO",
    "CHECKPOINT",
    "HTTP_TRAINING_DATA_LOCATION",
    "SHUFFLE",
    "HTTP_LLM_TRAINING_DATA_LOCATION",
    "LLM_TRAINING_DATA_LOCATION",
    "LEARNING_RATE_SCHEDULE",
    "OPTIMIZER_DEFINITION",
    "LLM_CODEC",
    "MODEL",
    "NODE_IDENTITY",
    "WITNESS_PROOF",
    "WITNESS_BLOOM",
    "MERKLE_ROOT",
    "WITNESS",
    "WITNESS_METADATA",
    "COMMITTEE_PROOF",
    "HealthCheck",
    "HEALTH_CHECK",
    "InitCoordinatorParams",
    "UpdateArgs",
    "UpdateClientVersionArgs",
    "SetFutureEpochRatesArgs",
    "SetPausedArgs",
    "JoinRunParams",
    "WitnessArgs",
    "WarmupWitnessArgs",
    "CheckpointArgs",
    "NoArgs",
    "INSTRUCTION_ARGS",
    "instruction_arg_types",
    "decode_instruction_args",
]

A = TypeVar("A")

FIXED_STRING_32 = CFixedString(FixedString32)
FIXED_STRING_64 = CFixedString(FixedString64)
FIXED_STRING_192 = CFixedString(FixedString192)
OPTION_F32 = COption(OptionF32, F32)
OPTION_FIXED_STRING_64 = COption(OptionFixedString64, FIXED_STRING_64)

RUN_METADATA = CStruct(RunMetadata)
COORDINATOR_CONFIG = CStruct(CoordinatorConfig)
COORDINATOR_PROGRESS = CStruct(CoordinatorProgress)

HUB_REPO = CStruct(HubRepo, {"revision": OPTION_FIXED_STRING_64}, order=("repo_id", "revision"))
GCS_REPO = CStruct(GcsRepo, {"prefix": OPTION_FIXED_STRING_64}, order=("bucket", "prefix"))
CHECKPOINT = CTaggedUnion(
    Checkpoint,
    {
        CheckpointTag.Ephemeral: None,
        CheckpointTag.Dummy: HUB_REPO,
        CheckpointTag.Hub: HUB_REPO,
        CheckpointTag.P2P: HUB_REPO,
        CheckpointTag.Gcs: GCS_REPO,
        CheckpointTag.P2PGcs: GCS_REPO,
    },
)

HTTP_TRAINING_DATA_LOCATION = CTaggedUnion(
    HttpTrainingDataLocation,
    {
        HttpTrainingDataLocationTag.SingleUrl: FIXED_STRING_192,
        HttpTrainingDataLocationTag.NumberedFiles: CStruct(NumberedFiles),
        HttpTrainingDataLocationTag.Gcp: CStruct(GcpLocation),
    },
)
SHUFFLE = CTaggedUnion(Shuffle, {ShuffleTag.DontShuffle: None, ShuffleTag.Seeded: CArray(ctypes.c_uint8 * 32, U8)})
HTTP_LLM_TRAINING_DATA_LOCATION = CStruct(
    HttpLLMTrainingDataLocation,
    {"location": HTTP_TRAINING_DATA_LOCATION, "token_size_in_bytes": CEnum(TokenSize), "shuffle": SHUFFLE},
)
LLM_TRAINING_DATA_LOCATION = CTaggedUnion(
    LLMTrainingDataLocation,
    {
        LLMTrainingDataLocationTag.Dummy: None,
        LLMTrainingDataLocationTag.Server: FIXED_STRING_64,
        LLMTrainingDataLocationTag.Local: FIXED_STRING_192,
        LLMTrainingDataLocationTag.Http: HTTP_LLM_TRAINING_DATA_LOCATION,
        LLMTrainingDataLocationTag.WeightedHttp: FIXED_STRING_192,
        LLMTrainingDataLocationTag.Preprocessed: FIXED_STRING_192,
    },
)
LEARNING_RATE_SCHEDULE = CTaggedUnion(
    LearningRateSchedule,
    {
        LearningRateScheduleTag.Constant: CStruct(ConstantLR),
        LearningRateScheduleTag.Linear: CStruct(LinearLR),
        LearningRateScheduleTag.Cosine: CStruct(CosineLR),
        LearningRateScheduleTag.WarmupStableDecay: CStruct(WarmupStableDecayLR),
    },
)
OPTIMIZER_DEFINITION = CTaggedUnion(
    OptimizerDefinition,
    {
        OptimizerDefinitionTag.Dummy: None,
        OptimizerDefinitionTag.AdamW: CStruct(AdamW, {"clip_grad_norm": OPTION_F32}),
        OptimizerDefinitionTag.Distro: CStruct(Distro, {"clip_grad_norm": OPTION_F32, "weight_decay": OPTION_F32}),
    },
)
LLM_CODEC = CStruct(
    LLM,
    {
        "architecture": CEnum(LLMArchitecture),
        "checkpoint": CHECKPOINT,
        "data_type": CEnum(LLMTrainingDataType),
        "data_location": LLM_TRAINING_DATA_LOCATION,
        "lr_schedule": LEARNING_RATE_SCHEDULE,
        "optimizer": OPTIMIZER_DEFINITION,
    },
)
MODEL = CTaggedUnion(Model, {ModelTag.LLM: LLM_CODEC})

NODE_IDENTITY = CStruct(NodeIdentity)
WITNESS_PROOF = CStruct(WitnessProof)
WITNESS_BLOOM = CStruct(WitnessBloom)
MERKLE_ROOT = CStruct(MerkleRoot)
WITNESS = CStruct(
    Witness,
    {
        "proof": WITNESS_PROOF,
        "participant_bloom": WITNESS_BLOOM,
        "broadcast_bloom": WITNESS_BLOOM,
        "broadcast_merkle": MERKLE_ROOT,
    },
)
WITNESS_METADATA = CStruct(
    WitnessMetadata,
    {
        "evals": CFixedVec(fixed_vec(WitnessEvalResult, MAX_EVALS), CStruct(WitnessEvalResult)),
        "prompt_results": CFixedVec(fixed_vec(ctypes.c_int32, MAX_TOKENS_TO_SEND), I32),
    },
)
COMMITTEE_PROOF = CStruct(CommitteeProof, {"committee": CEnum(Committee)})


@dataclass(frozen=True)
class HealthCheck:
    """One ``HealthChecks`` entry: the reported client and the committee proof of its index."""

    id: NodeIdentity = borsh_field(NODE_IDENTITY)
    proof: CommitteeProof = borsh_field(COMMITTEE_PROOF)


HEALTH_CHECK = borsh_type(HealthCheck)


@dataclass(frozen=True)
class InitCoordinatorParams:
    main_authority: Pubkey = borsh_field(PUBKEY)
    join_authority: Pubkey = borsh_field(PUBKEY)
    run_id: str = borsh_field(STRING)
    client_version: str = borsh_field(STRING)


@dataclass(frozen=True)
class UpdateArgs:
    """``update``: each part is replaced only when given."""

    metadata: RunMetadata | None = borsh_field(Option(RUN_METADATA))
    config: CoordinatorConfig | None = borsh_field(Option(COORDINATOR_CONFIG))
    model: Model | None = borsh_field(Option(MODEL))
    progress: CoordinatorProgress | None = borsh_field(Option(COORDINATOR_PROGRESS))


@dataclass(frozen=True)
class UpdateClientVersionArgs:
    new_version: str = borsh_field(STRING)


@dataclass(frozen=True)
class SetFutureEpochRatesArgs:
    epoch_earning_rate_total_shared: int | None = borsh_field(Option(U64))
    epoch_slashing_rate_per_client: int | None = borsh_field(Option(U64))


@dataclass(frozen=True)
class SetPausedArgs:
    paused: bool = borsh_field(BOOL)


@dataclass(frozen=True)
class JoinRunParams:
    client_id: NodeIdentity = borsh_field(NODE_IDENTITY)


@dataclass(frozen=True)
class WarmupWitnessArgs:
    proof: WitnessProof = borsh_field(WITNESS_PROOF)
    participant_bloom: WitnessBloom = borsh_field(WITNESS_BLOOM)
    broadcast_bloom: WitnessBloom = borsh_field(WITNESS_BLOOM)
    broadcast_merkle: MerkleRoot = borsh_field(MERKLE_ROOT)


@dataclass(frozen=True)
class WitnessArgs(WarmupWitnessArgs):
    metadata: WitnessMetadata = borsh_field(WITNESS_METADATA)


@dataclass(frozen=True)
class CheckpointArgs:
    repo: Checkpoint = borsh_field(CHECKPOINT)


@dataclass(frozen=True)
class NoArgs:
    """``tick`` and ``free_coordinator`` carry no argument bytes.

    The reference's ``free_coordinator`` takes an empty ``FreeCoordinatorParams`` struct, the IDL name given here.
    """

    IDL_NAME: ClassVar[str] = "FreeCoordinatorParams"


INSTRUCTION_ARGS: dict[str, type] = {
    "init_coordinator": InitCoordinatorParams,
    "free_coordinator": NoArgs,
    "update": UpdateArgs,
    "update_client_version": UpdateClientVersionArgs,
    "set_future_epoch_rates": SetFutureEpochRatesArgs,
    "set_paused": SetPausedArgs,
    "join_run": JoinRunParams,
    "tick": NoArgs,
    "witness": WitnessArgs,
    "warmup_witness": WarmupWitnessArgs,
    "health_check": HealthCheck,
    "checkpoint": CheckpointArgs,
}
"""Argument struct per instruction name (the data after the 8-byte discriminator)."""


def instruction_arg_types(name: str) -> dict[str, BorshType[Any]]:
    """The instruction's arguments one by one (its argument struct's fields), as its ``Instruction`` declares them."""
    struct: BorshType[Any] = borsh_type(INSTRUCTION_ARGS[name])
    assert isinstance(struct, StructType), "every argument record is a dataclass"
    return dict(struct.fields)


def decode_instruction_args(args: BorshType[A] | type[A], data: bytes | bytearray | memoryview) -> A:
    """Decode arguments as Anchor does: from the start of ``data``, ignoring bytes left over."""
    return decode_prefix(args, data)[0]
