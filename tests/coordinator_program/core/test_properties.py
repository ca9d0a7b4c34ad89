"""Property tests: random joins, ticks, witnesses, health checks and pauses keep the state machine's invariants."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import event, given, settings
from hypothesis import strategies as st

from coordinator_program.core import (
    CoordinatorFailure,
    CoordinatorPanic,
    committee_selection,
    config_error,
    health_check,
    pause,
    resume,
    tick,
    warmup_witness,
    witness,
)
from coordinator_program.core.types import Coordinator, RunState, Witness

from .runs import T0, identity, new_coordinator, unpause, warmup_message

POOL = [identity(n) for n in range(6)]
# Weighted so that runs get past Warmup often: mostly ticks and witnesses.
KINDS = ["tick"] * 4 + ["witness"] * 3 + ["warmup_witness"] * 2 + ["health_check", "pause", "resume"]


@dataclass(frozen=True)
class Step:
    kind: str
    seconds: int
    who: int
    members: tuple[bool, ...]
    honest: bool


steps = st.builds(
    Step,
    kind=st.sampled_from(KINDS),
    seconds=st.integers(0, 12),
    who=st.integers(0, len(POOL) - 1),
    members=st.tuples(*[st.sampled_from([True, True, True, False])] * len(POOL)),
    honest=st.sampled_from([True, True, True, False]),
)


@st.composite
def configured(draw: st.DrawFn) -> Coordinator:
    min_clients = draw(st.integers(1, 3))
    epoch_time = draw(st.integers(8, 60))
    coordinator = new_coordinator(
        warmup_time=draw(st.integers(1, 7)),
        cooldown_time=draw(st.integers(1, 5)),
        max_round_train_time=draw(st.integers(1, 7)),
        round_witness_time=draw(st.integers(1, 5)),
        epoch_time=epoch_time,
        total_steps=draw(st.integers(2, 12)),
        min_clients=min_clients,
        init_min_clients=draw(st.integers(min_clients, 4)),
        witness_nodes=draw(st.integers(0, min_clients)),
        batch_start=1,
        batch_end=draw(st.integers(1, 8)),
        warmup_tokens=draw(st.sampled_from([0, 4096 * 5])),
        extra_time=draw(st.integers(1, 4)),
    )
    assert config_error(coordinator.config) is None
    return coordinator


def signers(coordinator: Coordinator, field: str) -> list[bytes]:
    return [bytes(client.id.signer) for client in getattr(coordinator.epoch_state, field)]


def message_for(coordinator: Coordinator, step: Step) -> tuple[bytes, Witness]:
    """An honest witness from the client at ``step.who`` (if it is one), or a forged one."""
    clients = coordinator.epoch_state.clients
    sender = bytes(POOL[step.who].signer)
    message = Witness()
    if step.honest and step.who < len(clients):
        sender = bytes(clients[step.who].id.signer)
        try:
            position, elected = committee_selection(coordinator, 0).get_witness(step.who)
        except (CoordinatorFailure, CoordinatorPanic):
            return sender, message
        message.proof.position, message.proof.index, message.proof.witness = position, step.who, int(elected)
    else:
        message.proof.index = step.who
        message.proof.witness = 1
    return sender, message


def apply(coordinator: Coordinator, step: Step, now: int) -> None:
    pending = [node for node, joined in zip(POOL, step.members, strict=True) if joined]
    match step.kind:
        case "tick":
            tick(coordinator, pending, now, now * 7919)
        case "witness":
            witness(coordinator, *message_for(coordinator, step), now)
        case "warmup_witness":
            clients = coordinator.epoch_state.clients
            index = step.who if step.honest else step.who + 40
            sender = bytes(clients[step.who].id.signer) if step.who < len(clients) else bytes(POOL[step.who].signer)
            warmup_witness(coordinator, sender, warmup_message(index), now, now)
        case "health_check":
            try:
                proof = committee_selection(coordinator, -1).get_committee(step.who)
            except (CoordinatorFailure, CoordinatorPanic):
                return
            health_check(coordinator, b"", [(bytes(POOL[step.who].signer), proof)])
        case "pause":
            pause(coordinator, now)
        case "resume":
            resume(coordinator, now)


@settings(max_examples=100, deadline=None)
@given(coordinator=configured(), plan=st.lists(steps, min_size=30, max_size=100))
def test_random_runs_keep_the_invariants(coordinator: Coordinator, plan: list[Step]) -> None:
    now = T0
    unpause(coordinator, now)
    for step in plan:
        now += step.seconds
        before = bytes(coordinator)
        step_before, epoch_before = coordinator.progress.step, coordinator.progress.epoch
        try:
            apply(coordinator, step, now)
        except (CoordinatorFailure, CoordinatorPanic):
            assert bytes(coordinator) == before, f"{step.kind} failed but changed the state"
        state = RunState(coordinator.run_state)  # always a valid run state
        event(f"reached {state.name}")
        assert state is not RunState.Uninitialized
        clients, exited = signers(coordinator, "clients"), signers(coordinator, "exited_clients")
        assert len(set(clients)) == len(clients)
        assert len(set(exited)) == len(exited)
        assert not set(clients) & set(exited), "a client is in both lists"
        assert len(clients) <= 256 and len(exited) <= 256
        assert coordinator.epoch_state.rounds_head < 4
        assert all(len(round_.witnesses) <= 32 for round_ in coordinator.epoch_state.rounds)
        assert coordinator.progress.step >= step_before
        assert coordinator.progress.epoch >= epoch_before
        assert coordinator.progress.step <= coordinator.config.total_steps
        if state is RunState.Finished:
            assert coordinator.progress.step == coordinator.config.total_steps
