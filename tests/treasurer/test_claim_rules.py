"""Claims once points are earned: partial claims add up, nothing is paid twice, any token account of the
user's own works, and a failed claim changes no byte of any account."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from authorizer.state.authorization import PERMISSIONLESS_GRANTEE
from emulator.errors import custom_error_code
from tests.coordinator_program.program.chain import scenario_settings
from tests.treasurer.harness import TreasurerChain, TreasuryRun, end_cooldown, train_until_cooldown
from treasurer.errors import TreasurerError
from treasurer.logic.run_update import RunUpdateParams
from treasurer.state import find_participant

RATE = 1_001  # split between 2 clients: 500 each, the remainder is never paid
SHARE = RATE // 2


@dataclass
class Earned:
    chain: TreasurerChain
    run: TreasuryRun
    clients: list[Keypair]
    atas: list[Pubkey]

    def accounts(self) -> list[Pubkey]:
        participants = [find_participant(self.run.key, client.pubkey())[0] for client in self.clients]
        return [self.run.key, self.run.vault, self.run.coordinator_account, *self.atas, *participants]

    def snapshot(self) -> list[object]:
        return [self.chain.bank.get_account(key) for key in self.accounts()]


@pytest.fixture
def earned() -> Earned:
    """A funded treasurer run whose two clients (joined through a permissionless authorization) finished an epoch."""
    chain = TreasurerChain()
    main_authority, join_authority = Keypair(), Keypair()
    mint = chain.new_mint()
    result, run = chain.run_create(
        7, "claims", mint, chain.create_coordinator_account(), main_authority.pubkey(), join_authority
    )
    assert result.err is None
    chain.mint_to(mint, run.vault, 10 * RATE)
    config, model = scenario_settings(cooldown_time=5, witness_nodes=0, batch_end=2)
    params = RunUpdateParams(config=config, model=model, epoch_earning_rate_total_shared=RATE, paused=False)
    assert chain.run_update(run, main_authority, params).err is None
    clients = [Keypair(), Keypair()]
    anyone = run.coordinator.authorize(PERMISSIONLESS_GRANTEE)
    for client in clients:
        assert run.coordinator.join(client, anyone).err is None
        assert chain.participant_create(run.key, client).err is None
    train_until_cooldown(run, clients)
    end_cooldown(run, 5)
    atas = [chain.new_ata(mint, client.pubkey()) for client in clients]
    return Earned(chain, run, clients, atas)


def test_partial_claims_add_up_to_the_share(earned: Earned) -> None:
    chain, run, client, ata = earned.chain, earned.run, earned.clients[0], earned.atas[0]
    assert chain.claim_on(run, client, 200, ata).err is None
    assert chain.claim_on(run, client, SHARE - 200, ata).err is None
    assert chain.balance(ata) == SHARE
    before = earned.snapshot()
    assert custom_error_code(chain.claim_on(run, client, 1, ata).err) == TreasurerError.InvalidParameter
    assert earned.snapshot() == before


def test_a_claim_of_the_share_twice_pays_once(earned: Earned) -> None:
    chain, run, client, ata = earned.chain, earned.run, earned.clients[1], earned.atas[1]
    assert chain.claim_on(run, client, SHARE, ata).err is None
    before = earned.snapshot()
    assert custom_error_code(chain.claim_on(run, client, SHARE, ata).err) == TreasurerError.InvalidParameter
    assert earned.snapshot() == before
    assert chain.balance(ata) == SHARE


def test_a_claim_above_the_share_changes_nothing(earned: Earned) -> None:
    before = earned.snapshot()
    result = earned.chain.claim_on(earned.run, earned.clients[0], SHARE + 1, earned.atas[0])
    assert custom_error_code(result.err) == TreasurerError.InvalidParameter
    assert earned.snapshot() == before


def test_claims_are_per_user(earned: Earned) -> None:
    chain, run = earned.chain, earned.run
    assert chain.claim_on(run, earned.clients[0], SHARE, earned.atas[0]).err is None
    assert chain.claim_on(run, earned.clients[1], SHARE, earned.atas[1]).err is None
    assert chain.balance(run.vault) == 10 * RATE - 2 * SHARE
    assert chain.run_state(run.key).total_claimed_earned_points == 2 * SHARE


def test_a_claim_into_a_non_ata_token_account_of_the_user_succeeds(earned: Earned) -> None:
    chain, run, client = earned.chain, earned.run, earned.clients[0]
    account = chain.new_account(run.mint, client.pubkey())
    assert chain.claim_on(run, client, SHARE, account).err is None
    assert chain.balance(account) == SHARE


def test_a_user_who_never_joined_can_claim_only_zero(earned: Earned) -> None:
    chain, run = earned.chain, earned.run
    outsider = Keypair()
    assert chain.participant_create(run.key, outsider).err is None
    ata = chain.new_ata(run.mint, outsider.pubkey())
    assert chain.claim_on(run, outsider, 0, ata).err is None
    assert custom_error_code(chain.claim_on(run, outsider, 1, ata).err) == TreasurerError.InvalidParameter
