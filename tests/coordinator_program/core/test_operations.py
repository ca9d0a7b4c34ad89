"""Error paths and effects of the non-tick operations (§1.4, §5.1-§5.4)."""

from __future__ import annotations

import pytest

from coordinator_program.core import (
    CoordinatorError,
    CoordinatorFailure,
    CoordinatorPanic,
    checkpoint,
    current_round,
    pause,
    resume,
    tick,
    warmup_witness,
    withdraw,
    witness,
)
from coordinator_program.core.queries import run_state_of
from coordinator_program.core.types import Checkpoint, CheckpointTag, ClientState, GcsRepo, HubRepo, RunState

from .runs import Run, elected_witness, identity, new_coordinator, unpause, warmup_message


def signer(n: int) -> bytes:
    return bytes(identity(n).signer)


def run_in(state: RunState, members: int = 2) -> Run:
    """A run with ``members`` clients (W = all of them) brought to ``state``."""
    coordinator = new_coordinator(min_clients=members, init_min_clients=members, witness_nodes=members, epoch_time=100)
    run = Run(coordinator, [identity(n) for n in range(members)])
    unpause(coordinator, run.now)
    for _ in range(3):
        if run.state is state:
            return run
        run.advance(10)
        run.tick()
    if state is RunState.RoundWitness:
        run.advance(15)
        run.tick()
    assert run.state is state
    return run


def failure_of(call: object, *args: object) -> CoordinatorError:
    with pytest.raises(CoordinatorFailure) as failure:
        call(*args)  # type: ignore[operator]
    return failure.value.error


def test_witness_outside_a_round_is_invalid_run_state() -> None:
    run = run_in(RunState.Warmup)
    error = failure_of(witness, run.coordinator, signer(0), warmup_message(0), run.now)
    assert error is CoordinatorError.InvalidRunState


def test_witness_while_halted_is_halted() -> None:
    coordinator = new_coordinator()
    assert failure_of(witness, coordinator, signer(0), warmup_message(0), 0) is CoordinatorError.Halted


def test_duplicate_witness_is_rejected() -> None:
    run = run_in(RunState.RoundTrain, members=3)
    message = elected_witness(run.coordinator, 0)
    assert message is not None
    witness(run.coordinator, signer(0), message, run.now)
    assert failure_of(witness, run.coordinator, signer(0), message, run.now) is CoordinatorError.DuplicateWitness


def test_witnesses_in_round_witness_are_stored_without_effect() -> None:
    run = run_in(RunState.RoundWitness, members=2)
    message = elected_witness(run.coordinator, 1)
    assert message is not None
    started = run.coordinator.run_state_start_unix_timestamp
    run.advance(1)
    witness(run.coordinator, signer(1), message, run.now)
    round_ = current_round(run.coordinator)
    assert round_ is not None and len(round_.witnesses) == 1
    assert run.coordinator.run_state_start_unix_timestamp == started


def test_warmup_witnesses_fill_up_to_32() -> None:
    run = run_in(RunState.Warmup, members=2)
    run.coordinator.config.witness_nodes = 33  # never reached: the list is full first (only via a bad config)
    for n in range(32):
        warmup_witness(run.coordinator, bytes([n]) * 32, warmup_message(0 if n else 1), run.now, 1)
    with pytest.raises(CoordinatorFailure) as failure:
        warmup_witness(run.coordinator, b"\xff" * 32, warmup_message(0), run.now, 1)
    assert failure.value.error is CoordinatorError.WitnessesFull


def test_warmup_witness_duplicate_uses_the_stored_index() -> None:
    run = run_in(RunState.Warmup, members=2)
    warmup_witness(run.coordinator, signer(0), warmup_message(0), run.now, 1)
    error = failure_of(warmup_witness, run.coordinator, signer(0), warmup_message(1), run.now, 1)
    assert error is CoordinatorError.DuplicateWitness


def test_warmup_witness_outside_warmup() -> None:
    run = run_in(RunState.WaitingForMembers)
    error = failure_of(warmup_witness, run.coordinator, signer(0), warmup_message(0), run.now, 1)
    assert error is CoordinatorError.InvalidRunState


def test_all_warmup_witnesses_start_training_with_their_seed() -> None:
    run = run_in(RunState.Warmup, members=2)
    warmup_witness(run.coordinator, signer(0), warmup_message(0), run.now, 5)
    assert run.state is RunState.Warmup
    warmup_witness(run.coordinator, signer(1), warmup_message(1), run.now, 6)
    assert run.state is RunState.RoundTrain
    round_ = current_round(run.coordinator)
    assert round_ is not None and (round_.random_seed, round_.height, round_.clients_len) == (6, 0, 2)


def test_pause_in_waiting_or_warmup_is_immediate() -> None:
    run = run_in(RunState.Warmup)
    pause(run.coordinator, run.now)
    assert run.state is RunState.Paused
    assert run.coordinator.epoch_state.cold_start_epoch == 1
    assert all(c.state == ClientState.Withdrawn for c in run.coordinator.epoch_state.clients)


