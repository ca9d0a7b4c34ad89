"""Scenario T1 (``memnet_treasurer_create_update``) and the run_update rules, through signed transactions."""

from __future__ import annotations

from dataclasses import replace

import pytest
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from coordinator_program.core.types import RunState
from coordinator_program.errors import CoordinatorProgramError
from coordinator_program.state.coordinator_instance import COORDINATOR_INSTANCE_SPACE
from emulator.anchor import ErrorCode
from emulator.constants import LAMPORTS_PER_SIGNATURE
from emulator.errors import custom_error_code
from tests.coordinator_program.program.chain import scenario_settings
from tests.treasurer.harness import TreasurerChain, TreasuryRun
from treasurer.errors import TreasurerError
from treasurer.logic.run_update import RunUpdateParams
from treasurer.state import RUN_SPACE, find_run

RUN_ID = "This is my run's dummy run_id"


class T1:
    """The fixture of T1: one mint, one pre-allocated coordinator account, the run's two authorities."""

    def __init__(self) -> None:
        self.chain = TreasurerChain()
        self.mint = self.chain.new_mint()
        self.coordinator_account = self.chain.create_coordinator_account()
        self.main_authority = Keypair()
        self.join_authority = Keypair()

    def create(
        self, index: int = 42, run_id: str = RUN_ID, mint: Pubkey | None = None, account: Pubkey | None = None
    ) -> tuple[int | None, TreasuryRun]:
        result, run = self.chain.run_create(
            index,
            run_id,
            mint or self.mint,
            account or self.coordinator_account,
            self.main_authority.pubkey(),
            self.join_authority,
        )
        return (None if result.err is None else custom_error_code(result.err) or -1), run


def t1_params() -> RunUpdateParams:
    config, model = scenario_settings(cooldown_time=88, extra_time=10)
    return RunUpdateParams(config=config, model=model, epoch_earning_rate_total_shared=66, paused=False)


def test_t1_create_and_update() -> None:
    t1 = T1()
    chain = t1.chain
    # T1.1 a random coordinator account that does not exist: init_coordinator's owner check.
    assert t1.create(account=Pubkey.new_unique())[0] == ErrorCode.ConstraintOwner
    # T1.2 a random key as the mint: Account<Mint> of an empty address.
    assert t1.create(mint=Pubkey.new_unique())[0] == ErrorCode.AccountNotInitialized

    # T1.3
    payer_before = chain.bank.get_balance(chain.payer.pubkey())
    error, run = t1.create()
    assert error is None
    stored = chain.run_state(run.key)
    assert (stored.index, stored.main_authority, stored.join_authority) == (
        42,
        t1.main_authority.pubkey(),
        t1.join_authority.pubkey(),
    )
    assert (stored.coordinator_instance, stored.coordinator_account, stored.collateral_mint) == (
        run.coordinator_instance,
        t1.coordinator_account,
        t1.mint,
    )
    assert (stored.total_claimed_collateral_amount, stored.total_claimed_earned_points) == (0, 0)
    run_account = chain.bank.get_account(run.key)
    assert run_account is not None and len(run_account.data) == RUN_SPACE == 200
    assert bytes(run_account.data[8 + 185 :]) == bytes(7)  # Rust's padding after the Borsh struct
    rent = chain.bank.minimum_balance_for_rent_exemption
    assert payer_before - chain.bank.get_balance(chain.payer.pubkey()) == (
        rent(RUN_SPACE) + rent(165) + rent(COORDINATOR_INSTANCE_SPACE) + LAMPORTS_PER_SIGNATURE
    )
    assert (rent(RUN_SPACE), rent(165), rent(COORDINATOR_INSTANCE_SPACE)) == (2_282_880, 2_039_280, 2_094_960)
    assert chain.balance(run.vault) == 0
    instance = run.coordinator.coordinator_account()
    assert instance.state.coordinator.run_id.value == RUN_ID
    assert instance.state.client_version.value == "latest"
    assert RunState(instance.state.coordinator.run_state) is RunState.Uninitialized

    # T1.4 a random signer: the run's main-authority constraint.
    assert custom_error_code(chain.run_update(run, Keypair(), t1_params()).err) == ErrorCode.ConstraintRaw
    # T1.5
    assert chain.run_update(run, t1.main_authority, t1_params()).err is None
    coordinator = run.coordinator.coordinator()
    assert RunState(coordinator.run_state) is RunState.WaitingForMembers
    assert (coordinator.config.cooldown_time, coordinator.config.waiting_for_members_extra_time) == (88, 10)
    assert run.coordinator.coordinator_account().state.clients_state.future_epoch_rates.earning_rate_total_shared == 66

    # T1.6 index 43, a new run id, the same coordinator account: its discriminator is already set.
    assert t1.create(43, "another one")[0] == ErrorCode.AccountDiscriminatorAlreadySet
    # T1.7 the same index with a second account: the Run PDA is in use.
    second_account = chain.create_coordinator_account()
    assert t1.create(42, "another run id", account=second_account)[0] == -1  # System: already in use
    # T1.8 index 43 with the same run id: the coordinator instance PDA is in use.
    assert t1.create(43, RUN_ID, account=second_account)[0] == -1
    # T1.9
    error, other = t1.create(43, "another run id", account=second_account)
    assert error is None
    assert chain.run_state(other.key).index == 43


