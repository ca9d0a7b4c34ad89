"""Who may do what: every instruction rejects the wrong signer, the wrong accounts and the wrong state.

Each failing transaction leaves the record as it was and costs the fee payer only its fee.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from solders.account import Account as SoldersAccount
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.transaction import Transaction
from solders.transaction_status import InstructionErrorFieldless, TransactionErrorInstructionError

from authorizer.errors import AuthorizerError
from authorizer.program_id import PROGRAM_ID
from authorizer.state.authorization import PERMISSIONLESS_GRANTEE, Authorization, space_with_discriminator
from emulator import Bank, TransactionResult
from emulator.anchor import ErrorCode
from emulator.errors import custom_error_code
from tests.authorizer.harness import (
    address,
    close_ix,
    create_ix,
    fee,
    funded,
    grantee_update_ix,
    grantor_update_ix,
    new_bank,
    read_authorization,
    send,
)

SCOPE = b"CoordinatorJoinRun"
# A realistic clock, so a record whose grantor never updated it (timestamp 0) is long past the 30 days.
NOW = 1_750_000_000
THIRTY_DAYS = 30 * 24 * 60 * 60
PACKET_DATA_SIZE = 1232  # the largest serialized transaction a cluster accepts


@dataclass
class World:
    bank: Bank
    payer: Keypair
    grantor: Keypair
    grantee: Keypair
    key: Pubkey

    def record(self) -> Authorization:
        record = read_authorization(self.bank, self.key)
        assert record is not None
        return record

    def send(self, instruction: Instruction, *signers: Keypair) -> TransactionResult:
        return send(self.bank, [instruction], [self.payer, *signers])

    def grantee_update(self, clear: bool, added: list[Pubkey], signer: Keypair | None = None) -> TransactionResult:
        grantee = signer or self.grantee
        return self.send(grantee_update_ix(self.payer.pubkey(), grantee.pubkey(), self.key, clear, added), grantee)

    def grantor_update(self, active: bool, signer: Keypair | None = None) -> TransactionResult:
        grantor = signer or self.grantor
        return self.send(grantor_update_ix(grantor.pubkey(), self.key, active), grantor)

    def close(self, signer: Keypair | None = None, spill: Pubkey | None = None) -> TransactionResult:
        grantor = signer or self.grantor
        return self.send(close_ix(grantor.pubkey(), spill or self.payer.pubkey(), self.key), grantor)

    def expect_failure(self, result: TransactionResult, code: int) -> None:
        """The transaction failed with ``Custom(code)``."""
        assert custom_error_code(result.err) == code, (result.err, result.logs)


@pytest.fixture
def world() -> World:
    bank = new_bank()
    bank.set_unix_timestamp(NOW)
    payer, grantor, grantee = funded(bank), Keypair(), Keypair()
    result = send(bank, [create_ix(payer.pubkey(), grantor.pubkey(), grantee.pubkey(), SCOPE)], [payer, grantor])
    assert result.err is None, result.logs
    return World(bank, payer, grantor, grantee, address(grantor.pubkey(), grantee.pubkey(), SCOPE))


def unchanged(world: World, attempt: TransactionResult, code: int, before: Authorization, payer_before: int) -> None:
    world.expect_failure(attempt, code)
    assert world.record() == before
    assert world.bank.get_balance(world.payer.pubkey()) == payer_before - fee(2)


# -- authorization_create -------------------------------------------------------------------------


def test_create_records_the_signer_as_grantor_and_the_canonical_bump(world: World) -> None:
    record = world.record()
    assert record == Authorization(
        Pubkey.find_program_address(
            [b"Authorization", bytes(world.grantor.pubkey()), bytes(world.grantee.pubkey()), SCOPE], PROGRAM_ID
        )[1],
        world.grantor.pubkey(),
        world.grantee.pubkey(),
        SCOPE,
        False,
        [],
        0,
    )


def test_create_logs_the_instruction_name(world: World) -> None:
    other = Keypair()
    result = send(
        world.bank,
        [create_ix(world.payer.pubkey(), world.grantor.pubkey(), other.pubkey(), SCOPE)],
        [world.payer, world.grantor],
    )
    assert result.err is None
    assert result.logs[1] == "Program log: Instruction: AuthorizationCreate"


def test_create_twice_fails_in_the_system_program(world: World) -> None:
    before, payer_before = world.record(), world.bank.get_balance(world.payer.pubkey())
    attempt = world.send(
        create_ix(world.payer.pubkey(), world.grantor.pubkey(), world.grantee.pubkey(), SCOPE), world.grantor
    )
    unchanged(world, attempt, 0, before, payer_before)  # SystemError::AccountAlreadyInUse
    assert any("already in use" in line for line in attempt.logs)


def test_create_needs_the_grantor_signature(world: World) -> None:
    other = Keypair()
    ix = create_ix(world.payer.pubkey(), world.grantor.pubkey(), other.pubkey(), SCOPE)
    metas = list(ix.accounts)
    metas[1] = AccountMeta(world.grantor.pubkey(), is_signer=False, is_writable=False)
    result = send(world.bank, [Instruction(PROGRAM_ID, ix.data, metas)], [world.payer])
    assert custom_error_code(result.err) == ErrorCode.AccountNotSigner
    assert int(ErrorCode.AccountNotSigner) == 3010
    assert world.bank.get_account(address(world.grantor.pubkey(), other.pubkey(), SCOPE)) is None


def test_create_at_another_address_violates_the_seeds(world: World) -> None:
    other = Keypair()
    wrong = address(world.grantor.pubkey(), world.payer.pubkey(), SCOPE)
    ix = create_ix(world.payer.pubkey(), world.grantor.pubkey(), other.pubkey(), SCOPE, authorization=wrong)
    result = send(world.bank, [ix], [world.payer, world.grantor])
    assert custom_error_code(result.err) == ErrorCode.ConstraintSeeds
    assert int(ErrorCode.ConstraintSeeds) == 2006
    assert world.bank.get_account(wrong) is None


def test_create_for_another_grantor_cannot_be_signed_by_a_stranger(world: World) -> None:
    """The grantor is the signer: a stranger signing creates its own record, never the grantor's PDA."""
    stranger, other = Keypair(), Keypair()
    ix = create_ix(
        world.payer.pubkey(),
        stranger.pubkey(),
        other.pubkey(),
        SCOPE,
        authorization=address(world.grantor.pubkey(), other.pubkey(), SCOPE),
    )
    assert custom_error_code(send(world.bank, [ix], [world.payer, stranger]).err) == ErrorCode.ConstraintSeeds


