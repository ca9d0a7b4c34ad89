"""Image classifiers a run can train instead of a language model, as their ``config.json`` names them.

``model_type = "simple-nn"`` is SmolCluster's MLP: pixels -> 256 -> 4·hidden -> classes (``hidden`` 128 by default,
so 784 -> 256 -> 512 -> 10 on MNIST), ReLU between. ``model_type = "small-cnn"`` is ByzPy's parameter-server CNN:
conv 3x3 with 16 channels, 2x2 max-pool, conv 3x3 with 32 channels, 2x2 max-pool, fc 128, fc classes. Both take
their input size from the config (``image_height``/``image_width``: 8x8 for scikit-learn's digits, 28x28 for MNIST)
and never resize.

A sample reaches the model as one int64 row ``[label, pixel_0, ..., pixel_{h*w-1}]`` (what
:class:`client.train.image_data.ImageDataProvider` serves, so batches travel the same path as token batches);
pixels are scaled to [-1, 1] by ``input_max`` (the data set's largest pixel value, set from the data at setup), as
SmolCluster's ``Normalize((0.5,), (0.5,))``. Weights are initialised from the run's seed like the LLaMA's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from client.train.errors import ModelConfigError

__all__ = [
    "CLASSIFIER_TYPES",
    "ClassifierConfig",
    "ImageClassifier",
    "SimpleNN",
    "SmallCNN",
    "build_classifier",
    "classification_loss",
    "split_labels",
]

CLASSIFIER_TYPES = ("simple-nn", "small-cnn")
MAX_IMAGE_SIDE = 512


@dataclass(frozen=True)
class ClassifierConfig:
    """What a classifier's ``config.json`` says: its type, input size, classes and (simple-nn) hidden width."""

    model_type: str
    image_height: int
    image_width: int
    num_classes: int = 10
    hidden: int = 128

    @classmethod
    def from_dict(cls, config: Mapping[str, Any]) -> ClassifierConfig:
        """Read and bound-check ``config``; ModelConfigError names the first bad field."""
        model_type = config.get("model_type")
        if model_type not in CLASSIFIER_TYPES:
            raise ModelConfigError(f"model_type {model_type!r} is not a classifier ({', '.join(CLASSIFIER_TYPES)})")
        values: dict[str, int] = {}
        for name, low, high, default in (
            ("image_height", 4, MAX_IMAGE_SIDE, None),
            ("image_width", 4, MAX_IMAGE_SIDE, None),
            ("num_classes", 2, 256, 10),
            ("hidden", 1, 8192, 128),
        ):
            value = config.get(name, default)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ModelConfigError(f"{model_type} config.json: {name} must be an integer {low}..{high}: {value!r}")
            values[name] = value
        if model_type == "small-cnn" and (values["image_height"] % 4 or values["image_width"] % 4):
            raise ModelConfigError("small-cnn config.json: image_height and image_width must be multiples of 4")
        return cls(str(model_type), **values)


class ImageClassifier(nn.Module):
    """The part both classifiers share: turning a sample row into a normalised image, and the config."""

    def __init__(self, config: ClassifierConfig) -> None:
        super().__init__()
        self.config = config
        self.input_max = 255.0

    def images(self, samples: torch.Tensor) -> torch.Tensor:
        """[n, 1 + h*w] int64 rows -> [n, 1, h, w] float32 in [-1, 1]."""
        pixels = samples[:, 1:].float() / self.input_max
        return ((pixels - 0.5) / 0.5).reshape(-1, 1, self.config.image_height, self.config.image_width)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())


class SimpleNN(ImageClassifier):
    """SmolCluster's MLP: pixels -> 256 -> 4·hidden -> classes."""

    def __init__(self, config: ClassifierConfig) -> None:
        super().__init__(config)
        pixels = config.image_height * config.image_width
        self.fc1 = nn.Linear(pixels, 256)
        self.fc2 = nn.Linear(256, 4 * config.hidden)
        self.fc3 = nn.Linear(4 * config.hidden, config.num_classes)

    def forward(self, samples: torch.Tensor) -> torch.Tensor:
        x = self.images(samples).flatten(1)
        logits: torch.Tensor = self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))
        return logits


class SmallCNN(ImageClassifier):
    """ByzPy's CNN: conv16 -> pool -> conv32 -> pool -> fc128 -> fc classes."""

    def __init__(self, config: ClassifierConfig) -> None:
        super().__init__(config)
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc1 = nn.Linear(32 * (config.image_height // 4) * (config.image_width // 4), 128)
        self.fc2 = nn.Linear(128, config.num_classes)

    def forward(self, samples: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.conv1(self.images(samples))), 2)  # [n, 16, h/2, w/2]
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)  # [n, 32, h/4, w/4]
        logits: torch.Tensor = self.fc2(F.relu(self.fc1(x.flatten(1))))
        return logits


def split_labels(samples: torch.Tensor) -> torch.Tensor:
    """The label column of sample rows."""
    return samples[:, 0]


def classification_loss(logits: torch.Tensor, samples: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy (float32) of ``logits`` [n, classes] against the samples' labels."""
    return F.cross_entropy(logits.float(), split_labels(samples))


@torch.no_grad()
def _init_weights(model: nn.Module, seed: int) -> None:
    """Kaiming-uniform weights and zero biases, drawn on the CPU in name order from ``seed`` (bit-identical
    everywhere, as :func:`client.train.model.init_weights`)."""
    generator = torch.Generator(device="cpu").manual_seed(seed)
    for name, param in sorted(model.named_parameters(), key=lambda item: item[0]):
        if name.endswith("bias"):
            param.zero_()
            continue
        fan_in = param[0].numel()
        bound = (6.0 / fan_in) ** 0.5
        param.copy_(torch.empty(param.shape, dtype=torch.float32).uniform_(-bound, bound, generator=generator))


def build_classifier(config: Mapping[str, Any], seed: int, device: torch.device | str = "cpu") -> ImageClassifier:
    """A freshly initialised classifier of ``config``'s model_type, on ``device``."""
    parsed = ClassifierConfig.from_dict(config)
    model: ImageClassifier = SimpleNN(parsed) if parsed.model_type == "simple-nn" else SmallCNN(parsed)
    _init_weights(model, seed)
    return model.to(device)
