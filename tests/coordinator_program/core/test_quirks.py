"""Reference quirks reproduced on purpose (§9); each is listed in coordinator_program/QUIRKS.md."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import overload

import pytest

from coordinator_program.core import (
    CoordinatorError,
    CoordinatorFailure,
    CoordinatorPanic,
    EpochEnd,
    Ticked,
    bloom_contains,
    checkpoint,
    committee_selection,
    current_round,
    health_check,
    model_error,
    previous_previous_round,
    tick,
    warmup_witness,
    witness,
)
from coordinator_program.core.types import Checkpoint, CheckpointTag, ClientState, HubRepo, NodeIdentity, RunState

from .runs import Run, elected_witness, identity, new_coordinator, participant_witness, unpause, warmup_message


def signer(n: int) -> bytes:
    return bytes(identity(n).signer)


def started_run(members: int = 1, **config: int) -> Run:
    """A run ticked into its first RoundTrain (WFM at T0, Warmup at +10, RoundTrain at +20)."""
    run = Run(new_coordinator(**config), [identity(n) for n in range(members)])  # type: ignore[arg-type]
    unpause(run.coordinator, run.now)
    run.advance(10)
    run.tick()
    run.advance(10)
    run.tick()
    assert run.state is RunState.RoundTrain
    return run


def test_round_train_ends_early_only_with_all_witnesses() -> None:
    run = started_run(members=3, min_clients=3, init_min_clients=3, witness_nodes=3)
    first = elected_witness(run.coordinator, 0)
    assert first is not None
    witness(run.coordinator, bytes(identity(0).signer), first, run.now)
    second = elected_witness(run.coordinator, 1)
    assert second is not None
    witness(run.coordinator, bytes(identity(1).signer), second, run.now)
    assert run.state is RunState.RoundTrain  # 2 of 3 is a quorum, but not all W


def test_round_continues_with_quorum_only() -> None:
    run = started_run(members=3, min_clients=3, init_min_clients=3, witness_nodes=3)
    for index in range(2):
        message = elected_witness(run.coordinator, index)
        assert message is not None
        witness(run.coordinator, bytes(identity(index).signer), message, run.now)
    run.advance(15)
    run.tick()
    assert run.state is RunState.RoundWitness
    run.advance(10)
    run.tick()
    assert run.state is RunState.RoundTrain and run.coordinator.progress.step == 2


def test_timeout_never_fires_in_the_entry_second() -> None:
    coordinator = new_coordinator(extra_time=1)
    run = Run(coordinator, [identity(0)])
    unpause(coordinator, run.now)
    coordinator.config.waiting_for_members_extra_time = 0  # even a zero duration waits one second
    run.tick()
    assert run.state is RunState.WaitingForMembers
    run.advance(1)
    run.tick()
    assert run.state is RunState.Warmup


def test_wfm_extra_time_counts_from_entering_wfm() -> None:
    coordinator = new_coordinator(extra_time=3)
    run = Run(coordinator, [])
    unpause(coordinator, run.now)
    run.advance(5)
    run.tick()  # nobody pending yet
    run.members = [identity(0)]
    run.tick()  # the count is reached now, but WFM was entered 5 s ago
    assert run.state is RunState.Warmup


def test_first_round_stays_set_until_first_witness_timeout() -> None:
    run = started_run()
    assert run.coordinator.epoch_state.first_round == 1
    run.send_elected_witnesses()
    assert run.coordinator.epoch_state.first_round == 1
    run.advance(10)
    run.tick()
    assert run.coordinator.epoch_state.first_round == 0


def test_run_finishes_with_step_equal_total_steps() -> None:
    run = started_run(total_steps=3, epoch_time=1000)
    trained = []
    while run.state is RunState.RoundTrain:
        trained.append(run.coordinator.progress.step)
        run.send_elected_witnesses()
        run.advance(10)
        run.tick()
    assert trained == [1, 2]  # total_steps - 1 trained steps
    assert run.state is RunState.Cooldown and run.coordinator.progress.step == 3
    run.advance(999)
    assert run.tick() == EpochEnd(success=True)
    assert run.state is RunState.Finished


def test_dummy_checkpoint_becomes_p2p_and_fails_model_check() -> None:
    run = started_run(cooldown_time=5)
    assert model_error(run.coordinator.model) is None
    run.send_elected_witnesses()
    run.coordinator.pending_pause = 1
    run.advance(10)
    run.tick()
    assert run.state is RunState.Cooldown
    run.advance(5)
    run.tick()
    assert run.state is RunState.Paused
    assert run.coordinator.model.llm.checkpoint.tag == CheckpointTag.P2P
    assert model_error(run.coordinator.model) == "model check failed: bad checkpoint"


def test_p2p_falls_back_to_hub_when_no_previous_member_returns() -> None:
    coordinator = new_coordinator(checkpoint=CheckpointTag.P2P, repo_id="org/model")
    run = Run(coordinator, [identity(0)])
    unpause(coordinator, run.now)
    run.advance(10)
    run.tick()  # first epoch: the previous member list is empty, so the fallback always fires
    assert coordinator.model.llm.checkpoint.tag == CheckpointTag.Hub
    assert coordinator.model.llm.checkpoint.payload.hub_repo.repo_id.value == "org/model"


def test_health_check_rejects_healthy_target() -> None:
    run, seen_by_all = health_check_run()
    proof_of = committee_selection(run.coordinator, -1).get_committee
    with pytest.raises(CoordinatorFailure) as failure:
        health_check(run.coordinator, b"", [(signer(0), proof_of(0))])
    assert failure.value.error is CoordinatorError.InvalidHealthCheck
    unseen = next(i for i in range(3) if i not in seen_by_all)
    seen = next(iter(seen_by_all))
    before = bytes(run.coordinator)
    with pytest.raises(CoordinatorFailure):  # one healthy target fails the whole batch
        health_check(run.coordinator, b"", [(signer(unseen), proof_of(unseen)), (signer(seen), proof_of(seen))])
    assert bytes(run.coordinator) == before
    assert health_check(run.coordinator, b"", [(signer(unseen), proof_of(unseen))]) == 1
    assert run.coordinator.epoch_state.clients[unseen].state == ClientState.Dropped


def health_check_run() -> tuple[Run, set[int]]:
    """Three clients, three witnesses; at height 2 the previous round's witnesses saw clients 0 and 1 only."""
    run = started_run(members=3, min_clients=3, init_min_clients=3, witness_nodes=3, epoch_time=1000)
    seen_by_all = {0, 1}
    for _ in range(2):
        for index in range(3):
            message = participant_witness(
                run.coordinator, index, [bytes(identity(i).signer) for i in seen_by_all], range(1, 9)
            )
            witness(run.coordinator, bytes(identity(index).signer), message, run.now)
        run.advance(10)
        run.tick()
    round_ = current_round(run.coordinator)
    assert round_ is not None and round_.height == 2
    return run, seen_by_all