def test_create_with_a_scope_over_32_bytes_aborts(world: World) -> None:
    """The scope is one PDA seed: 33 bytes make ``find_program_address`` abort the program."""
    ix = create_ix(
        world.payer.pubkey(), world.grantor.pubkey(), world.grantee.pubkey(), b"s" * 33, authorization=world.key
    )
    result = send(world.bank, [ix], [world.payer, world.grantor])
    assert result.err == TransactionErrorInstructionError(0, InstructionErrorFieldless.ProgramFailedToComplete)
    assert any("Length of the seed is too long for address generation" in line for line in result.logs)


def test_create_checks_the_system_program_account(world: World) -> None:
    other = Keypair()
    ix = create_ix(world.payer.pubkey(), world.grantor.pubkey(), other.pubkey(), SCOPE, system_program=PROGRAM_ID)
    assert custom_error_code(send(world.bank, [ix], [world.payer, world.grantor]).err) == ErrorCode.InvalidProgramId
    assert int(ErrorCode.InvalidProgramId) == 3008


def test_permissionless_record_accepts_anyone_and_cannot_get_delegates(world: World) -> None:
    bank = world.bank
    key = address(world.grantor.pubkey(), PERMISSIONLESS_GRANTEE, SCOPE)
    ix = create_ix(world.payer.pubkey(), world.grantor.pubkey(), PERMISSIONLESS_GRANTEE, SCOPE)
    assert send(bank, [ix], [world.payer, world.grantor]).err is None
    assert send(bank, [grantor_update_ix(world.grantor.pubkey(), key, True)], [world.payer, world.grantor]).err is None
    record = read_authorization(bank, key)
    assert record is not None and record.grantee == PERMISSIONLESS_GRANTEE
    assert all(record.is_valid_for(world.grantor.pubkey(), Pubkey.new_unique(), SCOPE) for _ in range(5))
    # Only the zero key could manage delegates, and nobody holds its private key.
    for signer in (world.grantor, world.payer):
        ix = grantee_update_ix(world.payer.pubkey(), signer.pubkey(), key, False, [Pubkey.new_unique()])
        assert custom_error_code(send(bank, [ix], [world.payer, signer]).err) == ErrorCode.ConstraintRaw


