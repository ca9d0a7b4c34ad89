"""Batch splits of §4.3 (scenario 7) and the trainer shuffle."""

from __future__ import annotations

from coordinator_program.core.committee import CommitteeSelection
from coordinator_program.core.data_assignment import (
    BatchId,
    assign_batches,
    batch_ids_for_round,
    split_batch,
    trainer_indices,
)


def test_reference_batch_splits() -> None:
    assert split_batch(100, 4) == [25, 25, 25, 25]
    sizes = split_batch(384, 23)
    assert sizes.count(17) == 16 and sizes.count(16) == 7
    assert split_batch(13, 5) == [3, 3, 3, 2, 2]


def test_batch_ids_are_consecutive_from_the_round_data_index() -> None:
    assert batch_ids_for_round(100, 13, 5) == [
        BatchId(100, 102), BatchId(103, 105), BatchId(106, 108), BatchId(109, 110), BatchId(111, 112),
    ]  # fmt: skip
    assert batch_ids_for_round(0, 2, 4) == [BatchId(0, 0), BatchId(1, 1)]


def test_assignment_follows_the_lcg_shuffle() -> None:
    trainers = [f"t{i}" for i in range(10)]
    assignment = assign_batches(trainers, 0, 10, 42)
    # deterministic_shuffle(range(10), 42) == [2, 1, 0, 6, 7, 5, 4, 9, 8, 3]
    assert list(assignment.values()) == ["t2", "t1", "t0", "t6", "t7", "t5", "t4", "t9", "t8", "t3"]
    assert list(assignment) == [BatchId(i, i) for i in range(10)]


def test_trainers_with_empty_pieces_get_nothing() -> None:
    assignment = assign_batches(["a", "b", "c"], 5, 2, 0)
    assert len(assignment) == 2
    assert sum(len(batch) for batch in assignment) == 2


def test_no_tie_breakers_or_verifiers_means_everyone_trains() -> None:
    selection = CommitteeSelection.new(0, 0, 0, 23, 77)
    assert trainer_indices(selection, 23, 0, 0) == list(range(23))
