"""Labelled image data sets for classifier runs: the prepared directory a run's ``Local`` location names.

A prepared directory holds a ``dataset.json`` with ``"kind": "images"`` (image height and width, the largest pixel
value, the number of classes and of samples per split) and four unsigned-byte IDX files (:mod:`client.data.idx`):
``train-images-idx3-ubyte``/``train-labels-idx1-ubyte`` for training and ``heldout-images-idx3-ubyte``/
``heldout-labels-idx1-ubyte`` for evaluation. Training reads only the first two, so the held-out split never
enters training.

Two sources fill it (``psyche-prepare-data --mnist``), both offline:

* scikit-learn's handwritten digits (:func:`digits_dataset`), shipped inside the package: 1,797 real 8x8 images,
  pixel values 0-16. Every fifth image (index 4, 9, 14, ...) is held out: 359 held-out, 1,438 for training.
* the real MNIST IDX files in torchvision's layout (:func:`mnist_dataset`):
  ``ROOT/MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]``, 28x28, values 0-255; t10k is held out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from client.data.errors import DataError
from client.data.idx import IdxArray, read_idx, write_idx
from formats.token_files import MANIFEST_NAME

__all__ = [
    "IMAGE_DATASET_KIND",
    "ImageDataset",
    "ImageSplit",
    "digits_dataset",
    "is_image_directory",
    "mnist_dataset",
    "read_image_dataset",
    "write_image_dataset",
]

IMAGE_DATASET_KIND = "images"
DIGITS_HELDOUT_EVERY = 5
_SPLIT_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "heldout": ("heldout-images-idx3-ubyte", "heldout-labels-idx1-ubyte"),
}
_MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "heldout": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


@dataclass(frozen=True)
class ImageSplit:
    """``count`` images of ``height x width`` unsigned bytes, row-major, and one label byte per image."""

    images: bytes
    labels: bytes
    height: int
    width: int

    @property
    def count(self) -> int:
        return len(self.labels)


@dataclass(frozen=True)
class ImageDataset:
    """A training and a held-out split of one image size, with pixel values in ``0..max_value``."""

    train: ImageSplit
    heldout: ImageSplit
    max_value: int
    classes: int
    source: str

    @property
    def height(self) -> int:
        return self.train.height

    @property
    def width(self) -> int:
        return self.train.width


def _split(images: IdxArray, labels: IdxArray, where: str) -> ImageSplit:
    """Pair an images file [n, h, w] with its labels file [n]; DataError when they do not fit together."""
    if len(images.shape) != 3:
        raise DataError(f"{where}: images have dimensions {images.shape}, expected (count, height, width)")
    if len(labels.shape) != 1 or labels.shape[0] != images.shape[0]:
        raise DataError(f"{where}: {images.shape[0]} images but labels of dimensions {labels.shape}")
    if images.shape[0] == 0:
        raise DataError(f"{where}: no images")
    return ImageSplit(images.values, labels.values, images.shape[1], images.shape[2])


def _checked(dataset: ImageDataset) -> ImageDataset:
    if (dataset.heldout.height, dataset.heldout.width) != (dataset.height, dataset.width):
        raise DataError(
            f"{dataset.source}: held-out images are {dataset.heldout.height}x{dataset.heldout.width}, "
            f"training images {dataset.height}x{dataset.width}"
        )
    for name, split in (("training", dataset.train), ("held-out", dataset.heldout)):
        if max(split.labels) >= dataset.classes:
            label = max(split.labels)
            raise DataError(f"{dataset.source}: a {name} label is {label}, beyond {dataset.classes} classes")
    return dataset


def digits_dataset() -> ImageDataset:
    """scikit-learn's 8x8 handwritten digits (bundled with the package, read offline), every fifth one held out."""
    from sklearn.datasets import load_digits  # heavy (scipy); only the data preparation needs it

    digits = load_digits()
    images = [bytes(int(v) for v in image.reshape(-1)) for image in digits.images]
    labels = [int(label) for label in digits.target]
    held = [i for i in range(len(labels)) if i % DIGITS_HELDOUT_EVERY == DIGITS_HELDOUT_EVERY - 1]
    kept = [i for i in range(len(labels)) if i % DIGITS_HELDOUT_EVERY != DIGITS_HELDOUT_EVERY - 1]

    def split(indices: list[int]) -> ImageSplit:
        return ImageSplit(b"".join(images[i] for i in indices), bytes(labels[i] for i in indices), 8, 8)

    return ImageDataset(split(kept), split(held), max_value=16, classes=10, source="scikit-learn digits")