def test_pause_while_active_waits_for_the_epoch_end() -> None:
    run = run_in(RunState.RoundTrain)
    pause(run.coordinator, run.now)
    assert run.state is RunState.RoundTrain and run.coordinator.pending_pause == 1
    run.send_elected_witnesses()
    run.advance(10)
    run.tick()
    assert run.state is RunState.Cooldown
    run.advance(999)
    run.tick()
    assert run.state is RunState.Paused
    assert run.coordinator.pending_pause == 0 and run.coordinator.epoch_state.cold_start_epoch == 1


def test_pause_and_resume_errors() -> None:
    run = run_in(RunState.WaitingForMembers)
    assert failure_of(resume, run.coordinator, run.now) is CoordinatorError.CannotResume
    pause(run.coordinator, run.now)
    assert failure_of(pause, run.coordinator, run.now) is CoordinatorError.Halted
    assert failure_of(tick, run.coordinator, [], run.now, 0) is CoordinatorError.Halted
    resume(run.coordinator, run.now)
    assert run.state is RunState.WaitingForMembers


def test_resume_with_no_steps_left_finishes() -> None:
    coordinator = new_coordinator(total_steps=1)
    unpause(coordinator, 0)
    assert coordinator.run_state == RunState.Finished
    assert failure_of(resume, coordinator, 1) is CoordinatorError.CannotResume


def test_withdraw_needs_a_healthy_client_at_a_valid_index() -> None:
    run = run_in(RunState.Warmup)
    withdraw(run.coordinator, 0)
    assert failure_of(withdraw, run.coordinator, 0) is CoordinatorError.InvalidWithdraw
    assert failure_of(withdraw, run.coordinator, 9) is CoordinatorError.InvalidWithdraw


def hub(tag: CheckpointTag, repo_id: str) -> Checkpoint:
    value = Checkpoint()
    repo = HubRepo()
    repo.repo_id.value = repo_id
    value.set_variant(tag, repo)
    return value


def gcs(tag: CheckpointTag, bucket: str) -> Checkpoint:
    value = Checkpoint()
    repo = GcsRepo()
    repo.bucket.value = bucket
    value.set_variant(tag, repo)
    return value


@pytest.mark.parametrize(
    ("current", "announced", "stored_tag", "stored_name"),
    [
        (hub(CheckpointTag.P2P, "old"), hub(CheckpointTag.Hub, "new"), CheckpointTag.P2P, "new"),
        (gcs(CheckpointTag.P2PGcs, "old"), gcs(CheckpointTag.Gcs, "new"), CheckpointTag.P2PGcs, "new"),
        (hub(CheckpointTag.Hub, "old"), hub(CheckpointTag.Hub, "new"), CheckpointTag.Hub, "new"),
        (gcs(CheckpointTag.Gcs, "old"), gcs(CheckpointTag.Gcs, "new"), CheckpointTag.Gcs, "new"),
        (gcs(CheckpointTag.P2PGcs, "old"), hub(CheckpointTag.Hub, "new"), CheckpointTag.P2P, "new"),
        (hub(CheckpointTag.P2P, "old"), gcs(CheckpointTag.Gcs, "new"), CheckpointTag.P2PGcs, "new"),
        (hub(CheckpointTag.Hub, "old"), gcs(CheckpointTag.Gcs, "new"), CheckpointTag.Hub, "old"),
        (hub(CheckpointTag.P2P, "old"), hub(CheckpointTag.P2P, "new"), CheckpointTag.P2P, "old"),
    ],
)
def test_checkpoint_update_table(
    current: Checkpoint, announced: Checkpoint, stored_tag: CheckpointTag, stored_name: str
) -> None:
    run = run_in(RunState.RoundTrain)
    run.coordinator.model.llm.checkpoint = current
    checkpoint(run.coordinator, signer(1), 1, announced)
    stored = run.coordinator.model.llm.checkpoint
    assert stored.tag == stored_tag
    repo = (
        stored.payload.gcs_repo.bucket
        if stored_tag in (CheckpointTag.Gcs, CheckpointTag.P2PGcs)
        else (stored.payload.hub_repo.repo_id)
    )
    assert repo.value == stored_name


def test_checkpoint_from_outside_the_epoch_is_rejected() -> None:
    run = run_in(RunState.RoundTrain)
    assert failure_of(checkpoint, run.coordinator, signer(0), 1, hub(CheckpointTag.Hub, "x")) is (
        CoordinatorError.InvalidCommitteeProof
    )
    assert failure_of(checkpoint, run.coordinator, signer(0), 7, hub(CheckpointTag.Hub, "x")) is (
        CoordinatorError.InvalidCommitteeProof
    )


def test_a_run_state_byte_naming_no_state_is_a_panic() -> None:
    coordinator = new_coordinator()
    coordinator.run_state = 8
    with pytest.raises(CoordinatorPanic, match="invalid run_state byte 8"):
        run_state_of(coordinator)
    with pytest.raises(CoordinatorPanic):
        tick(coordinator, None, 0, 0)
