"""A transaction's way through the bank: signatures, blockhash age, duplicates, fees, budgets, simulation."""

from __future__ import annotations

import struct

import pytest
from solders.account import Account
from solders.clock import Clock
from solders.compute_budget import set_compute_unit_limit, set_compute_unit_price
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction, VersionedTransaction

from emulator import Bank, WallClock
from emulator.bank import CLOCK_SYSVAR_ID
from emulator.errors import transaction_error_json

SOL = 1_000_000_000


@pytest.fixture
def bank() -> Bank:
    return Bank()


def funded(bank: Bank, lamports: int = 10 * SOL) -> Keypair:
    keypair = Keypair()
    bank.airdrop(keypair.pubkey(), lamports)
    return keypair


def pay(
    bank: Bank, payer: Keypair, lamports: int = SOL, blockhash: Hash | None = None, extra: list | None = None
) -> Transaction:
    ix = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=Pubkey.new_unique(), lamports=lamports))
    return Transaction.new_signed_with_payer(
        [*(extra or []), ix], payer.pubkey(), [payer], blockhash or bank.latest_blockhash()
    )


def err_of(bank: Bank, tx: Transaction | VersionedTransaction) -> str | None:
    result = bank.send_transaction(tx)
    return None if result.err is None else transaction_error_json(result.err)


def test_airdrop_is_a_real_transfer_from_the_faucet(bank: Bank) -> None:
    faucet_before = bank.get_balance(bank.faucet)
    result = bank.airdrop(Pubkey.new_unique(), SOL)
    assert result.err is None
    assert bank.get_balance(bank.faucet) == faucet_before - SOL - 5_000
    assert bank.signature_status(result.signature) is not None


def test_the_same_airdrop_twice_credits_twice(bank: Bank) -> None:
    key = Pubkey.new_unique()
    assert bank.airdrop(key, SOL).err is None
    assert bank.airdrop(key, SOL).err is None
    assert bank.get_balance(key) == 2 * SOL


def test_a_resent_transaction_is_already_processed_and_not_charged_again(bank: Bank) -> None:
    payer = funded(bank)
    tx = pay(bank, payer)
    assert err_of(bank, tx) is None
    balance = bank.get_balance(payer.pubkey())
    assert err_of(bank, tx) == '"AlreadyProcessed"'
    assert bank.get_balance(payer.pubkey()) == balance


def test_a_blockhash_expires_after_150_blocks(bank: Bank) -> None:
    payer = funded(bank)
    old = bank.latest_blockhash()
    for _ in range(150):
        bank.expire_blockhash()
    assert err_of(bank, pay(bank, payer, blockhash=old)) is None
    bank.expire_blockhash()
    assert err_of(bank, pay(bank, payer, lamports=SOL + 1, blockhash=old)) == '"BlockhashNotFound"'
    assert err_of(bank, pay(bank, payer, blockhash=Hash.new_unique())) == '"BlockhashNotFound"'


def test_warping_slots_keeps_blockhashes_valid_by_block_count(bank: Bank) -> None:
    payer = funded(bank)
    old = bank.latest_blockhash()
    bank.warp_to_slot(1_000_000)
    assert bank.clock.slot == 1_000_000
    assert err_of(bank, pay(bank, payer, blockhash=old)) is None


def test_a_bad_signature_is_rejected_without_a_fee(bank: Bank) -> None:
    payer = funded(bank)
    tx = pay(bank, payer)
    forged = Transaction.populate(tx.message, [Signature(bytes(64))])
    balance = bank.get_balance(payer.pubkey())
    assert err_of(bank, forged) == '"SignatureFailure"'
    assert bank.get_balance(payer.pubkey()) == balance


def test_a_bank_without_sigverify_accepts_unsigned_transactions_once() -> None:
    """LiteSVM's ``sigverify(false)``: for in-process simulations. The status cache still refuses a repeat."""
    bank = Bank(sigverify=False)
    payer = funded(bank)
    forged = Transaction.populate(pay(bank, payer).message, [Signature(bytes(range(64)))])
    assert err_of(bank, forged) is None
    assert err_of(bank, forged) == '"AlreadyProcessed"'


def test_the_status_cache_forgets_a_signature_when_its_blockhash_expires(bank: Bank) -> None:
    payer = funded(bank)
    tx = pay(bank, payer)
    assert err_of(bank, tx) is None
    for _ in range(150):
        bank.expire_blockhash()
    assert err_of(bank, tx) == '"AlreadyProcessed"'
    bank.expire_blockhash()
    assert err_of(bank, tx) == '"BlockhashNotFound"'