# -- authorization_grantor_update -----------------------------------------------------------------


def test_grantor_update_by_anyone_else_violates_the_constraint(world: World) -> None:
    before, payer_before = world.record(), world.bank.get_balance(world.payer.pubkey())
    for impostor in (world.grantee, Keypair()):
        attempt = world.grantor_update(True, signer=impostor)
        unchanged(world, attempt, ErrorCode.ConstraintRaw, before, payer_before)
        assert (
            "Program log: AnchorError caused by account: authorization. Error Code: ConstraintRaw. "
            "Error Number: 2003. Error Message: A raw constraint was violated."
        ) in attempt.logs
        payer_before -= fee(2)


def test_grantor_update_is_idempotent_and_stamps_the_clock(world: World) -> None:
    for step, active in enumerate((True, True, False, False)):
        world.bank.forward_unix_timestamp(7)
        assert world.grantor_update(active).err is None
        record = world.record()
        assert record.active is active
        assert record.grantor_update_unix_timestamp == NOW + 7 * (step + 1)


def test_grantor_update_of_a_missing_record_is_not_initialized(world: World) -> None:
    missing = address(world.grantor.pubkey(), Pubkey.new_unique(), SCOPE)
    ix = grantor_update_ix(world.grantor.pubkey(), missing, True)
    assert (
        custom_error_code(send(world.bank, [ix], [world.payer, world.grantor]).err) == ErrorCode.AccountNotInitialized
    )


def test_grantor_update_rejects_an_account_of_another_program(world: World) -> None:
    forged = Pubkey.new_unique()
    raw = world.bank.get_account(world.key)
    assert raw is not None
    world.bank.set_account(forged, SoldersAccount(raw.lamports, raw.data, Pubkey.new_unique(), False, 0))
    ix = grantor_update_ix(world.grantor.pubkey(), forged, True)
    result = send(world.bank, [ix], [world.payer, world.grantor])
    assert custom_error_code(result.err) == ErrorCode.AccountOwnedByWrongProgram
    assert int(ErrorCode.AccountOwnedByWrongProgram) == 3007


# -- authorization_grantee_update -----------------------------------------------------------------


def test_grantee_update_by_anyone_else_violates_the_constraint(world: World) -> None:
    assert world.grantee_update(False, [Pubkey.new_unique()]).err is None
    delegate = world.record().delegates[0]
    before, payer_before = world.record(), world.bank.get_balance(world.payer.pubkey())
    for impostor in (world.grantor, Keypair()):
        attempt = world.grantee_update(True, [impostor.pubkey()] * 3, signer=impostor)
        unchanged(world, attempt, ErrorCode.ConstraintRaw, before, payer_before)  # the realloc is rolled back
        payer_before -= fee(2)
    assert world.record().delegates == [delegate]


def test_grantee_update_keeps_duplicates_in_order(world: World) -> None:
    a, b = Pubkey.new_unique(), Pubkey.new_unique()
    assert world.grantee_update(False, [a, b, a]).err is None
    assert world.grantee_update(False, [b]).err is None
    assert world.record().delegates == [a, b, a, b]


def test_grantee_update_beyond_the_realloc_limit_fails(world: World) -> None:
    """One instruction may grow an account by at most 10,240 bytes: 320 delegates.

    (A real cluster would refuse such a transaction earlier, for exceeding the 1,232-byte packet.)
    """
    before, payer_before = world.record(), world.bank.get_balance(world.payer.pubkey())
    attempt = world.grantee_update(False, [Pubkey.new_unique() for _ in range(321)])
    unchanged(world, attempt, ErrorCode.AccountReallocExceedsLimit, before, payer_before)
    assert int(ErrorCode.AccountReallocExceedsLimit) == 3016


