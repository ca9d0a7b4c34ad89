"""Training: the LLaMA model, DisTrO, learning-rate schedules, data providers and the trainer step.

The only package that imports torch; nothing under the programs, the emulator or the validator imports it.
"""

from client.train.compression import CompressedTensor, PackedTensor, ValueKind
from client.train.data import LocalDataProvider, SyntheticDataProvider, open_local_dataset
from client.train.distro import Distro, DistroResult
from client.train.errors import DataError, IncompatibleResultError, ModelConfigError, TrainConfigError, TrainError
from client.train.model import LlamaConfig, LlamaForCausalLM, build_model, init_seed, init_weights
from client.train.optim_config import AdamWConfig, DistroConfig, OptimizerConfig, optimizer_from_definition
from client.train.schedule import LearningRateSchedule, learning_rate, schedule_from_definition
from client.train.trainer import Trainer, TrainOutput

__all__ = [
    "AdamWConfig",
    "CompressedTensor",
    "DataError",
    "Distro",
    "DistroConfig",
    "DistroResult",
    "IncompatibleResultError",
    "LearningRateSchedule",
    "LlamaConfig",
    "LlamaForCausalLM",
    "LocalDataProvider",
    "ModelConfigError",
    "OptimizerConfig",
    "PackedTensor",
    "SyntheticDataProvider",
    "TrainConfigError",
    "TrainError",
    "TrainOutput",
    "Trainer",
    "ValueKind",
    "build_model",
    "init_seed",
    "init_weights",
    "learning_rate",
    "open_local_dataset",
    "optimizer_from_definition",
    "schedule_from_definition",
]