def test_health_check_needs_height_two() -> None:
    run = started_run()
    with pytest.raises(CoordinatorFailure) as failure:
        health_check(run.coordinator, b"", [])
    assert failure.value.error is CoordinatorError.InvalidHealthCheck


def test_bad_warmup_witness_index_poisons_later_warmup_witnesses() -> None:
    coordinator = new_coordinator(witness_nodes=2, min_clients=2, init_min_clients=2)
    run = Run(coordinator, [identity(0), identity(1)])
    unpause(coordinator, run.now)
    run.advance(10)
    run.tick()
    bogus = warmup_message(0)
    bogus.proof.index = 200  # not validated when stored
    warmup_witness(coordinator, bytes(identity(0).signer), bogus, run.now, 1)
    before = bytes(coordinator)
    with pytest.raises(CoordinatorPanic):
        warmup_witness(coordinator, bytes(identity(1).signer), warmup_message(1), run.now, 1)
    assert bytes(coordinator) == before


def test_the_stored_witnesses_are_checked_in_order_a_duplicate_before_a_bad_index_is_a_duplicate() -> None:
    coordinator = new_coordinator(witness_nodes=3, min_clients=3, init_min_clients=3)
    run = Run(coordinator, [identity(0), identity(1), identity(2)])
    unpause(coordinator, run.now)
    run.advance(10)
    run.tick()
    warmup_witness(coordinator, bytes(identity(0).signer), warmup_message(0), run.now, 1)
    bogus = warmup_message(1)
    bogus.proof.index = 200
    warmup_witness(coordinator, bytes(identity(1).signer), bogus, run.now, 1)
    with pytest.raises(CoordinatorFailure) as failure:
        warmup_witness(coordinator, bytes(identity(0).signer), warmup_message(0), run.now, 1)
    assert failure.value.error is CoordinatorError.DuplicateWitness
    with pytest.raises(CoordinatorPanic):
        warmup_witness(coordinator, bytes(identity(2).signer), warmup_message(2), run.now, 1)


def test_late_warmup_witness_in_round_train_is_a_no_op() -> None:
    run = started_run()
    before = bytes(run.coordinator)
    warmup_witness(run.coordinator, b"\x07" * 32, warmup_message(5), run.now, 1)
    assert bytes(run.coordinator) == before


def test_warmup_witness_needs_no_membership() -> None:
    coordinator = new_coordinator(witness_nodes=1)
    run = Run(coordinator, [identity(0)])
    unpause(coordinator, run.now)
    run.advance(10)
    run.tick()
    warmup_witness(coordinator, b"\x07" * 32, warmup_message(0), run.now, 42)
    assert run.state is RunState.RoundTrain
    round_ = current_round(coordinator)
    assert round_ is not None and round_.random_seed == 42 and len(round_.witnesses) == 0


def test_start_cooldown_clears_the_last_round_witnesses() -> None:
    run = started_run(total_steps=2, epoch_time=1000)
    run.send_elected_witnesses()
    run.advance(10)
    run.tick()
    assert run.state is RunState.Cooldown
    round_ = current_round(run.coordinator)
    assert round_ is not None and len(round_.witnesses) == 0


