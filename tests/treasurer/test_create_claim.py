"""Scenario T2 (``memnet_treasurer_create_claim``) and the claim's account checks: every mismatched
account is refused with the reference's error and moves no token and no counter."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import spl.token.instructions as spl
from solders.account import Account
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from spl.token.constants import TOKEN_PROGRAM_ID

from emulator.anchor import ErrorCode
from emulator.errors import custom_error_code
from tests.treasurer.harness import TreasurerChain, TreasuryRun
from treasurer.errors import TreasurerError
from treasurer.state import find_participant

FUNDING = 1_000_000_000_000


@dataclass
class T2:
    chain: TreasurerChain
    run1: TreasuryRun
    run2: TreasuryRun
    mint1: Pubkey
    mint2: Pubkey
    client1: Keypair
    client2: Keypair
    ata: dict[tuple[str, str], Pubkey]  # (client, mint) -> the client's ATA
    run1_mint2: Pubkey  # ATA(run1, mint2): funded by the reference test instead of run2's vault

    def watched(self) -> list[Pubkey]:
        """Every account a claim could touch."""
        participants = [
            find_participant(run.key, c.pubkey())[0] for run in (self.run1, self.run2) for c in self.clients
        ]
        return [
            *self.ata.values(),
            self.run1.key,
            self.run2.key,
            self.run1.vault,
            self.run2.vault,
            self.run1_mint2,
            *participants,
        ]

    @property
    def clients(self) -> tuple[Keypair, Keypair]:
        return self.client1, self.client2


@pytest.fixture
def t2() -> T2:
    chain = TreasurerChain()
    mint1, mint2 = chain.new_mint(), chain.new_mint()
    main_authority, join_authority = Keypair(), Keypair()
    runs = []
    for index, run_id, mint in (
        (41, "This is my run's dummy run_id1", mint1),
        (42, "This is my run's dummy run_id2", mint2),
    ):
        result, run = chain.run_create(
            index, run_id, mint, chain.create_coordinator_account(), main_authority.pubkey(), join_authority
        )
        assert result.err is None
        runs.append(run)
    run1, run2 = runs
    chain.mint_to(mint1, run1.vault, FUNDING)
    run1_mint2 = chain.new_ata(mint2, run1.key)
    chain.mint_to(mint2, run1_mint2, FUNDING)
    client1, client2 = Keypair(), Keypair()
    ata = {}
    for name, client in (("client1", client1), ("client2", client2)):
        for mint_name, mint in (("mint1", mint1), ("mint2", mint2)):
            ata[(name, mint_name)] = chain.new_ata(mint, client.pubkey())
        for run in runs:
            assert chain.participant_create(run.key, client).err is None
    return T2(chain, run1, run2, mint1, mint2, client1, client2, ata, run1_mint2)


def claim(t2: T2, user: Keypair, amount: int, collateral: Pubkey, on: TreasuryRun, **overrides: Pubkey) -> int | None:
    """Send a claim (accounts of run ``on`` unless overridden); None on success, else the custom error code."""
    keys = {"run": on.key, "vault": on.vault, "coordinator_account": on.coordinator_account} | overrides
    result = t2.chain.claim(user, amount, user_collateral=collateral, **keys)
    return None if result.err is None else custom_error_code(result.err)


def test_t2_claims_with_mismatched_accounts(t2: T2) -> None:
    c1, c2 = t2.client1, t2.client2
    # T2.1 claims of 0 on both runs with each run's own accounts
    assert claim(t2, c1, 0, t2.ata[("client1", "mint1")], t2.run1) is None
    assert claim(t2, c2, 0, t2.ata[("client2", "mint1")], t2.run1) is None
    assert claim(t2, c1, 0, t2.ata[("client1", "mint2")], t2.run2) is None
    assert claim(t2, c2, 0, t2.ata[("client2", "mint2")], t2.run2) is None
    before = [t2.chain.bank.get_account(key) for key in t2.watched()]

    # T2.2 nothing earned yet
    assert claim(t2, c1, 1, t2.ata[("client1", "mint1")], t2.run1) == TreasurerError.InvalidParameter
    # T2.3 client2 signs with client1's token account; T2.4 client1 with client2's
    assert claim(t2, c2, 0, t2.ata[("client1", "mint1")], t2.run1) == ErrorCode.ConstraintRaw
    assert claim(t2, c1, 0, t2.ata[("client2", "mint1")], t2.run1) == ErrorCode.ConstraintRaw
    # T2.5 client1's token account of the other mint
    assert claim(t2, c1, 0, t2.ata[("client1", "mint2")], t2.run1) == ErrorCode.ConstraintRaw
    # T2.6 run1 with the other mint's vault: the run's ATA, but not for its collateral mint
    assert (
        claim(t2, c1, 0, t2.ata[("client1", "mint1")], t2.run1, vault=t2.run1_mint2) == ErrorCode.ConstraintAssociated
    )
    # T2.7 run2 with run1's coordinator, vault and mint1 account
    wrong = {"vault": t2.run1.vault, "coordinator_account": t2.run1.coordinator_account}
    assert claim(t2, c1, 0, t2.ata[("client1", "mint1")], t2.run2, **wrong) == ErrorCode.ConstraintRaw
    # T2.8 run1 with run2's coordinator account
    wrong = {"coordinator_account": t2.run2.coordinator_account}
    assert claim(t2, c1, 0, t2.ata[("client1", "mint1")], t2.run1, **wrong) == ErrorCode.ConstraintRaw

    # T2.9
    assert [t2.chain.balance(account) for account in t2.ata.values()] == [0, 0, 0, 0]
    assert t2.chain.balance(t2.run1.vault) == t2.chain.balance(t2.run1_mint2) == FUNDING
    assert [t2.chain.bank.get_account(key) for key in t2.watched()] == before


def test_claim_by_a_non_participant_is_refused(t2: T2) -> None:
    stranger = Keypair()
    collateral = t2.chain.new_ata(t2.mint1, stranger.pubkey())
    before = [t2.chain.bank.get_account(key) for key in t2.watched()]
    assert claim(t2, stranger, 0, collateral, t2.run1) == ErrorCode.AccountNotInitialized
    assert [t2.chain.bank.get_account(key) for key in t2.watched()] == before


def test_claim_through_another_users_participant_record_is_refused(t2: T2) -> None:
    other = find_participant(t2.run1.key, t2.client2.pubkey())[0]
    code = claim(t2, t2.client1, 0, t2.ata[("client1", "mint1")], t2.run1, participant=other)
    assert code == ErrorCode.ConstraintSeeds


def test_claim_with_the_coordinator_instance_as_run_is_refused(t2: T2) -> None:
    code = claim(t2, t2.client1, 0, t2.ata[("client1", "mint1")], t2.run1, run=t2.run1.coordinator_instance)
    assert code == ErrorCode.AccountOwnedByWrongProgram


def test_claim_with_a_forged_coordinator_account_is_refused(t2: T2) -> None:
    """Bytes copied from the real coordinator account into an account the coordinator does not own."""
    real = t2.chain.bank.get_account(t2.run1.coordinator_account)
    assert real is not None
    forged = Pubkey.new_unique()
    t2.chain.bank.set_account(forged, Account(real.lamports, bytes(real.data), Pubkey.new_unique(), False, 0))
    code = claim(t2, t2.client1, 0, t2.ata[("client1", "mint1")], t2.run1, coordinator_account=forged)
    assert code == ErrorCode.AccountOwnedByWrongProgram


def test_claim_into_a_token_account_with_a_delegate_is_refused(t2: T2) -> None:
    collateral = t2.ata[("client1", "mint1")]
    approve = spl.approve(
        spl.ApproveParams(
            program_id=TOKEN_PROGRAM_ID,
            source=collateral,
            delegate=Pubkey.new_unique(),
            owner=t2.client1.pubkey(),
            amount=1,
        )
    )
    assert t2.chain.send([approve], t2.client1).err is None
    assert claim(t2, t2.client1, 0, collateral, t2.run1) == ErrorCode.ConstraintRaw


def test_participant_create_twice_fails(t2: T2) -> None:
    result = t2.chain.participant_create(t2.run1.key, t2.client1)
    assert result.err is not None
    assert any("already in use" in line for line in result.logs)


def test_participant_create_needs_an_existing_run(t2: T2) -> None:
    result = t2.chain.participant_create(Pubkey.new_unique(), Keypair())
    assert custom_error_code(result.err) == ErrorCode.AccountNotInitialized


def test_participant_starts_with_nothing_claimed(t2: T2) -> None:
    participant = t2.chain.participant_state(t2.run1.key, t2.client1.pubkey())
    assert (participant.claimed_collateral_amount, participant.claimed_earned_points) == (0, 0)
    stored = t2.chain.bank.get_account(find_participant(t2.run1.key, t2.client1.pubkey())[0])
    assert stored is not None and len(stored.data) == 32
    assert stored.lamports == t2.chain.bank.minimum_balance_for_rent_exemption(32) == 1_113_600
