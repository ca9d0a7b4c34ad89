"""The model description (``Model::LLM``) in the reference's memory layout.

A Rust ``#[repr(C)]`` enum with data is a ``u32`` tag followed by a union of its variants, aligned to the largest
variant; :class:`TaggedUnion` gives such a structure a typed ``kind`` and ``variant()``/``set_variant()``. Bytes of
the union that the current variant does not use are meaningless: the reference leaves whatever was on its stack
there, while :meth:`TaggedUnion.set_variant` zeroes them.

``HubRepo`` and ``GcsRepo`` are *not* ``repr(C)`` in the reference; rustc put the ``Option`` first. Their Borsh
order (``repo_id``/``bucket`` first) is declared in the Borsh codecs, not here.
"""

from __future__ import annotations

import ctypes
from collections.abc import Mapping
from enum import IntEnum
from typing import Any, ClassVar

from coordinator_program.core.types.enums import (
    CheckpointTag,
    HttpTrainingDataLocationTag,
    LearningRateScheduleTag,
    LLMArchitecture,
    LLMTrainingDataLocationTag,
    LLMTrainingDataType,
    ModelTag,
    OptimizerDefinitionTag,
    ShuffleTag,
    TokenSize,
)
from coordinator_program.core.types.fixed import fixed_string, option_of

__all__ = [
    "SOLANA_MAX_STRING_LEN",
    "SOLANA_MAX_URL_STRING_LEN",
    "FixedString64",
    "FixedString192",
    "OptionF32",
    "OptionFixedString64",
    "TaggedUnion",
    "InvalidTagError",
    "HubRepo",
    "GcsRepo",
    "Checkpoint",
    "NumberedFiles",
    "GcpLocation",
    "HttpTrainingDataLocation",
    "Shuffle",
    "HttpLLMTrainingDataLocation",
    "LLMTrainingDataLocation",
    "ConstantLR",
    "LinearLR",
    "CosineLR",
    "WarmupStableDecayLR",
    "LearningRateSchedule",
    "AdamW",
    "Distro",
    "OptimizerDefinition",
    "LLM",
    "Model",
]

SOLANA_MAX_STRING_LEN = 64
SOLANA_MAX_URL_STRING_LEN = 192

FixedString64 = fixed_string(SOLANA_MAX_STRING_LEN)
FixedString192 = fixed_string(SOLANA_MAX_URL_STRING_LEN)
OptionF32 = option_of(ctypes.c_float)
OptionFixedString64 = option_of(FixedString64)


class InvalidTagError(ValueError):
    """A tag in account memory that names no variant (only a corrupted account has one)."""


class TaggedUnion(ctypes.LittleEndianStructure):
    """Base of the ``repr(C)`` enums with data: fields ``tag`` (u32) and ``payload`` (a union).

    ``VARIANTS`` maps each tag to the payload member that holds its data, or None for a unit variant.
    """

    TAGS: ClassVar[type[IntEnum]]
    VARIANTS: ClassVar[Mapping[int, str | None]]

    @property
    def kind(self) -> Any:
        """The variant as a ``TAGS`` member; :class:`InvalidTagError` for an unknown tag."""
        tag = int(self.tag)
        if tag not in self.VARIANTS:
            raise InvalidTagError(f"{type(self).__name__}: invalid tag {tag}")
        return self.TAGS(tag)

    def variant(self) -> Any | None:
        """The current variant's data (a live view, or the raw value for a scalar member), None for a unit one."""
        member = self.VARIANTS[self.kind]
        return None if member is None else getattr(self.payload, member)

    def set_variant(self, kind: int, value: Any = None) -> None:
        """Switch to ``kind``: zero the union, set the tag and store ``value`` (required iff the variant has data)."""
        if kind not in self.VARIANTS:
            raise InvalidTagError(f"{type(self).__name__}: invalid tag {kind}")
        member = self.VARIANTS[kind]
        if (member is None) != (value is None):
            need = "takes no" if member is None else "needs"
            raise ValueError(f"{type(self).__name__}.{self.TAGS(kind).name} {need} data")
        ctypes.memset(ctypes.addressof(self.payload), 0, ctypes.sizeof(self.payload))
        self.tag = int(kind)
        if member is not None:
            setattr(self.payload, member, value)

    def __repr__(self) -> str:
        try:
            name = self.kind.name
        except InvalidTagError:
            return f"{type(self).__name__}(tag={int(self.tag)})"
        return f"{type(self).__name__}.{name}({self.variant()!r})"


class HubRepo(ctypes.LittleEndianStructure):
    """A Hugging Face repo. Memory order (rustc's choice): ``revision`` then ``repo_id`` at +65."""

    _fields_ = [("revision", OptionFixedString64), ("repo_id", FixedString64)]


