"""The training package's errors: one base, one type per thing that can be wrong."""

from __future__ import annotations

from client.data.errors import DataError
from client.errors import ClientError

__all__ = ["TrainError", "IncompatibleResultError", "DataError", "ModelConfigError", "TrainConfigError"]


class TrainError(ClientError):
    """Base of every error raised by ``client.train``."""


class IncompatibleResultError(TrainError):
    """A DisTrO result (ours or a peer's) whose bytes or shapes do not fit the model it is applied to."""


class ModelConfigError(TrainError):
    """A model ``config.json`` this LLaMA implementation cannot build."""


class TrainConfigError(TrainError):
    """A run's optimizer or learning-rate settings that training cannot use (e.g. the Dummy optimizer)."""
