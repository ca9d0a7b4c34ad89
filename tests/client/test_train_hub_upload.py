"""End to end: clients given a hub repo upload the Cooldown checkpoint and announce it with ``checkpoint``.

Two clients train one short epoch of a run whose checkpoint is a local hub repository; both upload the same
step (bit-identical weights, so one revision), and the coordinator ends up pointing at that revision, from which
a newcomer loads the trained weights. Stopped while an upload runs, a client still finishes it and announces it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import pytest
import torch

from client.participant.checkpoints import read_parameters_blob
from client.participant.model_setup import DUMMY_MODEL_CONFIG, load_training_setup
from client.participant.runner import ExitReason, TrainingClient
from coordinator_program.core.types import CheckpointTag
from tests.client.participant.train_harness import TrainRun, listening_to_events, run_toml

pytestmark = pytest.mark.integration  # loopback HTTP servers, one per client


def _hub_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cooldown_time: int = 1
) -> tuple[TrainRun, list[TrainingClient]]:
    """A four-step run whose checkpoint is the local hub repo ``hub``, and two clients that upload to it."""
    monkeypatch.chdir(tmp_path)  # the repo id is a path, and must fit the 64 bytes of HubRepo.repo_id
    Path("hub").mkdir()
    Path("hub/config.json").write_text(json.dumps(DUMMY_MODEL_CONFIG))
    toml = run_toml(
        epoch_time=600,
        total_steps=4,
        init_min_clients=2,
        cooldown_time=cooldown_time,
        checkpoint={"Hub": {"repo_id": "hub"}},
    )
    run = TrainRun(toml)
    return run, [run.client(i, checkpoint_dir=Path(f"checkpoints-{i}"), hub_repo="hub") for i in range(2)]


def _uploaded(revision: str) -> dict[str, torch.Tensor]:
    return read_parameters_blob((Path("hub/revisions") / revision / "model.safetensors").read_bytes())


def test_clients_upload_the_cooldown_checkpoint_and_the_coordinator_points_at_its_revision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run, clients = _hub_run(tmp_path, monkeypatch)

    exits = asyncio.run(run.run_all(clients, timeout=120))

    assert exits == [ExitReason.Finished] * 2
    revision = Path("hub/refs/main").read_text().strip()
    assert [p.name for p in Path("hub/revisions").iterdir()] == [revision]  # both uploads made the one revision
    coordinator = run.account().state.coordinator
    checkpoint = coordinator.model.llm.checkpoint
    assert checkpoint.kind is CheckpointTag.P2P  # Hub(r) during Cooldown, P2P(r) once the epoch ended
    hub = checkpoint.variant()
    assert hub.repo_id.value == "hub"
    assert hub.revision.get() is not None and hub.revision.get().value == revision
    uploaded = _uploaded(revision)
    for name, param in clients[0].setup.trainer.model.named_parameters():  # type: ignore[union-attr]
        assert torch.equal(uploaded[name], param.detach())  # float32: exactly the weights the run stopped with
    # Loading the run's checkpoint from its repo (as after the coordinator's Hub(r) fallback, when no peer of the
    # epoch rejoins) starts from the uploaded weights.
    newcomer = load_training_setup(coordinator.model, "another-run", torch.device("cpu"), None)
    assert newcomer.checkpoint == f"P2P(hub@{revision}) with its weights"
    for name, param in newcomer.trainer.model.named_parameters():
        assert torch.equal(param.detach(), uploaded[name])


class _StopAtCheckpoint(logging.Handler):
    """Sets ``stop`` (the user's Ctrl-C) as soon as a client has written its checkpoint, before it uploads."""

    def __init__(self, stop: asyncio.Event) -> None:
        super().__init__(logging.INFO)
        self.stop = stop

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "event", None) == "checkpoint":
            self.stop.set()


def test_a_client_stopped_while_uploading_finishes_the_upload_and_still_announces_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run, clients = _hub_run(tmp_path, monkeypatch, cooldown_time=60)  # a Cooldown no client can miss

    async def run_until_the_first_checkpoint() -> list[ExitReason]:
        stop = asyncio.Event()
        clock = asyncio.create_task(run.clock())
        try:
            with listening_to_events(_StopAtCheckpoint(stop)):
                return await asyncio.wait_for(asyncio.gather(*(c.run(stop) for c in clients)), 120)
        finally:
            clock.cancel()

    exits = asyncio.run(run_until_the_first_checkpoint())

    assert exits == [ExitReason.Stopped] * 2
    revision = Path("hub/refs/main").read_text().strip()
    checkpoint = run.account().state.coordinator.model.llm.checkpoint
    assert checkpoint.kind is CheckpointTag.Hub  # nobody ticks any more: the run stays in Cooldown, still Hub
    assert checkpoint.variant().revision.get().value == revision
    trained = clients[0].setup.trainer.model  # type: ignore[union-attr]
    assert set(_uploaded(revision)) == {name for name, _ in trained.named_parameters()}
