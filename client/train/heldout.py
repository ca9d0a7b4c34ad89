"""Held-out sequences of a language-model run, for ``--eval-steps``.

Local token data prepared by ``psyche-prepare-data`` keeps its held-out tail in ``heldout/`` beside the training
files (training never reads that sub-directory); synthetic data gives fresh walks from another seed. Other data
(Http, a Local directory without ``heldout/``) has no held-out part, and evaluation is then skipped.
"""

from __future__ import annotations

import torch

from client.data.errors import DataError
from client.train.data import DataProvider, LocalDataProvider, SyntheticDataProvider, open_local_dataset
from coordinator_program.core.data_assignment import BatchId

__all__ = ["HELDOUT_SEQUENCES", "heldout_sequences"]

HELDOUT_SEQUENCES = 16
"""Sequences one evaluation reads: enough for a stable loss, few enough for idle time."""
HELDOUT_DIR = "heldout"


def heldout_sequences(data: DataProvider) -> torch.Tensor | None:
    """Up to :data:`HELDOUT_SEQUENCES` held-out sequences matching ``data``, or None when it has none."""
    if isinstance(data, SyntheticDataProvider):  # the last indices of its 2^20: far beyond any test run's
        end = data.num_sequences() - 1
        return data.get_samples(BatchId(end - HELDOUT_SEQUENCES + 1, end))
    if not isinstance(data, LocalDataProvider):
        return None
    directory = data.paths[0].parent / HELDOUT_DIR
    try:
        heldout = open_local_dataset(directory, data.seq_len)
    except DataError:
        return None
    count = min(HELDOUT_SEQUENCES, heldout.num_sequences())
    return heldout.get_samples(BatchId(0, count - 1)) if count else None