def test_thirty_delegates_fit_one_packet_when_the_grantee_pays(world: World) -> None:
    """The practical limit per call (spec §6): a signed legacy transaction must fit 1,232 bytes."""

    def packet_size(count: int) -> int:
        grantee = world.grantee
        ix = grantee_update_ix(grantee.pubkey(), grantee.pubkey(), world.key, False, [Pubkey.new_unique()] * count)
        tx = Transaction.new_signed_with_payer([ix], grantee.pubkey(), [grantee], world.bank.latest_blockhash())
        return len(bytes(tx))

    assert packet_size(30) <= PACKET_DATA_SIZE < packet_size(31)


def test_grantee_update_with_a_poor_payer_fails_in_the_system_transfer(world: World) -> None:
    poor = funded(world.bank, 1_000_000)
    ix = grantee_update_ix(poor.pubkey(), world.grantee.pubkey(), world.key, False, [Pubkey.new_unique()] * 20)
    result = send(world.bank, [ix], [poor, world.grantee])
    assert custom_error_code(result.err) == 1  # SystemError::ResultWithNegativeLamports
    assert world.record().delegates == []


# -- authorization_close --------------------------------------------------------------------------


def test_close_by_anyone_else_violates_the_constraint(world: World) -> None:
    before, payer_before = world.record(), world.bank.get_balance(world.payer.pubkey())
    for impostor in (world.grantee, Keypair()):
        unchanged(world, world.close(signer=impostor), ErrorCode.ConstraintRaw, before, payer_before)
        payer_before -= fee(2)


def test_close_of_an_active_record_fails(world: World) -> None:
    assert world.grantor_update(True).err is None
    before, payer_before = world.record(), world.bank.get_balance(world.payer.pubkey())
    unchanged(world, world.close(), AuthorizerError.AuthorizationActiveIsTrue, before, payer_before)
    assert int(AuthorizerError.AuthorizationActiveIsTrue) == 6000


def test_close_with_delegates_waits_30_days_after_the_last_grantor_update(world: World) -> None:
    assert world.grantee_update(False, [Pubkey.new_unique()]).err is None
    assert world.grantor_update(False).err is None
    world.bank.forward_unix_timestamp(THIRTY_DAYS - 1)
    world.expect_failure(world.close(), AuthorizerError.AuthorizationClosingConditionsNotReachedYet)
    world.bank.forward_unix_timestamp(1)
    spill = Pubkey.new_unique()
    lamports = world.bank.get_balance(world.key)
    assert world.close(spill=spill).err is None
    assert world.bank.get_account(world.key) is None
    assert world.bank.get_balance(spill) == lamports


def test_close_of_a_never_updated_record_with_delegates_is_immediate(world: World) -> None:
    assert world.grantee_update(False, [Pubkey.new_unique()]).err is None
    assert world.close().err is None


def test_close_deadline_saturates_at_the_i64_maximum(world: World) -> None:
    """An update stamped near i64::MAX makes the deadline i64::MAX (saturating add), not a larger number."""
    world.bank.set_unix_timestamp(2**63 - 2)
    assert world.grantee_update(False, [Pubkey.new_unique()]).err is None
    assert world.grantor_update(False).err is None
    world.expect_failure(world.close(), AuthorizerError.AuthorizationClosingConditionsNotReachedYet)
    world.bank.set_unix_timestamp(2**63 - 1)
    assert world.close().err is None


def test_close_needs_a_system_owned_spill(world: World) -> None:
    before, payer_before = world.record(), world.bank.get_balance(world.payer.pubkey())
    unchanged(world, world.close(spill=world.key), ErrorCode.AccountNotSystemOwned, before, payer_before)


def test_a_closed_record_can_be_created_again(world: World) -> None:
    assert world.close().err is None
    ix = create_ix(world.payer.pubkey(), world.grantor.pubkey(), world.grantee.pubkey(), SCOPE)
    assert world.send(ix, world.grantor).err is None
    assert world.record().delegates == []
    assert len(world.bank.get_account(world.key).data) == space_with_discriminator(len(SCOPE), 0)  # type: ignore[union-attr]
