"""Cooldown checkpoints: the files beside the weights, and ``--keep-steps`` deleting the oldest directories."""

from __future__ import annotations

from pathlib import Path

from client.participant.checkpoints import delete_old_checkpoints, write_checkpoint
from client.participant.model_setup import DUMMY_MODEL_CONFIG
from client.train import build_model


def test_a_checkpoint_carries_its_extra_files_and_only_the_newest_steps_are_kept(tmp_path: Path) -> None:
    model = build_model(DUMMY_MODEL_CONFIG, 1, max_seq_len=16)
    for step in (9, 10, 2, 30):
        write_checkpoint(model, tmp_path, "run", step, {"config.json": b"{}"})
    other_run = write_checkpoint(model, tmp_path, "run-b", 1).parent
    assert (tmp_path / "run-step9" / "config.json").read_bytes() == b"{}"

    removed = delete_old_checkpoints(tmp_path, "run", keep=2)

    assert removed == [tmp_path / "run-step2", tmp_path / "run-step9"]  # by step number, not by name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run-b-step1", "run-step10", "run-step30"]
    assert other_run.is_dir()
