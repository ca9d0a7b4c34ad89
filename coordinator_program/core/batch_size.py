"""The global batch size ramp and the data-index arithmetic of §4.3.

The batch size grows linearly (in f64, like the reference) from ``global_batch_size_start`` to
``global_batch_size_end`` over the first ``global_batch_size_warmup_tokens`` tokens, rounded half away from zero
(Rust ``f64::round``, not Python's banker's ``round``) and cast to u16 with Rust's saturating ``as``. Each round
starts where the previous round's batch ended, so the data index of a step is the sum of all earlier batch sizes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from coordinator_program.core.arith import U16_MAX, checked_u64

__all__ = [
    "round_half_away_from_zero",
    "saturating_u16",
    "BatchSizeConfig",
    "BatchSizeSchedule",
]


def round_half_away_from_zero(value: float) -> float:
    """Rust's ``f64::round``.

    >>> round_half_away_from_zero(2.5), round_half_away_from_zero(3.5), round_half_away_from_zero(-2.5)
    (3.0, 4.0, -3.0)
    >>> round_half_away_from_zero(0.49999999999999994)
    0.0
    """
    if math.isnan(value) or math.isinf(value):
        return value
    magnitude = abs(value)
    whole = math.floor(magnitude)
    # magnitude - whole is exact for doubles, unlike floor(magnitude + 0.5).
    rounded = whole + 1.0 if magnitude - whole >= 0.5 else float(whole)
    return math.copysign(rounded, value)


def saturating_u16(value: float) -> int:
    """Rust's ``value as u16``: truncate toward zero, clamp to [0, 65535], NaN becomes 0.

    >>> saturating_u16(70000.0), saturating_u16(-3.0), saturating_u16(float("nan")), saturating_u16(7.9)
    (65535, 0, 0, 7)
    """
    if math.isnan(value):
        return 0
    if value <= 0:
        return 0
    if value >= U16_MAX:
        return U16_MAX
    return int(value)


class BatchSizeConfig(Protocol):
    """The three config fields the ramp reads (a ``CoordinatorConfig`` has them)."""

    global_batch_size_start: int
    global_batch_size_end: int
    global_batch_size_warmup_tokens: int


@dataclass(frozen=True)
class BatchSizeSchedule:
    """The batch-size ramp of one config.

    >>> ramp = BatchSizeSchedule(start=1, end=240, warmup_tokens=1000)
    >>> ramp.batch_size(0), ramp.batch_size(500), ramp.batch_size(1000), ramp.batch_size(5000)
    (1, 121, 240, 240)
    """

    start: int
    end: int
    warmup_tokens: int

    @classmethod
    def of(cls, config: BatchSizeConfig) -> BatchSizeSchedule:
        """The schedule a coordinator config describes."""
        return cls(
            start=config.global_batch_size_start,
            end=config.global_batch_size_end,
            warmup_tokens=config.global_batch_size_warmup_tokens,
        )

    def batch_size(self, tokens_processed: int) -> int:
        """Samples in the round that starts after ``tokens_processed`` tokens (``get_batch_size``).

        ``warmup_tokens == 0`` means the ramp is already over, so the answer is ``end``.
        """
        if tokens_processed >= self.warmup_tokens:
            return self.end
        progress = float(tokens_processed) / float(self.warmup_tokens)
        start = float(self.start)
        return saturating_u16(round_half_away_from_zero(start + (float(self.end) - start) * progress))

    def batch_size_at(self, data_index: int, max_seq_len: int) -> int:
        """Batch size of a round starting at ``data_index`` (tokens = data_index × max_seq_len, overflow-checked)."""
        return self.batch_size(checked_u64(data_index * max_seq_len, "data_index * max_seq_len"))

    def next_data_index(self, data_index: int, max_seq_len: int) -> int:
        """Where the round after one starting at ``data_index`` starts.

        >>> BatchSizeSchedule(start=2, end=2, warmup_tokens=0).next_data_index(10, 4096)
        12
        """
        return checked_u64(data_index + self.batch_size_at(data_index, max_seq_len), "data_index")

    def data_index_for_step(self, step: int, total_steps: int, max_seq_len: int) -> int:
        """``get_data_index_for_step``: the first data index of ``step``; 0 for step <= 1 or past the run.

        >>> ramp = BatchSizeSchedule(start=4, end=4, warmup_tokens=0)
        >>> [ramp.data_index_for_step(step, 10, 512) for step in (0, 1, 2, 3, 10, 11)]
        [0, 0, 4, 8, 36, 0]
        """
        if step <= 1 or step > total_steps:
            return 0
        data_index = 0
        for _ in range(1, step):
            data_index = self.next_data_index(data_index, max_seq_len)
        return data_index
