"""Training data: token files in a local directory (the run's ``Local`` data location) and synthetic data for tests
(spec client-training.md §6).

Token files are described in :mod:`formats.token_files`. Sample i of the run is the i-th sequence pointer
(:mod:`client.data.sequences`): for every file in turn, byte offsets 0, S, 2S, ... strictly below ``size - S``
(S = seq_len * token size), so a file whose size is an exact multiple of S gives up its last full sequence, as in
the reference. Each sample is exactly ``seq_len`` tokens; the loss shifts inside. An index past the last pointer
is an error (no wrap-around).

Deviation, on purpose: ``Shuffle::Seeded`` is not offered (the reference's ChaCha8 + Fisher-Yates shuffle cannot
be reproduced without porting Rust's ``rand``).

The ``Local`` location names only a directory; token size comes from the directory's ``dataset.json`` (written by
``scripts/prepare_data.py``) and defaults to ``TwoBytes``.
"""

from __future__ import annotations

import contextlib
import mmap
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import torch

from client.data.errors import DataError
from client.data.sequences import SequenceIndex, SequencePointer, sequence_pointers
from coordinator_program.core.data_assignment import BatchId
from coordinator_program.core.types import TokenSize
from formats.errors import TokenFileError
from formats.token_files import (
    DATA_FILE_EXTENSIONS,
    MANIFEST_NAME,
    data_files,
    directory_token_size,
    token_bytes,
)

__all__ = [
    "DATA_FILE_EXTENSIONS",
    "MANIFEST_NAME",
    "DataProvider",
    "SequencePointer",
    "sequence_pointers",
    "token_bytes",
    "LocalDataProvider",
    "SyntheticDataProvider",
    "open_local_dataset",
]


class DataProvider(Protocol):
    """What the trainer needs from a data source: ``get_samples(batch)`` -> int64 [len(batch), seq_len]."""

    seq_len: int

    def num_sequences(self) -> int: ...

    def get_samples(self, batch: BatchId) -> torch.Tensor: ...


@contextlib.contextmanager
def _as_data_error() -> Iterator[None]:
    """A token directory that cannot be read is a data problem to the client (what its commands report)."""
    try:
        yield
    except TokenFileError as exc:
        raise DataError(str(exc)) from exc


class LocalDataProvider:
    """Samples read from memory-mapped token files of one directory."""

    def __init__(self, directory: str | Path, seq_len: int, token_size: TokenSize = TokenSize.TwoBytes) -> None:
        if seq_len < 1:
            raise DataError(f"seq_len must be at least 1, got {seq_len}")
        with _as_data_error():
            self.paths = data_files(Path(directory))
        self.seq_len = seq_len
        self.token_size = token_size
        self._width = token_bytes(token_size)
        self._dtype = torch.uint16 if token_size is TokenSize.TwoBytes else torch.uint32
        self._pointers = SequenceIndex([p.stat().st_size for p in self.paths], seq_len * self._width)
        self._maps: dict[int, mmap.mmap] = {}

    def num_sequences(self) -> int:
        """Samples available (the largest valid index plus one)."""
        return len(self._pointers)

    def _map(self, file_index: int) -> mmap.mmap:
        if file_index not in self._maps:
            with self.paths[file_index].open("rb") as handle:
                # Copy-on-write: torch.frombuffer wants a writable buffer; nothing is ever written back.
                self._maps[file_index] = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_COPY)
        return self._maps[file_index]

    def get_samples(self, batch: BatchId) -> torch.Tensor:
        """The batch's samples, in index order, as int64 [len(batch), seq_len]."""
        if batch.start < 0 or batch.end >= len(self._pointers):
            raise DataError(f"index {batch.end} is out of bounds, we only have {len(self._pointers)} samples")
        rows = []
        for index in range(batch.start, batch.end + 1):
            pointer = self._pointers.pointer(index)
            tokens = torch.frombuffer(
                self._map(pointer.file_index), dtype=self._dtype, count=self.seq_len, offset=pointer.byte_offset
            )
            rows.append(tokens.to(torch.int64))
        return torch.stack(rows)


def open_local_dataset(directory: str | Path, seq_len: int) -> LocalDataProvider:
    """A :class:`LocalDataProvider` with the token size the directory's ``dataset.json`` records (else TwoBytes)."""
    with _as_data_error():
        token_size = directory_token_size(Path(directory))
    return LocalDataProvider(directory, seq_len, token_size)


class SyntheticDataProvider:
    """Deterministic, learnable token sequences for tests: walks on a fixed random graph.

    Every token has ``branching`` possible successors (drawn once from ``seed``), so a model can bring the loss
    from ln(vocab) down towards ln(branching). Sample i depends only on (seed, i), never on the order of requests.
    """

    def __init__(self, vocab_size: int, seq_len: int, seed: int = 0, branching: int = 4, size: int = 1 << 20) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.seq_len = seq_len
        self.seed = seed
        self._size = size
        successors = torch.randint(0, vocab_size, (vocab_size, branching), generator=generator)
        self._successors: list[list[int]] = successors.tolist()

    def num_sequences(self) -> int:
        """Samples available."""
        return self._size

    def get_samples(self, batch: BatchId) -> torch.Tensor:
        """The batch's samples, int64 [len(batch), seq_len]."""
        if batch.start < 0 or batch.end >= self._size:
            raise DataError(f"index {batch.end} is out of bounds, we only have {self._size} samples")
        successors = self._successors
        branching = len(successors[0])
        rows = []
        for index in range(batch.start, batch.end + 1):
            generator = torch.Generator().manual_seed(self.seed * 1_000_003 + index)
            choices = torch.randint(0, branching, (self.seq_len,), generator=generator).tolist()
            token = int(torch.randint(0, len(successors), (1,), generator=generator))
            row = [token]
            for choice in choices[1:]:
                token = successors[token][choice]
                row.append(token)
            rows.append(row)
        return torch.tensor(rows, dtype=torch.int64)
