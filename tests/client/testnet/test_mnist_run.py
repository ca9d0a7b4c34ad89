"""``config/mnist`` as a user runs it: three clients train SmolCluster's MLP on the digits through the testnet to
Finished, every replica ends identical, and the held-out accuracy (``--eval-steps``) reaches 95%, in the summary,
the plot, and the TensorBoard files. Slow (a few minutes on 2 cores): not in ``make test``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from client.data.images import digits_dataset, write_image_dataset

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[3]


def test_three_clients_reach_95_percent_on_the_held_out_digits(tmp_path: Path) -> None:
    data = tmp_path / "digits"
    write_image_dataset(data, digits_dataset())
    config = tmp_path / "mnist"
    config.mkdir()
    state = (REPO / "config" / "mnist" / "state.toml").read_text()
    (config / "state.toml").write_text(state.replace('Local = "data/mnist-digits"', f'Local = "{data}"'))
    logs = tmp_path / "logs"
    command = [sys.executable, "-m", "client.testnet.cli", "start", "--headless", "--num-clients", "3"]
    command += ["--config-path", str(config), "--write-log", str(logs), "--tensorboard-dir", str(tmp_path / "tb")]
    command += ["--wandb-mode", "disabled"]

    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=900)

    assert result.returncode == 0, result.stderr[-3000:]
    summary = next(json.loads(line) for line in result.stdout.splitlines() if '"event": "summary"' in line)
    assert (summary["reason"], summary["epochs"], summary["steps_trained"]) == ("Finished", 1, 99)
    assert summary["weights_identical"] and {c["final_step"] for c in summary["clients"]} == {99}
    assert summary["final_eval"]["step"] == 99 and summary["final_eval"]["accuracy"] >= 0.95
    assert (logs / "loss.png").stat().st_size > 0

    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    for client in ("client-1", "client-2", "client-3"):
        events = EventAccumulator(str(tmp_path / "tb" / client))
        events.Reload()
        accuracy = events.Scalars("eval/accuracy")
        assert [e.step for e in accuracy] == [*range(10, 100, 10), 99]
        assert accuracy[-1].value == pytest.approx(summary["final_eval"]["accuracy"])
        assert len(events.Scalars("train/loss")) == 99