class GcsRepo(ctypes.LittleEndianStructure):
    """A GCS location. Memory order as for :class:`HubRepo`: ``prefix`` then ``bucket``."""

    _fields_ = [("prefix", OptionFixedString64), ("bucket", FixedString64)]


class _CheckpointPayload(ctypes.LittleEndianUnion):
    _fields_ = [("hub_repo", HubRepo), ("gcs_repo", GcsRepo)]


class Checkpoint(TaggedUnion):
    """136 bytes: tag, then the repo at +4."""

    _fields_ = [("tag", ctypes.c_uint32), ("payload", _CheckpointPayload)]
    TAGS = CheckpointTag
    VARIANTS = {
        CheckpointTag.Ephemeral: None,
        CheckpointTag.Dummy: "hub_repo",
        CheckpointTag.Hub: "hub_repo",
        CheckpointTag.P2P: "hub_repo",
        CheckpointTag.Gcs: "gcs_repo",
        CheckpointTag.P2PGcs: "gcs_repo",
    }


class NumberedFiles(ctypes.LittleEndianStructure):
    """``HttpTrainingDataLocation::NumberedFiles``."""

    _fields_ = [
        ("url_template", FixedString64),
        ("start_index", ctypes.c_uint32),
        ("n_left_pad_zeros", ctypes.c_uint8),
        ("num_files", ctypes.c_uint32),
    ]


class GcpLocation(ctypes.LittleEndianStructure):
    """``HttpTrainingDataLocation::Gcp``; an empty ``filter_directory`` means no filter."""

    _fields_ = [("bucket_name", FixedString64), ("filter_directory", FixedString192)]


class _HttpTrainingDataLocationPayload(ctypes.LittleEndianUnion):
    _fields_ = [("single_url", FixedString192), ("numbered_files", NumberedFiles), ("gcp", GcpLocation)]


class HttpTrainingDataLocation(TaggedUnion):
    _fields_ = [("tag", ctypes.c_uint32), ("payload", _HttpTrainingDataLocationPayload)]
    TAGS = HttpTrainingDataLocationTag
    VARIANTS = {
        HttpTrainingDataLocationTag.SingleUrl: "single_url",
        HttpTrainingDataLocationTag.NumberedFiles: "numbered_files",
        HttpTrainingDataLocationTag.Gcp: "gcp",
    }


class _ShufflePayload(ctypes.LittleEndianUnion):
    _fields_ = [("seeded", ctypes.c_uint8 * 32)]


class Shuffle(TaggedUnion):
    _fields_ = [("tag", ctypes.c_uint32), ("payload", _ShufflePayload)]
    TAGS = ShuffleTag
    VARIANTS = {ShuffleTag.DontShuffle: None, ShuffleTag.Seeded: "seeded"}


class HttpLLMTrainingDataLocation(ctypes.LittleEndianStructure):
    """``token_size_in_bytes`` holds a :class:`TokenSize` as a ``u32``."""

    _fields_ = [
        ("location", HttpTrainingDataLocation),
        ("token_size_in_bytes", ctypes.c_uint32),
        ("shuffle", Shuffle),
    ]

    @property
    def token_size_kind(self) -> TokenSize:
        return TokenSize(self.token_size_in_bytes)


class _LLMTrainingDataLocationPayload(ctypes.LittleEndianUnion):
    _fields_ = [
        ("server", FixedString64),
        ("local", FixedString192),
        ("http", HttpLLMTrainingDataLocation),
        ("weighted_http", FixedString192),
        ("preprocessed", FixedString192),
    ]


class LLMTrainingDataLocation(TaggedUnion):
    """304 bytes: tag, then the variant at +4."""

    _fields_ = [("tag", ctypes.c_uint32), ("payload", _LLMTrainingDataLocationPayload)]
    TAGS = LLMTrainingDataLocationTag
    VARIANTS = {
        LLMTrainingDataLocationTag.Dummy: None,
        LLMTrainingDataLocationTag.Server: "server",
        LLMTrainingDataLocationTag.Local: "local",
        LLMTrainingDataLocationTag.Http: "http",
        LLMTrainingDataLocationTag.WeightedHttp: "weighted_http",
        LLMTrainingDataLocationTag.Preprocessed: "preprocessed",
    }


class ConstantLR(ctypes.LittleEndianStructure):
    _fields_ = [("base_lr", ctypes.c_double), ("warmup_init_lr", ctypes.c_double), ("warmup_steps", ctypes.c_uint32)]


