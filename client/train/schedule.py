"""Learning-rate schedules, exactly as the reference computes them (``shared/core/src/definitions.rs``), and the
cold-start factor that re-warms the rate after a pause (spec client-training.md §2.4).

Every schedule warms up linearly from ``warmup_init_lr`` to ``base_lr`` over ``warmup_steps`` (``step <
warmup_steps``), then follows its own shape. Steps are the coordinator's global ``progress.step``. Arithmetic is in
Python floats (f64), as in the reference, so every client computes the same rate bit for bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, assert_never

from client.train.errors import TrainConfigError
from coordinator_program.core.types import LearningRateSchedule as ScheduleDefinition
from coordinator_program.core.types import LearningRateScheduleTag

__all__ = [
    "ConstantLR",
    "LinearLR",
    "CosineLR",
    "WarmupStableDecayLR",
    "LearningRateSchedule",
    "schedule_from_definition",
    "cold_start_factor",
    "learning_rate",
    "previous_learning_rate",
]


def _warmup(warmup_init_lr: float, base_lr: float, step: int, warmup_steps: int) -> float:
    return warmup_init_lr + (base_lr - warmup_init_lr) * (step / warmup_steps)


@dataclass(frozen=True)
class ConstantLR:
    """Warm-up, then ``base_lr`` for ever.

    >>> [ConstantLR(base_lr=0.01, warmup_init_lr=0.001, warmup_steps=10).lr(s) for s in (0, 10, 1000)]
    [0.001, 0.01, 0.01]
    """

    base_lr: float
    warmup_init_lr: float
    warmup_steps: int

    def lr(self, step: int) -> float:
        """The rate at ``step``."""
        if step < self.warmup_steps:
            return _warmup(self.warmup_init_lr, self.base_lr, step, self.warmup_steps)
        return self.base_lr


@dataclass(frozen=True)
class LinearLR:
    """Warm-up, then a straight line from ``base_lr`` down to ``final_lr`` at ``total_steps``, then ``final_lr``."""

    base_lr: float
    warmup_init_lr: float
    final_lr: float
    warmup_steps: int
    total_steps: int

    def lr(self, step: int) -> float:
        """The rate at ``step``."""
        if step < self.warmup_steps:
            return _warmup(self.warmup_init_lr, self.base_lr, step, self.warmup_steps)
        if step < self.total_steps:
            progress = (step - self.warmup_steps) / (self.total_steps - self.warmup_steps)
            return self.base_lr + (self.final_lr - self.base_lr) * progress
        return self.final_lr


@dataclass(frozen=True)
class CosineLR:
    """Warm-up, then a half cosine from ``base_lr`` to ``final_lr`` at ``total_steps``.

    As in the reference the cosine is not clamped: past ``total_steps`` it rises again (a run finishes at
    ``total_steps``, so no client trains there). ``total_steps`` must exceed ``warmup_steps``; the reference
    divides by zero (or underflows) otherwise.
    """

    base_lr: float
    warmup_init_lr: float
    final_lr: float
    warmup_steps: int
    total_steps: int

    def __post_init__(self) -> None:
        if self.total_steps <= self.warmup_steps:
            raise TrainConfigError(
                f"Cosine schedule: total_steps ({self.total_steps}) must exceed warmup_steps ({self.warmup_steps})"
            )

    def lr(self, step: int) -> float:
        """The rate at ``step``."""
        if step < self.warmup_steps:
            return _warmup(self.warmup_init_lr, self.base_lr, step, self.warmup_steps)
        progress = (step - self.warmup_steps) / (self.total_steps - self.warmup_steps)
        return self.final_lr + (self.base_lr - self.final_lr) * 0.5 * (1.0 + math.cos(math.pi * progress))


@dataclass(frozen=True)
class WarmupStableDecayLR:
    """Warm-up, ``stable_steps`` at ``base_lr``, a half cosine to ``cosine_decay_final_lr`` over
    ``cosine_decay_steps``, a line to ``linear_decay_final_lr`` over ``linear_decay_steps``, then flat.

    The reference asserts ``linear_decay_final_lr <= cosine_decay_final_lr <= base_lr`` on every call; here the
    check runs once, when the schedule is built.
    """

    base_lr: float
    warmup_init_lr: float
    cosine_decay_final_lr: float
    linear_decay_final_lr: float
    warmup_steps: int
    stable_steps: int
    cosine_decay_steps: int
    linear_decay_steps: int

    def __post_init__(self) -> None:
        if not self.linear_decay_final_lr <= self.cosine_decay_final_lr <= self.base_lr:
            raise TrainConfigError(
                "WarmupStableDecay schedule needs linear_decay_final_lr <= cosine_decay_final_lr <= base_lr, got "
                f"{self.linear_decay_final_lr}, {self.cosine_decay_final_lr}, {self.base_lr}"
            )

    def lr(self, step: int) -> float:
        """The rate at ``step``."""
        stable_end = self.warmup_steps + self.stable_steps
        cosine_end = stable_end + self.cosine_decay_steps
        if step < self.warmup_steps:
            return _warmup(self.warmup_init_lr, self.base_lr, step, self.warmup_steps)
        if step < stable_end:
            return self.base_lr
        if step < cosine_end:
            progress = (step - stable_end) / self.cosine_decay_steps
            cosine = 0.5 * (1.0 + math.cos(math.pi * progress))
            return self.cosine_decay_final_lr + (self.base_lr - self.cosine_decay_final_lr) * cosine
        if step < cosine_end + self.linear_decay_steps:
            progress = (step - cosine_end) / self.linear_decay_steps
            return self.cosine_decay_final_lr - (self.cosine_decay_final_lr - self.linear_decay_final_lr) * progress
        return self.linear_decay_final_lr


LearningRateSchedule = ConstantLR | LinearLR | CosineLR | WarmupStableDecayLR


def schedule_from_definition(definition: ScheduleDefinition) -> LearningRateSchedule:
    """The schedule a run's ``model.lr_schedule`` (the coordinator's ctypes view) describes."""
    kind = definition.kind
    v: Any = definition.variant()  # the ctypes structure of ``kind``
    if kind is LearningRateScheduleTag.Constant:
        return ConstantLR(v.base_lr, v.warmup_init_lr, v.warmup_steps)
    if kind is LearningRateScheduleTag.Linear:
        return LinearLR(v.base_lr, v.warmup_init_lr, v.final_lr, v.warmup_steps, v.total_steps)
    if kind is LearningRateScheduleTag.Cosine:
        return CosineLR(v.base_lr, v.warmup_init_lr, v.final_lr, v.warmup_steps, v.total_steps)
    if kind is LearningRateScheduleTag.WarmupStableDecay:
        return WarmupStableDecayLR(
            v.base_lr,
            v.warmup_init_lr,
            v.cosine_decay_final_lr,
            v.linear_decay_final_lr,
            v.warmup_steps,
            v.stable_steps,
            v.cosine_decay_steps,
            v.linear_decay_steps,
        )
    assert_never(kind)


def cold_start_factor(step: int, warmup_lr_between: tuple[int, int] | None) -> float:
    """The factor that re-warms the rate in a cold-start epoch: ``(step - start) / (end - start)`` inside the
    closed interval ``[start, end]`` (0 at its first step), 1 outside it or when there is no interval.

    ``warmup_lr_between`` is the coordinator's ``get_cold_start_warmup_bounds()`` (``end > start`` whenever set).

    >>> [cold_start_factor(s, (10, 14)) for s in (9, 10, 12, 14, 15)]
    [1.0, 0.0, 0.5, 1.0, 1.0]
    """
    if warmup_lr_between is None:
        return 1.0
    start, end = warmup_lr_between
    if start <= step <= end:
        return (step - start) / (end - start)
    return 1.0


def learning_rate(schedule: LearningRateSchedule, step: int, warmup_lr_between: tuple[int, int] | None) -> float:
    """``lr(step)``: the schedule's rate times the cold-start factor (the reference's ``Trainer::get_lr``)."""
    return schedule.lr(step) * cold_start_factor(step, warmup_lr_between)


def previous_learning_rate(
    schedule: LearningRateSchedule, step: int, warmup_lr_between: tuple[int, int] | None
) -> float:
    """``lr(step - 1)``, and ``lr(0)`` at step 0: the rate of the DisTrO lookahead (spec §3.4)."""
    return learning_rate(schedule, max(step - 1, 0), warmup_lr_between)
