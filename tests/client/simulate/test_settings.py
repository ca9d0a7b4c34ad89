"""Durations and settings a run owner can get wrong are refused with a message naming the option."""

from __future__ import annotations

import pytest

from client.simulate import DurationError, SettingsError, SimulationSettings, format_duration, parse_duration
from tests.client.simulate.runs import run_config


@pytest.mark.parametrize("text", ["", "0", "0h", "h", "5x", "-5", "1.5h", "24 h"])
def test_not_a_duration(text: str) -> None:
    with pytest.raises(DurationError):
        parse_duration(text)


def test_durations_round_trip() -> None:
    assert parse_duration("2d3h4m5s") == 2 * 86400 + 3 * 3600 + 4 * 60 + 5
    assert format_duration(parse_duration("2d3h4m5s")) == "2d 03h 04m 05s"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"clients": 0}, "--clients must be 1..256"),
        ({"clients": 257}, "--clients must be 1..256"),
        ({"dropout_rate": -1.0}, "--join-rate and --dropout-rate"),
        ({"slow_fraction": 1.5}, "--slow-fraction must be in"),
        ({"slow_factor": 0.0}, "--slow-factor must be > 0"),
        ({"earning_rate": 2**64}, "--earning-rate must fit in a u64"),
    ],
)
def test_settings_out_of_range(options: dict[str, object], message: str) -> None:
    base: dict[str, object] = {"run_config": run_config(), "clients": 2, "duration_s": 60}
    with pytest.raises(SettingsError, match=message):
        SimulationSettings(**{**base, **options})  # type: ignore[arg-type]


def test_slow_clients_is_the_rounded_fraction() -> None:
    assert SimulationSettings(run_config(), 10, 60, slow_fraction=0.25).slow_clients == 2
