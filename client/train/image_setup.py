"""The data of a classifier run: the prepared image directory of its ``Local`` location, checked against the model.

Everything that can be wrong is found here, at Warmup, before any training: a location that is not ``Local``, a
directory without a prepared data set, images of another size than the model's ``config.json`` says (nothing is
resized), labels beyond the model's classes.
"""

from __future__ import annotations

from pathlib import Path

from client.data.errors import DataError
from client.data.images import read_image_dataset
from client.train.classifiers import ImageClassifier
from client.train.image_data import ImageDataProvider
from coordinator_program.core.types import LLMTrainingDataLocation, LLMTrainingDataLocationTag

__all__ = ["image_data"]


def image_data(model: ImageClassifier, location: LLMTrainingDataLocation, data_dir: Path | None) -> ImageDataProvider:
    """The provider of ``location``'s images (``data_dir`` overrides its path) for ``model``; DataError if unfit."""
    kind = LLMTrainingDataLocationTag(location.kind)
    if kind is not LLMTrainingDataLocationTag.Local:
        raise DataError(f"a classifier run reads a prepared image directory (a Local data location), not {kind.name}")
    if data_dir is None:
        local = location.variant()
        if local is None:
            raise DataError("the Local data location names no directory")
        data_dir = Path(local.value)
    directory = data_dir
    dataset = read_image_dataset(directory)
    config = model.config
    if (dataset.height, dataset.width) != (config.image_height, config.image_width):
        raise DataError(
            f"the images in {str(directory)!r} are {dataset.height}x{dataset.width} but the {config.model_type} model "
            f"takes {config.image_height}x{config.image_width} (its config.json's image_height x image_width); "
            "images are never resized"
        )
    if dataset.classes > config.num_classes:
        raise DataError(
            f"the data in {str(directory)!r} has {dataset.classes} classes but the model only {config.num_classes}"
        )
    model.input_max = float(dataset.max_value)
    return ImageDataProvider(dataset)