def test_run_create_rejects_a_run_id_over_32_bytes() -> None:
    t1 = T1()
    result, _ = t1.chain.run_create(
        7, "x" * 33, t1.mint, t1.coordinator_account, t1.main_authority.pubkey(), t1.join_authority
    )
    assert custom_error_code(result.err) == TreasurerError.RunIdInvalidLength


def test_run_create_fails_when_the_vault_ata_already_exists() -> None:
    t1 = T1()
    t1.chain.new_ata(t1.mint, find_run(42)[0])  # anybody may create the Run PDA's ATA first
    assert t1.create()[0] is not None


@pytest.fixture
def configured() -> tuple[T1, TreasuryRun]:
    t1 = T1()
    error, run = t1.create()
    assert error is None
    assert t1.chain.run_update(run, t1.main_authority, t1_params()).err is None
    return t1, run


def test_run_update_pause_and_config_in_one_call_fails_on_the_update(configured: tuple[T1, TreasuryRun]) -> None:
    t1, run = configured
    before = t1.chain.bank.get_account(run.coordinator_account)
    result = t1.chain.run_update(run, t1.main_authority, RunUpdateParams(config=t1_params().config, paused=True))
    assert custom_error_code(result.err) == CoordinatorProgramError.UpdateConfigNotHalted
    assert t1.chain.bank.get_account(run.coordinator_account) == before


def test_run_update_pause_then_client_version_in_one_call(configured: tuple[T1, TreasuryRun]) -> None:
    t1, run = configured
    result = t1.chain.run_update(run, t1.main_authority, RunUpdateParams(paused=True, client_version="v2"))
    assert result.err is None
    account = run.coordinator.coordinator_account()
    assert RunState(account.state.coordinator.run_state) is RunState.Paused
    assert account.state.client_version.value == "v2"


def test_run_update_with_nothing_set_is_a_no_op(configured: tuple[T1, TreasuryRun]) -> None:
    t1, run = configured
    before = t1.chain.bank.get_account(run.coordinator_account)
    assert t1.chain.run_update(run, t1.main_authority, RunUpdateParams()).err is None
    assert t1.chain.bank.get_account(run.coordinator_account) == before


def test_run_update_sets_both_future_rates(configured: tuple[T1, TreasuryRun]) -> None:
    t1, run = configured
    params = RunUpdateParams(epoch_earning_rate_total_shared=7, epoch_slashing_rate_per_client=3)
    assert t1.chain.run_update(run, t1.main_authority, params).err is None
    rates = run.coordinator.coordinator_account().state.clients_state.future_epoch_rates
    assert (rates.earning_rate_total_shared, rates.slashing_rate_per_client) == (7, 3)


@pytest.mark.parametrize("signer", ["stranger", "join_authority", "payer"])
def test_run_update_by_anyone_but_the_main_authority_changes_nothing(
    configured: tuple[T1, TreasuryRun], signer: str
) -> None:
    t1, run = configured
    keypair = {"stranger": Keypair(), "join_authority": t1.join_authority, "payer": t1.chain.payer}[signer]
    accounts = [run.key, run.coordinator_account, run.coordinator_instance]
    before = [t1.chain.bank.get_account(key) for key in accounts]
    result = t1.chain.run_update(run, keypair, RunUpdateParams(paused=True))
    assert custom_error_code(result.err) == ErrorCode.ConstraintRaw
    assert [t1.chain.bank.get_account(key) for key in accounts] == before


def test_the_coordinator_refuses_its_owner_instructions_from_the_human_owner(
    configured: tuple[T1, TreasuryRun],
) -> None:
    """The coordinator's main authority is the Run PDA: the human owner can only go through run_update."""
    t1, run = configured
    result = run.coordinator.set_paused(True, signer=t1.main_authority)
    assert custom_error_code(result.err) == ErrorCode.ConstraintRaw


def test_run_update_with_another_runs_coordinator_account_is_rejected(configured: tuple[T1, TreasuryRun]) -> None:
    t1, run = configured
    error, other = t1.create(43, "another run id", account=t1.chain.create_coordinator_account())
    assert error is None
    mixed = replace(run, coordinator_account=other.coordinator_account)
    assert custom_error_code(t1.chain.run_update(mixed, t1.main_authority, RunUpdateParams(paused=True)).err) == (
        ErrorCode.ConstraintRaw
    )


def test_run_update_refuses_a_coordinator_instance_it_does_not_own(configured: tuple[T1, TreasuryRun]) -> None:
    t1, run = configured
    forged = replace(run, coordinator_instance=run.key)  # a treasurer-owned account
    result = t1.chain.run_update(forged, t1.main_authority, RunUpdateParams(paused=True))
    assert custom_error_code(result.err) == ErrorCode.AccountOwnedByWrongProgram


def test_free_coordinator_is_impossible_for_a_treasurer_run(configured: tuple[T1, TreasuryRun]) -> None:
    t1, run = configured
    assert t1.chain.run_update(run, t1.main_authority, RunUpdateParams(paused=True)).err is None
    assert (
        custom_error_code(run.coordinator.free(Pubkey.new_unique(), signer=t1.main_authority).err)
        == ErrorCode.ConstraintRaw
    )


def test_client_version_of_a_running_run_fails_in_the_coordinator(configured: tuple[T1, TreasuryRun]) -> None:
    t1, run = configured
    result = t1.chain.run_update(run, t1.main_authority, RunUpdateParams(client_version="v3"))
    assert custom_error_code(result.err) == CoordinatorProgramError.UpdateConfigNotHalted
    assert run.coordinator.coordinator_account().state.client_version.value == "latest"
