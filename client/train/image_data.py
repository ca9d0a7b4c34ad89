"""Batches of a prepared image data set (:mod:`client.data.images`) for classifier runs.

Sample i of the run is a training image chosen deterministically: the run walks the training split in passes of
``n`` images, pass ``p = i // n`` in the order of a permutation drawn from a generator seeded with ``p``, so every
client maps a batch id to the same images whatever order it asks in, each pass sees every image once, and a run
may take more samples than the split holds. A sample is one int64 row ``[label, pixels...]``
(:mod:`client.train.classifiers`). The held-out split is served only by :meth:`ImageDataProvider.heldout`, which
training never calls.
"""

from __future__ import annotations

from functools import lru_cache

import torch

from client.data.errors import DataError
from client.data.images import ImageDataset, ImageSplit
from coordinator_program.core.data_assignment import BatchId

__all__ = ["ImageDataProvider", "PASSES"]

PASSES = 1 << 20
"""Passes over the training split a run may take (the sample index space is ``PASSES * n``)."""


def _rows(split: ImageSplit) -> torch.Tensor:
    """[count, 1 + h*w] int64: the label, then the pixels."""
    pixels = torch.frombuffer(bytearray(split.images), dtype=torch.uint8).reshape(split.count, -1)
    labels = torch.frombuffer(bytearray(split.labels), dtype=torch.uint8).reshape(split.count, 1)
    return torch.cat([labels, pixels], dim=1).to(torch.int64)


class ImageDataProvider:
    """Training samples of an image data set, in seeded passes; the held-out split kept apart."""

    def __init__(self, dataset: ImageDataset) -> None:
        self.dataset = dataset
        self.seq_len = 1 + dataset.height * dataset.width
        self._train = _rows(dataset.train)
        self._heldout = _rows(dataset.heldout)

    def num_sequences(self) -> int:
        """Samples available: every pass over the training split."""
        return PASSES * len(self._train)

    @lru_cache(maxsize=4)  # noqa: B019 - a provider lives as long as its run; a batch touches at most two passes
    def _order(self, epoch: int) -> torch.Tensor:
        return torch.randperm(len(self._train), generator=torch.Generator().manual_seed(epoch))

    def get_samples(self, batch: BatchId) -> torch.Tensor:
        """The batch's samples, in index order, as int64 [len(batch), 1 + h*w]."""
        if batch.start < 0 or batch.end >= self.num_sequences():
            raise DataError(f"index {batch.end} is out of bounds, we only have {self.num_sequences()} samples")
        n = len(self._train)
        indices = [int(self._order(i // n)[i % n]) for i in range(batch.start, batch.end + 1)]
        return self._train[indices]

    def heldout(self) -> torch.Tensor:
        """Every held-out sample, int64 [count, 1 + h*w]."""
        return self._heldout
