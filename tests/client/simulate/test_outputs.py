"""What ``simulate`` writes scales with the run's summary, not with its events: the JSON report keeps per-event
detail behind ``--events``, the timeline is drawn per time bucket and covers the run up to Finished, and amounts are
given in base units and in the UI units the CLI takes."""

from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner

from client.simulate import SimulationReport, build_report, run_simulation
from client.simulate.buckets import bucket_timeline
from client.simulate.command import simulate
from client.simulate.timeline import draw_timeline
from tests.client.simulate.runs import TEST_CONFIG, run_config, settings


def _report(duration_s: int, **overrides: int) -> SimulationReport:
    config = run_config(**({"total_steps": 100_000, "epoch_time": 3600} | overrides))
    return build_report(run_simulation(settings(config, 2, duration_s, earning_rate=1000)))


@pytest.fixture(scope="module")
def long_report() -> SimulationReport:
    """20 minutes of 4-second rounds: ~300 rounds and ~600 state changes in one epoch."""
    return _report(1200)


def test_report_json_size_follows_the_summary_not_the_events(long_report: SimulationReport) -> None:
    short = _report(120)
    assert long_report.figures.rounds > 10 * short.figures.rounds
    assert abs(len(json.dumps(long_report.to_json())) - len(json.dumps(short.to_json()))) < 200
    detailed = long_report.to_json(events=True)
    assert len(detailed["rounds"]) == long_report.figures.rounds == detailed["events"]["rounds"]
    assert len(detailed["timeline_states"]) == detailed["events"]["state_changes"]


def test_timeline_is_drawn_per_bucket_not_per_event(long_report: SimulationReport) -> None:
    from matplotlib import pyplot as plt

    figure = draw_timeline(long_report, buckets=50)
    states_axis, clients_axis = figure.axes
    assert len(long_report.timeline_states) > 500
    assert (len(states_axis.images), len(states_axis.patches)) == (1, 0)
    assert states_axis.images[0].get_array().shape[1] == 50
    steps = [patch for patch in clients_axis.patches if hasattr(patch, "get_data")]
    assert [len(step.get_data().values) for step in steps] == [50, 50]
    plt.close(figure)


def test_timeline_and_report_cover_the_run_up_to_finished() -> None:
    from matplotlib import pyplot as plt

    report = _report(600, total_steps=10, epoch_time=60)
    assert report.figures.final_state == "Finished"
    assert report.figures.simulated_s == 46 < report.figures.duration_s
    figure = draw_timeline(report, buckets=46)
    assert figure.axes[1].get_xlim() == (0, 46 / 60)  # minutes
    assert "Finished" not in {t.state for t in report.figures.time_in_states}
    plt.close(figure)


def test_buckets_split_each_buckets_time_between_states() -> None:
    states = [(at / 10, "A" if at % 2 else "B") for at in range(20_000)]
    counts = [(0.0, 3, 2)]
    timeline = bucket_timeline(states, counts, 2_000, frozenset({"B"}), buckets=100)
    assert len(timeline.edges) == 101 and timeline.edges[-1] == 2_000
    for bucket in range(100):
        assert math.isclose(timeline.state_shares["A"][bucket] + timeline.state_shares["B"][bucket], 1.0)
        assert math.isclose(timeline.state_shares["A"][bucket], 0.5)
    assert timeline.online == pytest.approx([3.0] * 100)
    assert timeline.in_epoch == pytest.approx([2.0] * 100)  # only over the "A" half of each bucket


def test_amounts_are_given_in_base_and_ui_units() -> None:
    args = ["--config-path", str(TEST_CONFIG), "--clients", "2", "--duration", "10m", "--earning-rate", "1000"]
    result = CliRunner(mix_stderr=False).invoke(simulate, [*args, "--decimals", "3"])
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "earning rate 1,000 base units = 1 UI units per epoch" in text
    assert "(set-future-epoch-rates --earning-rate-total-shared 1)" in text
    assert "treasury needed 1,200 base units = 1.2 UI units" in text
    assert "(treasurer-top-up-rewards --collateral-amount 1.2)" in text
    document = json.loads(CliRunner(mix_stderr=False).invoke(simulate, [*args, "--json"]).stdout)
    treasury = document["figures"]["treasury"]
    assert (treasury["decimals"], treasury["needed"], treasury["needed_ui"]) == (6, 1200, 0.0012)
