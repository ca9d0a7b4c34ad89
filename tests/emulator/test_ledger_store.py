"""A bank built over a ledger store that already holds a history resumes from it."""

from __future__ import annotations

from collections.abc import Mapping

from solders.clock import Clock as SysvarClock
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction
from solders.transaction_status import TransactionErrorFieldless

from emulator import Account, Bank, InMemoryLedgerStore, WallClock
from emulator.bank import CLOCK_SYSVAR_ID
from emulator.results import TransactionRecord


def test_a_new_bank_over_the_same_store_sees_every_account_transaction_and_blockhash() -> None:
    store = InMemoryLedgerStore()
    bank = Bank(ledger=store)
    payer, target = Keypair(), Pubkey.new_unique()
    bank.airdrop(payer.pubkey(), 10**10)
    bank.expire_blockhash()
    ix = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=target, lamports=10**9))
    tx = Transaction.new_signed_with_payer([ix], payer.pubkey(), [payer], bank.latest_blockhash())
    signature = bank.send_transaction(tx).signature

    resumed = Bank(ledger=store)
    assert resumed.get_balance(target) == 10**9
    assert resumed.get_balance(payer.pubkey()) == bank.get_balance(payer.pubkey())
    assert resumed.latest_blockhash() == bank.latest_blockhash()
    assert resumed.signature_status(signature) is not None
    assert [r.signature for r in store.signatures_for_address(target, limit=10)] == [signature]


def _landed_transfer(store: InMemoryLedgerStore) -> tuple[Bank, Transaction, Pubkey]:
    """A bank over ``store`` where a transfer of 1 SOL to the returned target has landed."""
    bank = Bank(ledger=store)
    payer, target = Keypair(), Pubkey.new_unique()
    bank.airdrop(payer.pubkey(), 10**10)
    ix = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=target, lamports=10**9))
    tx = Transaction.new_signed_with_payer([ix], payer.pubkey(), [payer], bank.latest_blockhash())
    assert bank.send_transaction(tx).err is None
    return bank, tx, target


def test_a_transaction_resent_after_a_resume_is_already_processed() -> None:
    """The status cache survives a restart: resending a landed transaction must not pay twice."""
    store = InMemoryLedgerStore()
    _, tx, target = _landed_transfer(store)

    resumed = Bank(ledger=store)
    assert resumed.send_transaction(tx).err == TransactionErrorFieldless.AlreadyProcessed
    assert resumed.get_balance(target) == 10**9


def test_closing_an_account_removes_it_from_the_store() -> None:
    store = InMemoryLedgerStore()
    bank = Bank(ledger=store)
    payer, other = Keypair(), Keypair()
    bank.airdrop(payer.pubkey(), 10**10)
    bank.airdrop(other.pubkey(), 10**9)
    drain = transfer(TransferParams(from_pubkey=other.pubkey(), to_pubkey=payer.pubkey(), lamports=10**9))
    tx = Transaction.new_signed_with_payer([drain], payer.pubkey(), [payer, other], bank.latest_blockhash())
    assert bank.send_transaction(tx).err is None
    assert bank.get_account(other.pubkey()) is None
    assert other.pubkey() not in dict(store.accounts())


def test_the_clock_sysvar_of_a_wall_clock_bank_is_current_when_read() -> None:
    clock = WallClock(slot_ms=1)
    bank = Bank(clock=clock)
    clock.set_unix_timestamp(2_000_000_000)
    stored = bank.get_account(CLOCK_SYSVAR_ID)
    assert stored is not None
    assert SysvarClock.from_bytes(bytes(stored.data)).unix_timestamp == 2_000_000_000


class AccountsOnlyStore(InMemoryLedgerStore):
    """A store that keeps accounts and blocks but no transaction history (as the simulator's)."""

    keeps_transactions = False

    def __init__(self) -> None:
        super().__init__()
        self.records: list[object] = []

    def commit(self, accounts: Mapping[Pubkey, Account | None], record: TransactionRecord | None) -> None:
        self.records.append(record)
        super().commit(accounts, record)


def test_a_store_that_keeps_no_transactions_gets_accounts_and_no_record_and_resends_are_still_refused() -> None:
    store = AccountsOnlyStore()
    bank, tx, target = _landed_transfer(store)
    assert store.records and all(record is None for record in store.records)  # genesis, the airdrop, the transfer
    assert Bank(ledger=store).get_balance(target) == 10**9
    assert bank.send_transaction(tx).err == TransactionErrorFieldless.AlreadyProcessed