def _find(raw: Path, name: str) -> Path:
    for candidate in (raw / name, raw / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    raise DataError(f"MNIST file {name}[.gz] not found in {raw} (torchvision's layout: ROOT/MNIST/raw/)")


def mnist_dataset(root: Path) -> ImageDataset:
    """The MNIST IDX files under ``root/MNIST/raw`` (torchvision's layout; ``.gz`` or not); t10k is held out."""
    raw = root / "MNIST" / "raw"
    if not raw.is_dir():
        raise DataError(f"no MNIST/raw directory under {root} (torchvision's layout: ROOT/MNIST/raw/*-ubyte[.gz])")
    splits = {}
    for split, (images, labels) in _MNIST_FILES.items():
        splits[split] = _split(read_idx(_find(raw, images)), read_idx(_find(raw, labels)), str(raw / images))
    return _checked(ImageDataset(splits["train"], splits["heldout"], 255, 10, f"MNIST IDX files in {raw}"))


def write_image_dataset(out: Path, dataset: ImageDataset) -> dict[str, Any]:
    """Write ``dataset`` as a prepared directory (layout in the module docstring); returns its manifest."""
    out.mkdir(parents=True, exist_ok=True)
    for name, split in (("train", dataset.train), ("heldout", dataset.heldout)):
        images, labels = _SPLIT_FILES[name]
        write_idx(out / images, (split.count, split.height, split.width), split.images)
        write_idx(out / labels, (split.count,), split.labels)
    manifest = {
        "kind": IMAGE_DATASET_KIND,
        "height": dataset.height,
        "width": dataset.width,
        "max_value": dataset.max_value,
        "classes": dataset.classes,
        "train_samples": dataset.train.count,
        "heldout_samples": dataset.heldout.count,
        "source": dataset.source,
    }
    (out / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def is_image_directory(directory: Path) -> bool:
    """Whether ``directory``'s ``dataset.json`` says it holds images (token directories say nothing of a kind)."""
    try:
        manifest = json.loads((directory / MANIFEST_NAME).read_text())
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("kind") == IMAGE_DATASET_KIND


def read_image_dataset(directory: Path) -> ImageDataset:
    """The prepared image directory ``directory``; DataError naming what is missing or inconsistent."""
    if not directory.is_dir():
        raise DataError(f"image data directory {str(directory)!r} does not exist")
    manifest_path = directory / MANIFEST_NAME
    if not manifest_path.is_file():
        raise DataError(
            f"no {MANIFEST_NAME} in {str(directory)!r}: prepare image data with "
            f"`psyche-prepare-data --mnist --out {directory}`"
        )
    try:
        manifest = json.loads(manifest_path.read_text())
        max_value, classes = int(manifest["max_value"]), int(manifest["classes"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataError(f"{manifest_path}: not an image data set manifest ({exc})") from exc
    if manifest.get("kind") != IMAGE_DATASET_KIND:
        kind = manifest.get("kind")
        raise DataError(f"{manifest_path}: kind is {kind!r}, not {IMAGE_DATASET_KIND!r} (token files?)")
    if not 1 <= max_value <= 255 or not 2 <= classes <= 256:
        raise DataError(f"{manifest_path}: max_value must be 1..255 and classes 2..256")
    splits = {}
    for split, (images, labels) in _SPLIT_FILES.items():
        splits[split] = _split(read_idx(directory / images), read_idx(directory / labels), str(directory / images))
    dataset = ImageDataset(splits["train"], splits["heldout"], max_value, classes, str(directory))
    return _checked(dataset)
