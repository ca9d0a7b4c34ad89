"""No training lost: clients keep the last epoch's weights on disk, and a run every client left resumes from them.

After epoch 0 the weights live only with the clients (the checkpoint is P2P). A pause makes every client exit;
resumed, the coordinator points the run back at its Hub checkpoint, which holds the initial weights unless
someone uploaded. A restarted client takes its own checkpoint of the last step instead (verified by hash), offers
it to the others, and the run goes on from exactly the weights it stopped with.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
from pathlib import Path

import pytest

from client.chain.backend import TransactionFailed
from client.chain.embedded import EmbeddedBackend
from client.cli.failures import describe_failure
from client.cli.run_admin import _resume_hints
from client.participant.checkpoints import read_checkpoint
from client.participant.model_setup import DUMMY_MODEL_CONFIG
from client.participant.pipeline import DesyncError, parameter_hash
from client.participant.runner import ExitReason, TrainingClient
from client.run_owner import RunChanges, apply_changes
from client.simulate.chain import TREASURER_RUN_INDEX
from coordinator_program.core.types import Checkpoint, CheckpointTag, HubRepo, Model, RunState
from tests.client.participant.train_harness import RUN_ID, TrainRun, listening_to_events, run_toml

pytestmark = pytest.mark.integration  # loopback HTTP servers, one per client


class _Recorder(logging.Handler):
    """The clients' events; at each ``checkpoint`` event, the weights' hash of the client that wrote it."""

    def __init__(self, clients: list[TrainingClient]) -> None:
        super().__init__(logging.INFO)
        self.clients = clients
        self.events: list[tuple[str, dict[str, object]]] = []
        self.checkpointed: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        name = str(getattr(record, "event", ""))
        self.events.append((name, dict(getattr(record, "fields", {}))))
        if name == "checkpoint":  # written at Cooldown, where no training runs: these are the epoch's weights
            self.checkpointed += [parameter_hash(c.setup.trainer.model) for c in self.clients if c.setup is not None]

    def named(self, name: str) -> list[dict[str, object]]:
        return [fields for event, fields in self.events if event == name]


async def _train_until_paused(run: TrainRun, clients: list[TrainingClient], rounds: int) -> list[ExitReason]:
    """The clients train ``rounds`` rounds each, the owner pauses the run, and they all leave at the epoch's end."""
    tasks = [asyncio.create_task(c.run()) for c in clients]
    while not all(len(c.rounds) >= rounds for c in clients):
        assert not any(t.done() for t in tasks), [t.result() for t in tasks if t.done()]
        await asyncio.sleep(0.05)
    await run.pause()
    return list(await asyncio.gather(*tasks))


async def _pause_resume_restart(
    run: TrainRun, first: list[TrainingClient], restarted: list[TrainingClient], rounds: int
) -> tuple[list[ExitReason], list[ExitReason]]:
    clock = asyncio.create_task(run.clock())
    try:
        paused = await _train_until_paused(run, first, rounds)
        await run.pause(paused=False)
        finished = await asyncio.gather(*(c.run() for c in restarted))
        return paused, list(finished)
    finally:
        clock.cancel()


