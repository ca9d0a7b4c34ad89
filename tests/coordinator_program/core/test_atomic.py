"""A panicking operation leaves the coordinator as it was, unless its caller discards the state on a panic anyway."""

from __future__ import annotations

import pytest

from coordinator_program.core import CoordinatorPanic, state_discarded_on_panic
from coordinator_program.core.atomic import restoring_on_panic
from coordinator_program.core.types import Coordinator, RunState


@restoring_on_panic
def start_then_panic(coordinator: Coordinator) -> None:
    """An operation that writes, then panics (as an overflow after a state change would)."""
    coordinator.run_state = RunState.RoundTrain
    raise CoordinatorPanic("attempt to add with overflow")


def test_a_panic_restores_the_coordinator_bytes() -> None:
    coordinator = Coordinator()
    before = bytes(coordinator)
    with pytest.raises(CoordinatorPanic):
        start_then_panic(coordinator)
    assert bytes(coordinator) == before


def test_a_caller_that_discards_the_state_gets_no_restore_and_the_rule_ends_with_its_block() -> None:
    """The program's transaction is dropped on a panic (the runtime keeps none of its writes), so no snapshot."""
    coordinator = Coordinator()
    with state_discarded_on_panic(), pytest.raises(CoordinatorPanic):
        start_then_panic(coordinator)
    assert coordinator.run_state == RunState.RoundTrain
    coordinator.run_state = RunState.Uninitialized
    with pytest.raises(CoordinatorPanic):
        start_then_panic(coordinator)
    assert coordinator.run_state == RunState.Uninitialized
