"""The SQLite ledger: a bank built over a reopened file resumes exactly, and a commit is all or nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from solders.account import Account as SoldersAccount
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction

from emulator import Account, Bank, TransactionResult
from emulator.ledger_sqlite import LedgerSchemaError, SqliteLedgerStore, Synchronous

U64_MAX = 2**64 - 1


def send_transfer(bank: Bank, payer: Keypair, target: Pubkey, lamports: int) -> TransactionResult:
    ix = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=target, lamports=lamports))
    tx = Transaction.new_signed_with_payer([ix], payer.pubkey(), [payer], bank.latest_blockhash())
    return bank.send_transaction(tx)


@pytest.mark.parametrize("synchronous", list(Synchronous))
def test_a_bank_over_the_reopened_file_resumes_accounts_blocks_and_transactions(
    tmp_path: Path, synchronous: Synchronous
) -> None:
    path = tmp_path / "ledger.sqlite3"
    store = SqliteLedgerStore(path, synchronous)
    bank = Bank(ledger=store)
    payer, target = Keypair(), Pubkey.new_unique()
    bank.airdrop(payer.pubkey(), 10**10)
    bank.expire_blockhash()
    ok = send_transfer(bank, payer, target, 10**9)
    failed = send_transfer(bank, payer, target, 10**15)
    store.close()

    reopened = SqliteLedgerStore(path, synchronous)
    resumed = Bank(ledger=reopened)
    assert resumed.get_balance(target) == 10**9
    assert resumed.get_balance(payer.pubkey()) == bank.get_balance(payer.pubkey())
    assert resumed.latest_blockhash() == bank.latest_blockhash()
    for sent in (ok, failed):
        record = reopened.transaction(sent.signature)
        assert record is not None
        assert record.result == sent
        assert resumed.is_blockhash_valid(record.transaction.message.recent_blockhash)
    assert failed.err is not None
    assert [r.signature for r in reopened.signatures_for_address(target, limit=10)] == [failed.signature, ok.signature]
    assert reopened.transaction_count() == 3


def test_u64_extremes_survive_the_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    store = SqliteLedgerStore(path)
    key = Pubkey.new_unique()
    store.commit({key: Account(U64_MAX, bytearray(b"\x01\x02"), Pubkey.new_unique(), True, U64_MAX)}, None)
    store.close()
    (stored_key, stored), *_ = SqliteLedgerStore(path).accounts()
    assert stored_key == key
    assert (stored.lamports, stored.rent_epoch, bytes(stored.data), stored.executable) == (
        U64_MAX,
        U64_MAX,
        b"\x01\x02",
        True,
    )


def test_removed_accounts_are_gone_after_reopening(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    bank = Bank(ledger=SqliteLedgerStore(path))
    key = Pubkey.new_unique()
    bank.set_account(key, SoldersAccount(10**9, b"", Pubkey.default()))
    bank.set_account(key, SoldersAccount(0, b"", Pubkey.default()))
    assert key not in dict(SqliteLedgerStore(path).accounts())


def test_a_commit_that_fails_leaves_no_account_write_behind(tmp_path: Path) -> None:
    store = SqliteLedgerStore(tmp_path / "ledger.sqlite3")
    bank = Bank(ledger=store)
    payer = Keypair()
    bank.airdrop(payer.pubkey(), 10**10)
    sent = send_transfer(bank, payer, Pubkey.new_unique(), 10**9)
    record = store.transaction(sent.signature)
    assert record is not None
    bystander = Pubkey.new_unique()
    with pytest.raises(sqlite3.IntegrityError):  # the same signature twice: the whole commit is refused
        store.commit({bystander: Account(10**9)}, record)
    assert bystander not in dict(store.accounts())


def test_a_ledger_from_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    SqliteLedgerStore(path).close()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version=99")
    with pytest.raises(LedgerSchemaError):
        SqliteLedgerStore(path)


def test_closing_folds_the_write_ahead_log_into_the_database(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    store = SqliteLedgerStore(path)
    bank = Bank(ledger=store)
    bank.airdrop(Pubkey.new_unique(), 10**9)
    wal = Path(f"{path}-wal")
    assert wal.stat().st_size > 0
    store.close()
    assert not wal.exists() or wal.stat().st_size == 0
    with sqlite3.connect(path) as db:  # the database file alone holds the airdrop now
        assert db.execute("SELECT COUNT(*) FROM transactions").fetchone() == (1,)
