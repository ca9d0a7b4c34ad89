"""Learning-rate schedules as the reference computes them, the cold-start factor, and reading a run's schedule."""

from __future__ import annotations

import ctypes

import pytest

from client.train.errors import TrainConfigError
from client.train.schedule import (
    ConstantLR,
    CosineLR,
    LinearLR,
    WarmupStableDecayLR,
    learning_rate,
    previous_learning_rate,
    schedule_from_definition,
)
from coordinator_program.core.types import LearningRateSchedule, LearningRateScheduleTag
from coordinator_program.core.types.model import ConstantLR as ConstantDefinition
from coordinator_program.core.types.model import CosineLR as CosineDefinition
from coordinator_program.core.types.model import WarmupStableDecayLR as WsdDefinition


def test_constant_warms_up_linearly_then_holds() -> None:
    schedule = ConstantLR(base_lr=0.01, warmup_init_lr=0.001, warmup_steps=10)
    assert schedule.lr(0) == pytest.approx(0.001)
    assert schedule.lr(5) == pytest.approx(0.001 + (0.01 - 0.001) * 0.5)
    assert schedule.lr(9) == pytest.approx(0.001 + (0.01 - 0.001) * 0.9)
    assert [schedule.lr(s) for s in (10, 100, 1000)] == [0.01, 0.01, 0.01]
    assert ConstantLR(base_lr=0.01, warmup_init_lr=0.001, warmup_steps=0).lr(0) == 0.01


def test_linear_decays_to_final_at_total_steps_then_holds() -> None:
    schedule = LinearLR(base_lr=0.01, warmup_init_lr=0.001, final_lr=0.0001, warmup_steps=10, total_steps=100)
    assert schedule.lr(5) == pytest.approx(0.0055)
    assert schedule.lr(10) == pytest.approx(0.01)
    assert schedule.lr(55) == pytest.approx(0.01 + (0.0001 - 0.01) * 0.5)
    assert schedule.lr(100) == pytest.approx(0.0001)
    assert schedule.lr(200) == pytest.approx(0.0001)


def test_cosine_follows_half_a_cosine() -> None:
    schedule = CosineLR(base_lr=0.01, warmup_init_lr=0.001, final_lr=0.0, warmup_steps=10, total_steps=110)
    assert schedule.lr(5) == pytest.approx(0.0055)
    assert schedule.lr(10) == pytest.approx(0.01)
    assert schedule.lr(60) == pytest.approx(0.005)
    assert schedule.lr(110) == pytest.approx(0.0, abs=1e-15)


def test_cosine_is_not_clamped_past_total_steps_as_in_the_reference() -> None:
    schedule = CosineLR(base_lr=0.01, warmup_init_lr=0.0, final_lr=0.0, warmup_steps=10, total_steps=110)
    assert schedule.lr(160) == pytest.approx(0.005)  # on its way back up
    assert schedule.lr(210) == pytest.approx(0.01)


def test_cosine_needs_total_steps_beyond_warmup() -> None:
    with pytest.raises(TrainConfigError, match="total_steps"):
        CosineLR(base_lr=0.01, warmup_init_lr=0.0, final_lr=0.0, warmup_steps=10, total_steps=10)


def test_warmup_stable_decay_goes_through_its_four_stages() -> None:
    schedule = WarmupStableDecayLR(
        base_lr=0.01,
        warmup_init_lr=0.001,
        cosine_decay_final_lr=0.001,
        linear_decay_final_lr=0.0,
        warmup_steps=10,
        stable_steps=60,
        cosine_decay_steps=110,
        linear_decay_steps=20,
    )
    assert schedule.lr(5) == pytest.approx(0.0055)
    assert [schedule.lr(s) for s in (10, 30, 69)] == [0.01, 0.01, 0.01]
    assert schedule.lr(70) == pytest.approx(0.01)  # cosine decay starts
    assert schedule.lr(125) == pytest.approx(0.0055)  # cosine midpoint
    assert schedule.lr(179) == pytest.approx(0.001, abs=1e-4)
    assert schedule.lr(180) == pytest.approx(0.001)  # linear decay starts
    assert schedule.lr(190) == pytest.approx(0.0005)
    assert [schedule.lr(200), schedule.lr(250)] == [0.0, 0.0]


def test_warmup_stable_decay_refuses_rising_final_rates() -> None:
    with pytest.raises(TrainConfigError, match="linear_decay_final_lr <= cosine_decay_final_lr"):
        WarmupStableDecayLR(0.01, 0.0, 0.02, 0.0, 1, 1, 1, 1)


def test_cold_start_scales_the_rate_from_zero_over_its_window() -> None:
    schedule = ConstantLR(base_lr=0.01, warmup_init_lr=0.0, warmup_steps=0)
    window = (20, 24)
    rates = [learning_rate(schedule, step, window) for step in (19, 20, 21, 22, 24, 25)]
    assert rates == pytest.approx([0.01, 0.0, 0.0025, 0.005, 0.01, 0.01])
    assert learning_rate(schedule, 20, None) == 0.01


def test_previous_rate_is_the_rate_one_step_back_and_at_zero_step_zero() -> None:
    schedule = ConstantLR(base_lr=1.0, warmup_init_lr=0.0, warmup_steps=10)
    assert previous_learning_rate(schedule, 5, None) == pytest.approx(0.4)
    assert previous_learning_rate(schedule, 0, None) == 0.0
    assert previous_learning_rate(schedule, 21, (20, 22)) == 0.0  # lr(20) in a cold start at 20


def definition(tag: LearningRateScheduleTag, value: ctypes.Structure) -> LearningRateSchedule:
    schedule = LearningRateSchedule()
    schedule.set_variant(tag, value)
    return schedule


def test_schedules_are_read_from_the_run_config() -> None:
    constant = definition(LearningRateScheduleTag.Constant, ConstantDefinition(1e-3, 1e-4, 5))
    assert schedule_from_definition(constant) == ConstantLR(1e-3, 1e-4, 5)
    cosine = definition(LearningRateScheduleTag.Cosine, CosineDefinition(4e-4, 0.0, 4e-5, 20, 200))
    assert schedule_from_definition(cosine) == CosineLR(4e-4, 0.0, 4e-5, 20, 200)
    wsd = definition(LearningRateScheduleTag.WarmupStableDecay, WsdDefinition(2e-4, 0.0, 2e-5, 0.0, 10, 100, 50, 5))
    assert schedule_from_definition(wsd) == WarmupStableDecayLR(2e-4, 0.0, 2e-5, 0.0, 10, 100, 50, 5)
