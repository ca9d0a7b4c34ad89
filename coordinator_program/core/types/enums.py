"""Protocol enums and the variant indices of the model's data-carrying enums.

Fieldless enums keep the Rust names. For an enum with data the memory layout is a ``u32`` tag plus a union (see
``model.py``); the ``*Tag`` enums here name its variant indices, which are also the Borsh variant bytes.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "RunState",
    "ClientState",
    "Committee",
    "LLMArchitecture",
    "LLMTrainingDataType",
    "TokenSize",
    "ModelTag",
    "CheckpointTag",
    "LLMTrainingDataLocationTag",
    "HttpTrainingDataLocationTag",
    "ShuffleTag",
    "LearningRateScheduleTag",
    "OptimizerDefinitionTag",
]


class RunState(IntEnum):
    """The coordinator's run state (a ``u8`` in the account)."""

    Uninitialized = 0
    WaitingForMembers = 1
    Warmup = 2
    RoundTrain = 3
    RoundWitness = 4
    Cooldown = 5
    Finished = 6
    Paused = 7

    @property
    def display_name(self) -> str:
        """The reference's ``Display`` string (``RoundTrain`` shows as "Training")."""
        return _RUN_STATE_DISPLAY[self]


_RUN_STATE_DISPLAY = {
    RunState.Uninitialized: "Uninitialized",
    RunState.WaitingForMembers: "Waiting for members",
    RunState.Warmup: "Warmup",
    RunState.RoundTrain: "Training",
    RunState.RoundWitness: "Witness",
    RunState.Cooldown: "Cooldown",
    RunState.Finished: "Finished",
    RunState.Paused: "Paused",
}


class ClientState(IntEnum):
    """A core client's state (a ``u8``). Nothing in the reference ever sets ``Ejected``."""

    Healthy = 0
    Dropped = 1
    Withdrawn = 2
    Ejected = 3


class Committee(IntEnum):
    """A client's committee in a round (``CommitteeProof.committee``; Borsh ``u8``)."""

    TieBreaker = 0
    Verifier = 1
    Trainer = 2


class LLMArchitecture(IntEnum):
    HfLlama = 0
    HfDeepseek = 1
    HfAuto = 2
    Torchtitan = 3


class LLMTrainingDataType(IntEnum):
    Pretraining = 0
    Finetuning = 1


class TokenSize(IntEnum):
    """Bytes per token in the training data files."""

    TwoBytes = 0
    FourBytes = 1


class ModelTag(IntEnum):
    LLM = 0


class CheckpointTag(IntEnum):
    Ephemeral = 0
    Dummy = 1
    Hub = 2
    P2P = 3
    Gcs = 4
    P2PGcs = 5


class LLMTrainingDataLocationTag(IntEnum):
    Dummy = 0
    Server = 1
    Local = 2
    Http = 3
    WeightedHttp = 4
    Preprocessed = 5


class HttpTrainingDataLocationTag(IntEnum):
    SingleUrl = 0
    NumberedFiles = 1
    Gcp = 2


class ShuffleTag(IntEnum):
    DontShuffle = 0
    Seeded = 1


class LearningRateScheduleTag(IntEnum):
    Constant = 0
    Linear = 1
    Cosine = 2
    WarmupStableDecay = 3


class OptimizerDefinitionTag(IntEnum):
    Dummy = 0
    AdamW = 1
    Distro = 2
