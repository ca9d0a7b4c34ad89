"""How a round's batch is split between its trainers (§4.3 "Data assignment").

Every client computes the same assignment from the current round: the trainers (in ``epoch_state.clients`` order)
are shuffled with the round's raw u64 seed, the round's global batch is cut into near-equal consecutive pieces
starting at the round's ``data_index`` (the first ``total % n`` trainers get one more), and a trainer whose piece is
empty gets nothing. Witnesses use the same split without identities as the set of batches they expect.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from coordinator_program.core.committee import CommitteeSelection
from coordinator_program.core.errors import CoordinatorPanic
from coordinator_program.core.shuffle import deterministic_shuffle
from coordinator_program.core.types.enums import Committee

__all__ = ["BatchId", "split_batch", "batch_ids_for_round", "assign_batches", "trainer_indices"]

T = TypeVar("T")


@dataclass(frozen=True, order=True)
class BatchId:
    """A closed interval ``[start, end]`` of data indices (the reference's ``BatchId(ClosedInterval)``).

    >>> str(BatchId(0, 24)), len(BatchId(0, 24))
    ('B[0, 24]', 25)
    """

    start: int
    end: int

    def __len__(self) -> int:
        return self.end - self.start + 1

    def __str__(self) -> str:
        return f"B[{self.start}, {self.end}]"


def split_batch(total_size: int, num_trainers: int) -> list[int]:
    """Piece sizes: ``total // n`` each, plus one for the first ``total % n``.

    >>> split_batch(13, 5)
    [3, 3, 3, 2, 2]
    >>> split_batch(2, 4)
    [1, 1, 0, 0]
    """
    if num_trainers == 0:
        raise CoordinatorPanic("attempt to divide by zero: no trainers to split the batch between")
    base, remainder = divmod(total_size, num_trainers)
    return [base + (1 if i < remainder else 0) for i in range(num_trainers)]


def _intervals(data_index: int, sizes: Sequence[int]) -> list[BatchId | None]:
    intervals: list[BatchId | None] = []
    start = data_index
    for size in sizes:
        if size == 0:
            intervals.append(None)
            continue
        intervals.append(BatchId(start, start + size - 1))
        start += size
    return intervals


def batch_ids_for_round(data_index: int, total_size: int, num_trainers: int) -> list[BatchId]:
    """``get_batch_ids_for_round``: the non-empty pieces of a round's batch, in order.

    >>> [str(b) for b in batch_ids_for_round(10, 5, 2)]
    ['B[10, 12]', 'B[13, 14]']
    """
    return [batch for batch in _intervals(data_index, split_batch(total_size, num_trainers)) if batch is not None]


def assign_batches(trainers: Sequence[T], data_index: int, total_size: int, random_seed: int) -> dict[BatchId, T]:
    """``assign_data_for_state`` once the trainers are known: shuffle them, hand out the pieces in that order.

    The result is ordered by interval. No trainers means no assignment.

    >>> assign_batches(["a"], 7, 3, 0)
    {BatchId(start=7, end=9): 'a'}
    """
    if not trainers:
        return {}
    shuffled = deterministic_shuffle(trainers, random_seed)
    pieces = _intervals(data_index, split_batch(total_size, len(shuffled)))
    return {batch: trainer for batch, trainer in zip(pieces, shuffled, strict=True) if batch is not None}


def trainer_indices(
    selection: CommitteeSelection, num_clients: int, tie_breaker_tasks: int, verification_percent: int
) -> list[int]:
    """Client indices whose committee is Trainer, in client order.

    The reference asserts there is no tie-breaker work and no verification (neither is implemented); a round that
    needs either panics, and so does this.
    """
    trainers = []
    for index in range(num_clients):
        committee = Committee(selection.get_committee(index).committee)
        if committee is Committee.Trainer:
            trainers.append(index)
        elif committee is Committee.TieBreaker and tie_breaker_tasks != 0:
            raise CoordinatorPanic("tie-breaker tasks are not implemented")
        elif committee is Committee.Verifier and verification_percent != 0:
            raise CoordinatorPanic("verification is not implemented")
    return trainers