class LinearLR(ctypes.LittleEndianStructure):
    _fields_ = [
        ("base_lr", ctypes.c_double),
        ("warmup_init_lr", ctypes.c_double),
        ("final_lr", ctypes.c_double),
        ("warmup_steps", ctypes.c_uint32),
        ("total_steps", ctypes.c_uint32),
    ]


class CosineLR(ctypes.LittleEndianStructure):
    _fields_ = LinearLR._fields_


class WarmupStableDecayLR(ctypes.LittleEndianStructure):
    _fields_ = [
        ("base_lr", ctypes.c_double),
        ("warmup_init_lr", ctypes.c_double),
        ("cosine_decay_final_lr", ctypes.c_double),
        ("linear_decay_final_lr", ctypes.c_double),
        ("warmup_steps", ctypes.c_uint32),
        ("stable_steps", ctypes.c_uint32),
        ("cosine_decay_steps", ctypes.c_uint32),
        ("linear_decay_steps", ctypes.c_uint32),
    ]


class _LearningRateSchedulePayload(ctypes.LittleEndianUnion):
    _fields_ = [
        ("constant", ConstantLR),
        ("linear", LinearLR),
        ("cosine", CosineLR),
        ("warmup_stable_decay", WarmupStableDecayLR),
    ]


class LearningRateSchedule(TaggedUnion):
    """56 bytes: tag, 4 bytes of padding, then the schedule at +8."""

    _fields_ = [("tag", ctypes.c_uint32), ("payload", _LearningRateSchedulePayload)]
    TAGS = LearningRateScheduleTag
    VARIANTS = {
        LearningRateScheduleTag.Constant: "constant",
        LearningRateScheduleTag.Linear: "linear",
        LearningRateScheduleTag.Cosine: "cosine",
        LearningRateScheduleTag.WarmupStableDecay: "warmup_stable_decay",
    }


class AdamW(ctypes.LittleEndianStructure):
    """``OptimizerDefinition::AdamW``."""

    _fields_ = [
        ("betas", ctypes.c_float * 2),
        ("weight_decay", ctypes.c_float),
        ("eps", ctypes.c_float),
        ("clip_grad_norm", OptionF32),
    ]


class Distro(ctypes.LittleEndianStructure):
    """``OptimizerDefinition::Distro``."""

    _fields_ = [
        ("clip_grad_norm", OptionF32),
        ("weight_decay", OptionF32),
        ("compression_decay", ctypes.c_float),
        ("compression_topk", ctypes.c_uint16),
        ("compression_chunk", ctypes.c_uint16),
        ("quantize_1bit", ctypes.c_bool),
    ]


class _OptimizerDefinitionPayload(ctypes.LittleEndianUnion):
    _fields_ = [("adamw", AdamW), ("distro", Distro)]


class OptimizerDefinition(TaggedUnion):
    """32 bytes: tag, then the optimizer at +4."""

    _fields_ = [("tag", ctypes.c_uint32), ("payload", _OptimizerDefinitionPayload)]
    TAGS = OptimizerDefinitionTag
    VARIANTS = {
        OptimizerDefinitionTag.Dummy: None,
        OptimizerDefinitionTag.AdamW: "adamw",
        OptimizerDefinitionTag.Distro: "distro",
    }


class LLM(ctypes.LittleEndianStructure):
    """544 bytes. ``architecture`` and ``data_type`` hold :class:`LLMArchitecture` / :class:`LLMTrainingDataType`
    values as ``u32``; use the typed properties to read them."""

    _fields_ = [
        ("max_seq_len", ctypes.c_uint32),
        ("cold_start_warmup_steps", ctypes.c_uint32),
        ("architecture", ctypes.c_uint32),
        ("checkpoint", Checkpoint),
        ("data_type", ctypes.c_uint32),
        ("data_location", LLMTrainingDataLocation),
        ("lr_schedule", LearningRateSchedule),
        ("optimizer", OptimizerDefinition),
    ]

    @property
    def architecture_kind(self) -> LLMArchitecture:
        return LLMArchitecture(self.architecture)

    @property
    def data_type_kind(self) -> LLMTrainingDataType:
        return LLMTrainingDataType(self.data_type)


class _ModelPayload(ctypes.LittleEndianUnion):
    _fields_ = [("llm", LLM)]


class Model(TaggedUnion):
    """552 bytes: tag, 4 bytes of padding, then the LLM at +8. LLM is the only variant."""

    _fields_ = [("tag", ctypes.c_uint32), ("payload", _ModelPayload)]
    TAGS = ModelTag
    VARIANTS = {ModelTag.LLM: "llm"}

    @property
    def llm(self) -> LLM:
        """The LLM (the only variant, so no tag check is needed to read it)."""
        llm: LLM = self.payload.llm
        return llm
