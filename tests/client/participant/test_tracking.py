"""Experiment tracking: the client's metrics, as its log events carry them, read back from a W&B offline run and
from TensorBoard event files with the libraries' own readers."""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path

import pytest

from client.participant.logs import EVENT_LOGGER, emit
from client.participant.round_metrics import RoundFigures, round_metrics
from client.participant.tracking import TrackingError, TrackingOptions, WandbMode, start_tracking
from client.train.evaluation import EvalResult

STEPS = (1, 2, 3)


def _emit_run() -> None:
    """What a client logs over three rounds, with an evaluation at step 2 (as ``--eval-steps 2`` would)."""
    for step in STEPS:
        figures = RoundFigures(
            loss=2.0 / step,
            lr=1e-3 * step,
            outputs=10,
            total_tokens=48 * 65 * step,
            tokens_per_sec=1000.0,
            train_seconds=0.5,
            step_seconds=1.0,
            num_clients=3,
            epoch=0,
            round=step - 1,
            grad_norm=0.25 * step,
            layer_grad_norms={"fc1.weight": 0.1 * step},
        )
        emit("client_loss", f"step {step}", step=step, metrics=round_metrics(figures))
        if step == 2:
            emit("eval", "eval", step=step, metrics=EvalResult(0.5, 359, accuracy=0.9).metrics())


def _wandb_history(run_file: Path) -> tuple[dict[str, str], list[dict[str, float]]]:
    """The run's group/name/project and its logged rows, read with wandb's own record reader."""
    from wandb.proto import wandb_internal_pb2
    from wandb.sdk.internal.datastore import DataStore

    store = DataStore()
    store.open_for_scan(str(run_file))
    run: dict[str, str] = {}
    rows: list[dict[str, float]] = []
    while (data := store.scan_data()) is not None:
        record = wandb_internal_pb2.Record()
        record.ParseFromString(data)
        if record.WhichOneof("record_type") == "run":
            run = {"group": record.run.run_group, "name": record.run.display_name, "project": record.run.project}
        elif record.WhichOneof("record_type") == "history":
            items = record.history.item  # a name with "/" is stored split, as nested_key
            rows.append({item.key or "/".join(item.nested_key): json.loads(item.value_json) for item in items})
    return run, rows


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> Path:
    caplog.set_level(logging.INFO, logger=EVENT_LOGGER)  # what train's configure_logging sets
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    monkeypatch.setenv("WANDB_SILENT", "true")
    return tmp_path


def test_metrics_reach_wandb_offline_and_tensorboard_at_their_steps(offline: Path) -> None:
    options = TrackingOptions(
        wandb_project="psyche-mnist",
        wandb_run="client-1",
        wandb_group="testnet-1",
        tensorboard_dir=offline / "tb",
    )
    assert options.resolved_wandb_mode() is WandbMode.Offline  # no WANDB_API_KEY
    handler = start_tracking(options, {"run_id": "mnist"})
    assert handler is not None
    try:
        _emit_run()
    finally:
        logging.getLogger(EVENT_LOGGER).removeHandler(handler)
        handler.close()

    [run_file] = offline.glob("wandb/offline-run-*/run-*.wandb")
    run, rows = _wandb_history(run_file)
    assert run == {"group": "testnet-1", "name": "client-1", "project": "psyche-mnist"}
    assert [row["_step"] for row in rows] == list(STEPS)
    assert [row["train/loss"] for row in rows] == [2.0, 1.0, 2.0 / 3]
    assert rows[1]["eval/accuracy"] == 0.9 and rows[1]["eval/loss"] == 0.5
    assert "eval/accuracy" not in rows[0] and "eval/accuracy" not in rows[2]
    assert math.isclose(rows[2]["train/perplexity"], math.exp(2.0 / 3))
    for name in ("train/lr", "train/confidence", "train/total_tokens", "train/tokens_per_sec", "train/efficency"):
        assert name in rows[0]
    assert rows[0]["coordinator/num_clients"] == 3 and rows[2]["coordinator/round"] == 2
    assert [row["grad_norm"] for row in rows] == [0.25, 0.5, 0.75]
    assert rows[0]["gradients/layer_fc1.weight"] == 0.1

    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(offline / "tb"))
    events.Reload()
    assert [(e.step, e.value) for e in events.Scalars("train/loss")] == [(1, 2.0), (2, 1.0), (3, pytest.approx(2 / 3))]
    assert [(e.step, e.value) for e in events.Scalars("eval/accuracy")] == [(2, pytest.approx(0.9))]
    assert [e.step for e in events.Scalars("grad_norm")] == list(STEPS)
    assert {"coordinator/epoch", "train/lr", "gradients/layer_fc1.weight"} <= set(events.Tags()["scalars"])


def test_disabled_or_unasked_tracking_starts_nothing(offline: Path) -> None:
    assert start_tracking(TrackingOptions(wandb_project="p", wandb_mode=WandbMode.Disabled), {}) is None
    assert start_tracking(TrackingOptions(), {}) is None
    assert not (offline / "wandb").exists()


def test_online_wandb_needs_an_api_key(offline: Path) -> None:
    with pytest.raises(TrackingError, match="needs WANDB_API_KEY"):
        start_tracking(TrackingOptions(wandb_project="p", wandb_mode=WandbMode.Online), {})


def test_an_api_key_makes_online_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDB_API_KEY", "x" * 40)

    assert TrackingOptions(wandb_project="p").resolved_wandb_mode() is WandbMode.Online
