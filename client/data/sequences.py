"""Sample index -> (file, byte offset): the sequence pointers of spec client-training.md §6, by arithmetic.

For every file in turn the pointers are byte offsets 0, S, 2S, ... strictly below ``size - S - spare`` (S = seq_len
* token size). ``spare`` is 0 for a ``Local`` directory and one token for ``Http`` files: the reference's HTTP
provider keeps a spare token at the end of every file, so the same file yields one sequence fewer over HTTP when
its size is a multiple of S plus at most one token. The index holds one count per file, never a list per sample, so
a file size reported by a hostile server cannot make it allocate.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

__all__ = ["SequencePointer", "SequenceIndex", "sequence_pointers"]


@dataclass(frozen=True)
class SequencePointer:
    """Where a sample starts: which file, which byte."""

    file_index: int
    byte_offset: int


def _sequences_in(size: int, sequence_bytes: int, spare_bytes: int) -> int:
    """``len(range(0, size - S - spare, S))``: how many offsets fall strictly below ``size - S - spare``."""
    limit = size - sequence_bytes - spare_bytes
    return max(0, -(-limit // sequence_bytes))


class SequenceIndex:
    """The sequence pointers of a list of files, without shuffling (``Shuffle::DontShuffle``).

    >>> index = SequenceIndex([10, 8, 4], sequence_bytes=4)
    >>> len(index), index.pointer(2)
    (3, SequencePointer(file_index=1, byte_offset=0))
    >>> len(SequenceIndex([10, 8, 4], sequence_bytes=4, spare_bytes=2))  # HTTP: 10 -> offsets < 4, 8 -> < 2
    2
    """

    def __init__(self, file_sizes: Sequence[int], sequence_bytes: int, spare_bytes: int = 0) -> None:
        if sequence_bytes < 1:
            raise ValueError(f"a sequence must be at least one byte, got {sequence_bytes}")
        self.sequence_bytes = sequence_bytes
        self.counts = [_sequences_in(size, sequence_bytes, spare_bytes) for size in file_sizes]
        self._ends = list(accumulate(self.counts))

    def __len__(self) -> int:
        return self._ends[-1] if self._ends else 0

    def pointer(self, index: int) -> SequencePointer:
        """Sample ``index``'s start; IndexError past the last one (the reference does not wrap around)."""
        if not 0 <= index < len(self):
            raise IndexError(f"index {index} is out of bounds, we only have {len(self)} samples")
        file_index = bisect.bisect_right(self._ends, index)
        first = self._ends[file_index] - self.counts[file_index]
        return SequencePointer(file_index, (index - first) * self.sequence_bytes)


def sequence_pointers(file_sizes: Sequence[int], sequence_bytes: int, spare_bytes: int = 0) -> list[SequencePointer]:
    """Every sample's start, file by file (a list; for small inputs and tests).

    >>> [(p.file_index, p.byte_offset) for p in sequence_pointers([10, 8, 4], 4)]  # 8 bytes = 2 S yield one
    [(0, 0), (0, 4), (1, 0)]
    """
    index = SequenceIndex(file_sizes, sequence_bytes, spare_bytes)
    return [index.pointer(i) for i in range(len(index))]
