"""Batches of an image data set: a batch id maps to the same images on every client, passes cover the training
split, and the held-out split never enters training."""

from __future__ import annotations

import torch

from client.data.images import ImageDataset, ImageSplit
from client.train.image_data import ImageDataProvider
from coordinator_program.core.data_assignment import BatchId

TRAIN, HELDOUT = 10, 4


def _dataset() -> ImageDataset:
    """Training image i is all i (label i % 3); held-out images are all 200, so a leak would show."""
    train = ImageSplit(b"".join(bytes([i]) * 16 for i in range(TRAIN)), bytes(i % 3 for i in range(TRAIN)), 4, 4)
    heldout = ImageSplit(bytes([200]) * 16 * HELDOUT, bytes(HELDOUT), 4, 4)
    return ImageDataset(train, heldout, max_value=255, classes=3, source="test")


def test_a_sample_row_is_the_label_then_the_pixels() -> None:
    rows = ImageDataProvider(_dataset()).get_samples(BatchId(0, TRAIN - 1))

    assert rows.shape == (TRAIN, 17) and rows.dtype == torch.int64
    for row in rows.tolist():
        image = row[1]
        assert row[1:] == [image] * 16 and row[0] == image % 3


def test_batches_map_to_samples_whatever_the_order_they_are_asked_in() -> None:
    first, second = ImageDataProvider(_dataset()), ImageDataProvider(_dataset())

    late_then_early = [second.get_samples(BatchId(25, 31)), second.get_samples(BatchId(0, 6))]

    assert torch.equal(first.get_samples(BatchId(0, 6)), late_then_early[1])
    assert torch.equal(first.get_samples(BatchId(25, 31)), late_then_early[0])


def test_each_pass_shows_every_training_image_once_in_its_own_order() -> None:
    provider = ImageDataProvider(_dataset())

    passes = [provider.get_samples(BatchId(p * TRAIN, p * TRAIN + TRAIN - 1))[:, 1].tolist() for p in range(3)]

    assert all(sorted(images) == list(range(TRAIN)) for images in passes)
    assert len({tuple(images) for images in passes}) > 1


def test_the_held_out_split_never_enters_training() -> None:
    provider = ImageDataProvider(_dataset())

    trained = provider.get_samples(BatchId(0, 40 * TRAIN - 1))

    assert int(trained[:, 1:].max()) < TRAIN
    assert provider.heldout().shape == (HELDOUT, 17) and bool((provider.heldout()[:, 1:] == 200).all())