def test_zero_witnesses_withdraws_everyone_and_cools_down() -> None:
    run = started_run(members=2)
    run.advance(15)
    run.tick()
    run.advance(10)
    run.tick()
    assert run.state is RunState.Cooldown
    assert [c.state for c in run.coordinator.epoch_state.exited_clients] == []
    assert all(c.state == ClientState.Withdrawn for c in run.coordinator.epoch_state.clients)


def test_move_clients_to_exited_is_stable() -> None:
    coordinator = new_coordinator(min_clients=1, init_min_clients=1, warmup_time=100, epoch_time=1000)
    run = Run(coordinator, [identity(n) for n in range(5)])
    unpause(coordinator, run.now)
    run.advance(10)
    run.tick()
    clients = coordinator.epoch_state.clients
    clients[1].state = ClientState.Withdrawn
    clients[3].state = ClientState.Dropped
    run.advance(1)
    run.tick()  # a warmup tick that does not time out moves them out
    assert [bytes(c.id.signer) for c in clients] == [bytes(identity(n).signer) for n in (0, 2, 4)]
    assert [bytes(c.id.signer) for c in coordinator.epoch_state.exited_clients] == [
        bytes(identity(n).signer) for n in (1, 3)
    ]


def test_previous_previous_round_is_stale_at_head_one_height_one() -> None:
    run = started_run(epoch_time=1000)
    run.coordinator.epoch_state.rounds[3].random_seed = 0xBAD
    run.send_elected_witnesses()
    run.advance(10)
    run.tick()
    assert run.coordinator.epoch_state.rounds_head == 1
    stale = previous_previous_round(run.coordinator)
    assert stale is not None and stale.random_seed == 0xBAD


def test_warmup_timeout_keeps_withdrawn_clients_in_the_first_round() -> None:
    coordinator = new_coordinator(min_clients=2, init_min_clients=2, witness_nodes=1, warmup_time=10)
    run = Run(coordinator, [identity(0), identity(1)])
    unpause(coordinator, run.now)
    run.advance(10)
    run.tick()
    coordinator.epoch_state.clients[1].state = ClientState.Withdrawn
    run.advance(10)  # warmup times out: the timing-out branch does not move anyone out
    assert run.tick() == Ticked()
    assert run.state is RunState.RoundTrain
    round_ = current_round(coordinator)
    assert round_ is not None and round_.clients_len == 2
    assert coordinator.epoch_state.clients[1].state == ClientState.Withdrawn


class _CountOnly(Sequence[NodeIdentity]):
    """A pending list of 65,536 clients without building them (only the count and a prefix are read)."""

    @overload
    def __getitem__(self, index: int) -> NodeIdentity: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[NodeIdentity]: ...

    def __getitem__(self, index: int | slice) -> NodeIdentity | Sequence[NodeIdentity]:
        raise AssertionError("not read when the count wraps")

    def __len__(self) -> int:
        return 65536


def test_pending_count_wraps_at_u16() -> None:
    coordinator = new_coordinator()
    unpause(coordinator, 0)
    tick(coordinator, _CountOnly(), 100, 1)
    assert coordinator.run_state == RunState.WaitingForMembers


def test_checkpoint_ignores_mismatched_kinds() -> None:
    run = started_run()
    announced = Checkpoint()
    repo = HubRepo()
    repo.repo_id.value = "org/new"
    announced.set_variant(CheckpointTag.Hub, repo)
    before = bytes(run.coordinator)
    checkpoint(run.coordinator, bytes(identity(0).signer), 0, announced)  # current Dummy: silently ignored
    assert bytes(run.coordinator) == before


def test_checkpoint_works_while_halted() -> None:
    run = started_run(checkpoint=CheckpointTag.Hub, repo_id="org/old")  # type: ignore[arg-type]
    run.coordinator.run_state = RunState.Paused
    announced = Checkpoint()
    repo = HubRepo()
    repo.repo_id.value = "org/new"
    announced.set_variant(CheckpointTag.Hub, repo)
    checkpoint(run.coordinator, bytes(identity(0).signer), 0, announced)
    assert run.coordinator.model.llm.checkpoint.payload.hub_repo.repo_id.value == "org/new"


def test_witness_byte_two_is_not_true_enough() -> None:
    run = started_run()
    message = elected_witness(run.coordinator, 0)
    assert message is not None
    message.proof.witness = 2
    with pytest.raises(CoordinatorFailure) as failure:
        witness(run.coordinator, bytes(identity(0).signer), message, run.now)
    assert failure.value.error is CoordinatorError.InvalidWitness


def test_participant_bloom_uses_sha256_of_the_signer() -> None:
    run = started_run()
    message = participant_witness(run.coordinator, 0, [bytes(identity(0).signer)], range(1, 9))
    assert bloom_contains(message.participant_bloom, hashlib.sha256(bytes(identity(0).signer)).digest())
