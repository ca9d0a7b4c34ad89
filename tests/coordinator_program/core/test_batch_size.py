"""Global batch size ramp and data-index arithmetic (§4.3), values cross-checked against Rust's f64 round/as u16."""

from __future__ import annotations

import pytest

from coordinator_program.core.batch_size import BatchSizeSchedule, round_half_away_from_zero, saturating_u16
from coordinator_program.core.errors import CoordinatorPanic

CONSILIENCE = BatchSizeSchedule(start=12288, end=32768, warmup_tokens=549755813888)


def test_rounding_is_half_away_from_zero_not_bankers() -> None:
    assert round_half_away_from_zero(0.5) == 1.0
    assert round_half_away_from_zero(2.5) == 3.0
    assert round(2.5) == 2  # what Python would have done


def test_cast_saturates_like_rust() -> None:
    assert saturating_u16(65535.4) == 65535
    assert saturating_u16(1e9) == 65535
    assert saturating_u16(-1.0) == 0


def test_ramp_values() -> None:
    assert BatchSizeSchedule(1, 240, 1000).batch_size(500) == 121  # 120.5 rounds up
    assert BatchSizeSchedule(1, 2, 6).batch_size(3) == 2  # 1.5 rounds up
    assert CONSILIENCE.batch_size(1) == 12288
    assert CONSILIENCE.batch_size(274877906944) == 22528
    assert BatchSizeSchedule(0, 65535, 1000).batch_size(999) == 65469


def test_zero_warmup_tokens_means_end_from_the_start() -> None:
    assert BatchSizeSchedule(1, 240, 0).batch_size(0) == 240


def test_data_index_progression_matches_rust() -> None:
    ramp = BatchSizeSchedule(1, 240, 20000)
    indices = [0]
    for _ in range(5):
        indices.append(ramp.next_data_index(indices[-1], 2048))
    assert indices == [0, 1, 26, 266, 506, 746]
    assert [ramp.data_index_for_step(step, 100, 2048) for step in range(1, 7)] == indices


def test_data_index_for_step_outside_the_run_is_zero() -> None:
    ramp = BatchSizeSchedule(4, 4, 0)
    assert ramp.data_index_for_step(0, 10, 512) == 0
    assert ramp.data_index_for_step(11, 10, 512) == 0
    assert ramp.data_index_for_step(10, 10, 512) == 36


def test_token_count_overflow_panics() -> None:
    with pytest.raises(CoordinatorPanic):
        BatchSizeSchedule(1, 2, 10).batch_size_at(2**63, 4)
