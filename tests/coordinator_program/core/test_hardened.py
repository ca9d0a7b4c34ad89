"""The hardened ``warmup_witness`` in the pure core (QUIRKS.md, "Hardened mode"); the faithful side is pinned in
``test_quirks.py`` and stays as it is."""

from __future__ import annotations

import pytest

from coordinator_program.core import CoordinatorError, CoordinatorFailure, current_round, warmup_witness
from coordinator_program.core.types import RunState

from .runs import Run, identity, new_coordinator, unpause, warmup_message


def signer(n: int) -> bytes:
    return bytes(identity(n).signer)


def warmup_run(members: int, witness_nodes: int) -> Run:
    """A run of ``members`` clients ticked into Warmup."""
    coordinator = new_coordinator(witness_nodes=witness_nodes, min_clients=members, init_min_clients=members)
    run = Run(coordinator, [identity(n) for n in range(members)])
    unpause(coordinator, run.now)
    run.advance(10)
    run.tick()
    assert run.state is RunState.Warmup
    return run


def test_hardened_warmup_witness_refuses_a_bogus_index_and_later_witnesses_still_count() -> None:
    run = warmup_run(members=2, witness_nodes=2)
    bogus = warmup_message(0)
    bogus.proof.index = 200
    before = bytes(run.coordinator)
    with pytest.raises(CoordinatorFailure) as failure:
        warmup_witness(run.coordinator, signer(0), bogus, run.now, 1, check_membership=True)
    assert failure.value.error is CoordinatorError.InvalidWitness
    assert bytes(run.coordinator) == before
    warmup_witness(run.coordinator, signer(0), warmup_message(0), run.now, 1, check_membership=True)
    warmup_witness(run.coordinator, signer(1), warmup_message(1), run.now, 7, check_membership=True)
    assert run.state is RunState.RoundTrain
    round_ = current_round(run.coordinator)
    assert round_ is not None and round_.random_seed == 7


def test_hardened_warmup_witness_refuses_another_clients_index_and_a_stranger() -> None:
    run = warmup_run(members=2, witness_nodes=2)
    for sender, index in ((signer(0), 1), (b"\x07" * 32, 0)):
        with pytest.raises(CoordinatorFailure) as failure:
            warmup_witness(run.coordinator, sender, warmup_message(index), run.now, 1, check_membership=True)
        assert failure.value.error is CoordinatorError.InvalidWitness
    round_ = current_round(run.coordinator)
    assert round_ is not None and len(round_.witnesses) == 0


def test_hardened_warmup_witness_keeps_the_other_warmup_rules() -> None:
    """Halted, wrong state and duplicates fail as in the reference; a late one in RoundTrain is still a no-op."""
    run = warmup_run(members=2, witness_nodes=2)
    warmup_witness(run.coordinator, signer(0), warmup_message(0), run.now, 1, check_membership=True)
    with pytest.raises(CoordinatorFailure) as failure:
        warmup_witness(run.coordinator, signer(0), warmup_message(0), run.now, 1, check_membership=True)
    assert failure.value.error is CoordinatorError.DuplicateWitness
    warmup_witness(run.coordinator, signer(1), warmup_message(1), run.now, 1, check_membership=True)
    before = bytes(run.coordinator)
    warmup_witness(run.coordinator, b"\x07" * 32, warmup_message(9), run.now, 1, check_membership=True)
    assert bytes(run.coordinator) == before
