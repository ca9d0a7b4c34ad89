"""``simulate`` as a run owner calls it: click's CliRunner, a real config directory, files written to --out."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from client.simulate.command import simulate
from tests.client.simulate.runs import TEST_CONFIG

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_text_report_and_files(tmp_path: Path) -> None:
    out = tmp_path / "rehearsal"
    args = ["--config-path", str(TEST_CONFIG), "--clients", "2", "--duration", "10m", "--earning-rate", "1000"]
    result = CliRunner(mix_stderr=False).invoke(simulate, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert "Time in each run state" in result.stdout
    assert "total_steps = 10 (9 trained steps)" in " ".join(result.stdout.split())
    assert (out / "report.txt").read_text() == result.stdout
    document = json.loads((out / "report.json").read_text())
    figures = document["figures"]
    assert (figures["steps_trained"], figures["epochs_completed"], figures["duration_s"]) == (9, 1, 600)
    assert [c["points"] for c in figures["clients_detail"]] == [500, 500]
    assert figures["treasury"]["needed"] == 1200
    assert "timeline_states" not in document  # per-event detail only with --events
    assert (out / "timeline.png").read_bytes().startswith(PNG_MAGIC)
    assert f"wrote {out / 'timeline.png'}" in result.stderr


def test_json_report_on_stdout() -> None:
    args = ["--config-path", str(TEST_CONFIG / "state.toml"), "--clients", "1", "--duration", "90", "--json"]
    result = CliRunner(mix_stderr=False).invoke(simulate, args)
    assert result.exit_code == 0, result.stderr
    figures = json.loads(result.stdout)["figures"]
    assert figures["final_state"] == "Waiting for members"
    assert figures["findings"][0]["kind"] == "never_started"


def test_progress_of_the_simulated_time_goes_to_stderr_when_asked() -> None:
    """Off a terminal the bar is drawn only with --progress, on stderr, leaving the report on stdout as it was."""
    args = ["--config-path", str(TEST_CONFIG), "--clients", "2", "--duration", "10m", "--json"]
    quiet = CliRunner(mix_stderr=False).invoke(simulate, args)
    asked = CliRunner(mix_stderr=False).invoke(simulate, [*args, "--progress"])
    assert quiet.exit_code == asked.exit_code == 0, asked.stderr
    assert "simulating" not in quiet.stderr and "simulating" in asked.stderr
    without_wall_clock = [json.loads(r.stdout)["figures"] for r in (quiet, asked)]
    for figures in without_wall_clock:
        figures.pop("wall_seconds", None), figures.pop("simulated_seconds_per_wall_second", None)
    assert without_wall_clock[0] == without_wall_clock[1]


def test_bad_duration_is_a_usage_error() -> None:
    args = ["--config-path", str(TEST_CONFIG), "--clients", "2", "--duration", "soon"]
    result = CliRunner(mix_stderr=False).invoke(simulate, args)
    assert result.exit_code == 2
    assert "'soon' is not a duration: use e.g. 24h, 90m, 1h30m, 3600s or 3600" in result.stderr


def test_config_the_program_would_refuse_is_one_sentence(tmp_path: Path) -> None:
    broken = tmp_path / "state.toml"
    text = (TEST_CONFIG / "state.toml").read_text().replace("epoch_time = 60 ", "epoch_time = 0 ")
    broken.write_text(text)
    result = CliRunner(mix_stderr=False).invoke(simulate, ["--config-path", str(tmp_path), "--clients", "2"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {broken}: config.epoch_time:")
