"""The hardened coordinator beside the faithful one, through signed transactions (QUIRKS.md, "Hardened mode").

Each exploit is run against both registrations of the program: the faithful one keeps the reference's behaviour,
the hardened one changes exactly that behaviour.
"""

from __future__ import annotations

import pytest
from solders.account import Account
from solders.keypair import Keypair

from authorizer.program import PROGRAM_SPEC as AUTHORIZER_SPEC
from coordinator_program.core.arith import U64_MAX
from coordinator_program.core.types import RunState, WitnessProof
from coordinator_program.errors import CoordinatorProgramError
from coordinator_program.mode import ProgramMode
from coordinator_program.program import program_spec
from coordinator_program.state.coordinator_account import CoordinatorAccount
from emulator import Bank
from emulator.errors import custom_error_code
from tests.coordinator_program.core.runs import T0
from tests.coordinator_program.program.chain import CoordinatorChain, panicked


def chain_in(mode: ProgramMode) -> CoordinatorChain:
    bank = Bank(programs=[program_spec(mode), AUTHORIZER_SPEC])
    bank.set_unix_timestamp(T0)
    return CoordinatorChain(bank=bank)


def run_state(chain: CoordinatorChain) -> RunState:
    return RunState(chain.coordinator().run_state)


def warmup_with_two_clients(mode: ProgramMode) -> tuple[CoordinatorChain, list[Keypair]]:
    """Two clients in Warmup, two warmup witnesses needed; clients listed in epoch order."""
    chain = chain_in(mode)
    chain.setup(batch_end=4, witness_nodes=2, min_clients=2, init_min_clients=2)
    assert chain.set_paused(False).err is None
    clients = [Keypair() for _ in range(2)]
    for client in clients:
        assert chain.join(client, chain.authorize(client)).err is None
    chain.forward(10)
    assert chain.tick().err is None
    assert run_state(chain) is RunState.Warmup
    order = [bytes(c.id.signer) for c in chain.coordinator().epoch_state.clients]
    return chain, sorted(clients, key=lambda client: order.index(bytes(client.pubkey())))


def warmup_proof(index: int) -> WitnessProof:
    return WitnessProof(position=index, index=index, witness=0)


def test_faithful_bogus_warmup_index_is_stored_and_panics_the_next_warmup_witness() -> None:
    chain, (first, second) = warmup_with_two_clients(ProgramMode.FAITHFUL)
    assert chain.warmup_witness(first, warmup_proof(200)).err is None
    assert panicked(chain.warmup_witness(second, warmup_proof(1)))
    assert run_state(chain) is RunState.Warmup


def test_hardened_warmup_witness_refuses_a_bogus_index_with_6011_and_training_starts() -> None:
    chain, (first, second) = warmup_with_two_clients(ProgramMode.HARDENED)
    assert (
        custom_error_code(chain.warmup_witness(first, warmup_proof(200)).err)
        == CoordinatorProgramError.CoordinatorErrorInvalidWitness
    )
    assert (
        custom_error_code(chain.warmup_witness(first, warmup_proof(1)).err)
        == CoordinatorProgramError.CoordinatorErrorInvalidWitness
    )
    assert chain.warmup_witness(first, warmup_proof(0)).err is None
    assert chain.warmup_witness(second, warmup_proof(1)).err is None
    assert run_state(chain) is RunState.RoundTrain


def test_hardened_warmup_witness_refuses_a_registered_client_outside_the_epoch() -> None:
    """A registered client that joined after Warmup began is no epoch member: its warmup witness counts for nothing."""
    chain, _ = warmup_with_two_clients(ProgramMode.HARDENED)
    late = Keypair()
    assert chain.join(late, chain.authorize(late)).err is None
    assert (
        custom_error_code(chain.warmup_witness(late, warmup_proof(0)).err)
        == CoordinatorProgramError.CoordinatorErrorInvalidWitness
    )


def cooldown_with_points_near_max(mode: ProgramMode) -> CoordinatorChain:
    """A one-client run of 2 steps in its Cooldown, at rate 10, whose client has already earned u64::MAX - 1."""
    chain = chain_in(mode)
    chain.setup(total_steps=2, cooldown_time=5)
    assert chain.set_future_epoch_rates(10).err is None
    assert chain.set_paused(False).err is None
    client = Keypair()
    assert chain.join(client, chain.authorize(client)).err is None
    chain.forward(10)
    assert chain.tick().err is None
    chain.forward(10)
    assert chain.tick().err is None
    proof = chain.elected_proof(0)
    assert proof is not None and chain.witness(client, proof).err is None
    chain.forward(10)
    assert chain.tick().err is None
    assert run_state(chain) is RunState.Cooldown
    data = bytearray(chain.account_bytes())
    CoordinatorAccount.from_buffer(data).state.clients_state.clients[0].earned = U64_MAX - 1
    stored = chain.bank.get_account(chain.account_key)
    assert stored is not None
    chain.bank.set_account(chain.account_key, Account(stored.lamports, bytes(data), stored.owner))
    chain.forward(5)
    return chain


def test_faithful_points_overflow_panics_the_end_of_cooldown_and_wedges_the_run() -> None:
    chain = cooldown_with_points_near_max(ProgramMode.FAITHFUL)
    for _ in range(2):
        assert panicked(chain.tick())
        assert run_state(chain) is RunState.Cooldown


def test_hardened_points_saturate_and_the_run_leaves_cooldown() -> None:
    chain = cooldown_with_points_near_max(ProgramMode.HARDENED)
    assert chain.tick().err is None
    account = chain.coordinator_account()
    assert RunState(account.state.coordinator.run_state) is RunState.Finished
    assert account.state.clients_state.clients[0].earned == U64_MAX


@pytest.mark.parametrize("mode", list(ProgramMode))
def test_both_modes_run_an_honest_warmup_alike(mode: ProgramMode) -> None:
    chain, (first, second) = warmup_with_two_clients(mode)
    assert chain.warmup_witness(first, warmup_proof(0)).err is None
    assert chain.warmup_witness(second, warmup_proof(1)).err is None
    assert run_state(chain) is RunState.RoundTrain