def test_account_data_is_a_copy_of_the_accounts_bytes(bank: Bank) -> None:
    key = Pubkey.new_unique()
    bank.set_account(key, Account(SOL, b"abc", Pubkey.default(), False, 0))
    data = bank.get_account_data(key)
    assert data == bytearray(b"abc") == bytearray(bank.get_account(key).data)
    data[0] = 0
    assert bank.get_account(key).data == b"abc"
    assert bank.get_account_data(Pubkey.new_unique()) is None


def test_fee_payer_checks(bank: Bank) -> None:
    poor = Keypair()
    bank.set_account(poor.pubkey(), Account(1_000, b"", Pubkey.default(), False, 0))
    assert err_of(bank, pay(bank, poor, lamports=1)) == '"InsufficientFundsForFee"'
    program_owned = Keypair()
    bank.set_account(program_owned.pubkey(), Account(SOL, b"", Pubkey.new_unique(), False, 0))
    assert err_of(bank, pay(bank, program_owned, lamports=1)) == '"InvalidAccountForFee"'
    assert err_of(bank, pay(bank, Keypair())) == '"AccountNotFound"'


def test_priority_fee_is_price_times_limit(bank: Bank) -> None:
    payer = funded(bank)
    extra = [set_compute_unit_limit(10_000), set_compute_unit_price(1_000_000)]
    result = bank.send_transaction(pay(bank, payer, extra=extra))
    assert result.err is None
    assert result.fee == 5_000 + 10_000


def test_a_duplicate_compute_budget_instruction_is_rejected(bank: Bank) -> None:
    payer = funded(bank)
    extra = [set_compute_unit_limit(10_000), set_compute_unit_limit(20_000)]
    assert err_of(bank, pay(bank, payer, extra=extra)) == '{"DuplicateInstruction":1}'


def test_running_out_of_compute_fails_the_transaction(bank: Bank) -> None:
    payer = funded(bank)
    # The ComputeBudget instruction itself costs 150 units; the transfer needs 150 more.
    assert err_of(bank, pay(bank, payer, extra=[set_compute_unit_limit(200)])) == (
        '{"InstructionError":[1,"ComputationalBudgetExceeded"]}'
    )


def test_leaving_a_new_account_below_the_rent_minimum_fails(bank: Bank) -> None:
    """Agave's rule (LiteSVM skips it for zero-data accounts, spec/solana-rpc.md §7.3)."""
    payer = funded(bank)
    assert err_of(bank, pay(bank, payer, lamports=1_000)) == '{"InsufficientFundsForRent":{"account_index":1}}'


def test_v0_messages_execute_like_legacy_ones(bank: Bank) -> None:
    payer = funded(bank)
    target = Pubkey.new_unique()
    ix = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=target, lamports=SOL))
    message = MessageV0.try_compile(payer.pubkey(), [ix], [], bank.latest_blockhash())
    assert err_of(bank, VersionedTransaction(message, [payer])) is None
    assert bank.get_balance(target) == SOL


def test_simulation_reports_but_does_not_commit(bank: Bank) -> None:
    payer = funded(bank)
    tx = pay(bank, payer)
    before = bank.get_balance(payer.pubkey())
    result = bank.simulate_transaction(tx)
    assert result.err is None
    post = dict(result.post_accounts)
    assert post[payer.pubkey()].lamports == before - SOL - 5_000
    assert bank.get_balance(payer.pubkey()) == before
    assert err_of(bank, tx) is None  # a simulated transaction is not "already processed"


def test_clock_sysvar_follows_warps(bank: Bank) -> None:
    bank.warp_to_slot(500)
    bank.set_unix_timestamp(1_700_000_000)
    data = bank.get_account(CLOCK_SYSVAR_ID).data
    slot, _, epoch, _, unix = struct.unpack("<QqQQq", data)
    assert (slot, epoch, unix) == (500, 0, 1_700_000_000)
    assert isinstance(bank.clock, Clock)
    assert bank.clock.unix_timestamp == 1_700_000_000


def test_wall_clock_produces_slots_as_time_passes() -> None:
    clock = WallClock(slot_ms=1)
    bank = Bank(clock=clock)
    first = bank.latest_blockhash()
    import time

    time.sleep(0.02)
    assert bank.clock.slot >= 10
    assert bank.latest_blockhash() != first
    assert bank.is_blockhash_valid(first)


def test_a_failed_transaction_is_recorded_with_its_fee(bank: Bank) -> None:
    payer = funded(bank, 2 * SOL)
    tx = pay(bank, payer, lamports=5 * SOL)
    result = bank.send_transaction(tx)
    record = bank.signature_status(result.signature)
    assert record is not None and record.result.err == result.err
    assert record.pre_balances[0] - record.post_balances[0] == 5_000
