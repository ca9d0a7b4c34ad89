"""Which network a checkpoint's ``config.json`` asks for: the registry of model families this client trains.

The family comes from ``model_type``, as a Hugging Face repository declares it: ``llama`` (or none, as older
configs omit it) is the causal language model of :mod:`client.train.model`; ``simple-nn`` and ``small-cnn`` are the
image classifiers of :mod:`client.train.classifiers`. Anything else is refused before training starts, so a run
whose config names a model this client cannot build fails at Warmup with the name in the message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any

import torch

from client.train.classifiers import CLASSIFIER_TYPES, ImageClassifier, build_classifier, classification_loss
from client.train.errors import ModelConfigError
from client.train.matformer import MatformerTierError
from client.train.model import LlamaConfig, LlamaForCausalLM, build_model, causal_lm_loss

__all__ = [
    "ModelFamily",
    "Network",
    "build_network",
    "check_matformer_tier",
    "loss_function",
    "model_family",
    "output_size",
]

Network = LlamaForCausalLM | ImageClassifier
LANGUAGE_MODEL_TYPES = ("llama",)


class ModelFamily(Enum):
    CausalLM = "causal language model"
    ImageClassifier = "image classifier"


def model_family(config: Mapping[str, Any]) -> ModelFamily:
    """The family of ``config``'s ``model_type``; ModelConfigError for one this client does not know.

    >>> model_family({"model_type": "small-cnn"}).name
    'ImageClassifier'
    >>> model_family({}).name
    'CausalLM'
    """
    model_type = config.get("model_type")
    if model_type is None or model_type in LANGUAGE_MODEL_TYPES:
        return ModelFamily.CausalLM
    if model_type in CLASSIFIER_TYPES:
        return ModelFamily.ImageClassifier
    known = ", ".join((*LANGUAGE_MODEL_TYPES, *CLASSIFIER_TYPES))
    raise ModelConfigError(f"config.json names model_type {model_type!r}, which this client cannot train ({known})")


def build_network(
    config: Mapping[str, Any],
    seed: int,
    device: torch.device | str = "cpu",
    max_seq_len: int | None = None,
    matformer_tier: int = 0,
) -> Network:
    """A freshly initialised network of ``config``'s family (``max_seq_len`` and ``matformer_tier`` apply to
    language models only: a classifier has no feed-forward width to nest, so a tier above 0 is refused)."""
    if model_family(config) is ModelFamily.ImageClassifier:
        check_matformer_tier(config, matformer_tier)
        return build_classifier(config, seed, device)
    return build_model(config, seed, device, max_seq_len, matformer_tier)


def check_matformer_tier(config: Mapping[str, Any], matformer_tier: int) -> None:
    """Refuse (MatformerTierError, ModelConfigError) a tier ``config``'s network cannot be built at, as
    :func:`build_network` would, without building it: a client checks its ``--matformer-tier`` before joining."""
    if model_family(config) is ModelFamily.CausalLM:
        LlamaConfig.from_dict(config, 1, matformer_tier)  # any sequence length: the run's is checked elsewhere
    elif matformer_tier != 0:
        raise MatformerTierError(
            matformer_tier,
            0,
            f"matformer tier {matformer_tier} needs a LLaMA model; model_type {config.get('model_type')!r} "
            "has no MatFormer tiers (only tier 0)",
        )


def loss_function(model: torch.nn.Module) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """``loss(outputs, batch)`` for ``model``'s family: next-token or classification cross-entropy."""
    return classification_loss if isinstance(model, ImageClassifier) else causal_lm_loss


def output_size(model: Network) -> int:
    """How many outputs ``model`` chooses between: its classes, or its vocabulary."""
    return model.config.num_classes if isinstance(model, ImageClassifier) else model.config.vocab_size
