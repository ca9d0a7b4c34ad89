"""Owner instructions signed by anyone but the main authority fail with ConstraintRaw and change no byte."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from coordinator_program.core.types import RunState
from emulator import TransactionResult
from emulator.anchor import ErrorCode
from emulator.errors import custom_error_code
from tests.coordinator_program.program.chain import CoordinatorChain, scenario_settings

OwnerCall = Callable[[CoordinatorChain, Keypair], TransactionResult]

OWNER_CALLS: dict[str, OwnerCall] = {
    "update": lambda chain, signer: chain.update(config=scenario_settings()[0], signer=signer),
    "update_client_version": lambda chain, signer: chain.update_client_version("v2", signer=signer),
    "set_future_epoch_rates": lambda chain, signer: chain.set_future_epoch_rates(7, 1, signer=signer),
    "set_paused_false": lambda chain, signer: chain.set_paused(False, signer=signer),
    "set_paused_true": lambda chain, signer: chain.set_paused(True, signer=signer),
    "free_coordinator": lambda chain, signer: chain.free(Pubkey.new_unique(), signer=signer),
}


@pytest.mark.parametrize("name", sorted(OWNER_CALLS))
@pytest.mark.parametrize("impostor", ["stranger", "join_authority", "payer"])
def test_owner_instruction_signed_by_another_key_changes_nothing(name: str, impostor: str) -> None:
    chain = CoordinatorChain()
    chain.setup()
    signer = {"stranger": Keypair(), "join_authority": chain.join_authority, "payer": chain.payer}[impostor]
    before = (chain.account_bytes(), chain.bank.get_account(chain.instance))
    result = OWNER_CALLS[name](chain, signer)
    assert custom_error_code(result.err) == ErrorCode.ConstraintRaw
    assert "AnchorError caused by account: coordinator_instance. Error Code: ConstraintRaw" in "".join(result.logs)
    assert (chain.account_bytes(), chain.bank.get_account(chain.instance)) == before


@pytest.mark.parametrize("name", sorted(OWNER_CALLS))
def test_owner_instruction_signed_by_the_main_authority_passes_the_check(name: str) -> None:
    chain = CoordinatorChain()
    chain.setup()
    if name == "set_paused_true":  # pausing an Uninitialized run is Halted, a core error, not an authority one
        assert chain.set_paused(False).err is None
    result = OWNER_CALLS[name](chain, chain.main_authority)
    if name == "free_coordinator":
        assert result.err is None
        return
    assert result.err is None, result.logs
    if name == "set_paused_true":
        assert RunState(chain.coordinator().run_state) is RunState.Paused