def test_a_client_restarted_after_a_pause_resumes_from_its_checkpoint_and_its_upload_is_announced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One client of a Dummy run, which also uploads to a hub: paused after a few rounds, it exits; the upload of
    that Cooldown is announced once the checkpoint left Dummy (so the owner can resume at all: a Dummy run's
    P2P("") fails the resume's sanity check), and the restarted client continues from its own checkpoint."""
    monkeypatch.chdir(tmp_path)  # the hub repo id is a path, and must fit the 64 bytes of HubRepo.repo_id
    run = TrainRun(run_toml(epoch_time=600, total_steps=9, init_min_clients=1, min_clients=1))
    first = run.client(0, checkpoint_dir=Path("ckpt"), hub_repo="./hub")
    restarted = run.client(0, checkpoint_dir=Path("ckpt"))
    recorder = _Recorder([first])

    with listening_to_events(recorder):
        paused, finished = asyncio.run(asyncio.wait_for(_pause_resume_restart(run, [first], [restarted], 3), 90))

    assert (paused, finished) == ([ExitReason.Paused], [ExitReason.Finished])
    written = recorder.named("checkpoint")[0]  # the pause's; the last is the Cooldown that finished the run
    step = int(str(written["step"]))
    [announced] = recorder.named("checkpoint_announced")
    assert announced["accepted"] is True and announced["repo_id"] == "./hub"
    revision = Path("hub/refs/main").read_text().strip()
    assert announced["revision"] == revision
    saved = read_checkpoint(Path("ckpt"), RUN_ID, step)
    assert saved is not None
    [_, reloaded] = recorder.named("loaded_model")
    assert reloaded["checkpoint"] == f"checkpoint ckpt/{RUN_ID}-step{step} (sha256 {saved.digest[:16]}…)"
    resumed = restarted.rounds[0]
    assert (resumed.epoch, resumed.step) == (1, step + 1)
    assert resumed.parameter_hash == recorder.checkpointed[0]  # the very weights the pause left off with
    assert recorder.checkpointed[0] != first.rounds[0].parameter_hash  # which training had changed
    assert [r.step for r in first.rounds + restarted.rounds] == list(range(1, 9))  # every step trained once
    assert RunState(run.account().state.coordinator.run_state) is RunState.Finished


@pytest.mark.slow
def test_three_clients_paused_after_epoch_1_all_exit_and_restarted_continue_from_epoch_1s_weights(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run owner's recovery: three clients, paused in epoch 1, all exit; resumed and restarted (one of them
    on a fresh machine, its checkpoints gone), the run continues from epoch 1's weights to Finished.

    The run's checkpoint is a hub holding only the initial config, never uploaded to: after the pause the
    coordinator points the run there (P2P -> Hub), so without the clients' checkpoints the run would restart from
    the initial weights. The client without a checkpoint takes the weights its peers offer instead.
    """
    monkeypatch.chdir(tmp_path)
    Path("hub").mkdir()
    Path("hub/config.json").write_text(json.dumps(DUMMY_MODEL_CONFIG))
    toml = run_toml(epoch_time=16, total_steps=40, init_min_clients=3, checkpoint={"Hub": {"repo_id": "hub"}})
    run = TrainRun(toml)
    dirs = [Path(f"ckpt-{i}") for i in range(3)]
    first = [run.client(i, checkpoint_dir=dirs[i]) for i in range(3)]
    restarted = [run.client(i, checkpoint_dir=dirs[i], offer_wait=30.0) for i in range(3)]
    recorder = _Recorder(first)

    async def scenario() -> tuple[list[ExitReason], list[ExitReason], int]:
        clock = asyncio.create_task(run.clock())
        try:
            tasks = [asyncio.create_task(c.run()) for c in first]
            while not all(any(r.epoch >= 1 for r in c.rounds) for c in first):
                assert not any(t.done() for t in tasks)
                await asyncio.sleep(0.05)
            await run.pause()
            paused = list(await asyncio.gather(*tasks))
            pause_step = max(int(str(w["step"])) for w in recorder.named("checkpoint"))
            assert CheckpointTag(run.account().state.coordinator.model.llm.checkpoint.kind) is CheckpointTag.P2P
            shutil.rmtree(dirs[2])  # client 3 comes back on a fresh machine
            await run.pause(paused=False)
            finished = list(await asyncio.gather(*(c.run() for c in restarted)))
            return paused, finished, pause_step
        finally:
            clock.cancel()

    with listening_to_events(recorder):
        paused, finished, step = asyncio.run(asyncio.wait_for(scenario(), 400))

    assert paused == [ExitReason.Paused] * 3
    assert finished == [ExitReason.Finished] * 3
    last_epoch = max(r.epoch for c in first for r in c.rounds)
    assert last_epoch >= 1
    paused_weights = recorder.checkpointed[-3:]
    assert len(set(paused_weights)) == 1  # the three agreed when they left
    loaded = sorted(str(e["checkpoint"]) for e in recorder.named("loaded_model")[-3:])
    assert [text.split(" (")[0] for text in loaded[1:]] == [f"checkpoint ckpt-{i}/{RUN_ID}-step{step}" for i in (0, 1)]
    assert loaded[0].startswith("P2P(")  # client 3, seeded by the others
    for client in restarted:
        resumed = client.rounds[0]
        assert (resumed.epoch, resumed.step) == (last_epoch + 1, step + 1)
        assert resumed.parameter_hash == paused_weights[0]  # epoch 1's weights, bit for bit
    assert paused_weights[0] != first[0].rounds[0].parameter_hash
    assert {r.step for c in restarted for r in c.rounds} == set(range(step + 1, 40))
    assert RunState(run.account().state.coordinator.run_state) is RunState.Finished


def _pointed_at(model: Model, repo_id: str) -> Model:
    """``model`` with its checkpoint set to ``Hub(repo_id)``: what the owner's edited state.toml sends."""
    pointed = Model.from_buffer_copy(model)
    repo = HubRepo()
    repo.repo_id.value = repo_id
    checkpoint = Checkpoint()
    checkpoint.set_variant(CheckpointTag.Hub, repo)
    pointed.llm.checkpoint = checkpoint
    return pointed


def test_a_dummy_run_nobody_holds_says_how_to_point_it_at_a_checkpoint_and_resumes_from_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Paused after its first epoch, a Dummy run's checkpoint is P2P(""), which the resume's sanity check refuses;
    the error names the update-config that points the run at a client's checkpoint directory, and a client that
    holds nothing at all (a fresh machine) resumes from there, from the very weights the pause left off with."""
    monkeypatch.chdir(tmp_path)
    run = TrainRun(run_toml(epoch_time=600, total_steps=7, init_min_clients=1, min_clients=1))
    first = run.client(0, checkpoint_dir=Path("ckpt"))
    fresh = run.client(0, offer_wait=0.5)  # no checkpoint dir: it can only load what the run points at
    recorder = _Recorder([first])

    async def scenario() -> tuple[str, ExitReason]:
        clock = asyncio.create_task(run.clock())
        try:
            assert await _train_until_paused(run, [first], 3) == [ExitReason.Paused]
            with pytest.raises(TransactionFailed) as refused:
                await run.pause(paused=False)
            step = int(str(recorder.named("checkpoint")[0]["step"]))
            model = run.account().state.coordinator.model
            backend = EmbeddedBackend(run.chain.bank)
            pointed = RunChanges(model=_pointed_at(model, f"ckpt/{RUN_ID}-step{step}"))
            await apply_changes(backend, run.chain.owner, RUN_ID, TREASURER_RUN_INDEX, pointed)
            await asyncio.sleep(run.second_s)  # a new blockhash: the same resume again is a new transaction
            await run.pause(paused=False)
            return describe_failure(refused.value, _resume_hints(RUN_ID)), await fresh.run()
        finally:
            clock.cancel()

    with listening_to_events(recorder):
        message, finished = asyncio.run(asyncio.wait_for(scenario(), 90))

    assert "ModelSanityCheckFailed" in message
    assert f"psyche-solana-client update-config --run-id {RUN_ID} --config-path state.toml" in message
    assert "[model.LLM.checkpoint.Hub] repo_id" in message
    assert finished is ExitReason.Finished
    step = int(str(recorder.named("checkpoint")[0]["step"]))
    assert recorder.named("loaded_model")[-1]["checkpoint"] == f"Hub(ckpt/{RUN_ID}-step{step}) with its weights"
    assert fresh.rounds[0].step == step + 1
    assert fresh.rounds[0].parameter_hash == recorder.checkpointed[0]
    assert recorder.checkpointed[0] != first.rounds[0].parameter_hash  # training had changed them


@pytest.mark.slow  # the test budget: the pause tests above cover restarting from a checkpoint directory
def test_a_client_killed_mid_epoch_restarts_from_the_last_epoch_it_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The only client of a Dummy run is killed in epoch 1: that epoch's rounds are lost with it, but epoch 0's
    weights are on its disk. A fresh machine cannot get them from anyone and says what the owner can do; the
    client restarted where it kept them waits the epoch out and in the next one resumes from them (no peer offers
    newer weights), where it used to wait forever for a peer and fail."""
    monkeypatch.chdir(tmp_path)
    run = TrainRun(run_toml(epoch_time=8, total_steps=16, init_min_clients=1, min_clients=1, deadline=3))
    first = run.client(0, checkpoint_dir=Path("ckpt"))
    fresh = run.client(0, offer_wait=0.5)
    restarted = run.client(0, checkpoint_dir=Path("ckpt"), offer_wait=0.5)
    recorder = _Recorder([first])

    async def scenario() -> tuple[str, ExitReason]:
        clock = asyncio.create_task(run.clock())
        task = asyncio.create_task(first.run())
        try:
            while sum(r.epoch == 1 for r in first.rounds) < 2:
                assert not task.done(), task.result()
                await asyncio.sleep(0.05)
            task.cancel()  # a kill: no goodbye
            await asyncio.gather(task, return_exceptions=True)
            with pytest.raises(DesyncError) as stuck:
                await fresh.run()
            return str(stuck.value), await restarted.run()
        finally:
            clock.cancel()

    with listening_to_events(recorder):
        error, finished = asyncio.run(asyncio.wait_for(scenario(), 120))

    assert "holds no checkpoint of it" in error
    assert f"psyche-solana-client update-config --run-id {RUN_ID} --config-path state.toml" in error
    assert finished is ExitReason.Finished
    kept = int(str(recorder.named("checkpoint")[0]["step"]))
    saved = read_checkpoint(Path("ckpt"), RUN_ID, kept)
    assert saved is not None
    reloaded = [e for e in recorder.named("loaded_model") if str(e["checkpoint"]).startswith("checkpoint ")]
    assert reloaded[0]["checkpoint"] == f"checkpoint ckpt/{RUN_ID}-step{kept} (sha256 {saved.digest[:16]}…)"
    resumed = restarted.rounds[0]
    assert resumed.epoch >= 2 and resumed.step > max(r.step for r in first.rounds)
    assert resumed.parameter_hash == recorder.checkpointed[0] != first.rounds[0].parameter_hash
