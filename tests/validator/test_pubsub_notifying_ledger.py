"""NotifyingLedgerStore: a LedgerStore that forwards to its inner store and then tells listeners."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import pytest
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction

from emulator import Bank, BlockInfo, InMemoryLedgerStore, TransactionRecord
from emulator.account import Account
from validator.notifications import NotifyingLedgerStore

SOL = 1_000_000_000


class Recorder:
    """A listener that keeps what it was told, checking that the inner store already had it."""

    def __init__(self, inner: InMemoryLedgerStore) -> None:
        self.inner = inner
        self.commits: list[tuple[dict[Pubkey, int | None], TransactionRecord | None]] = []
        self.blocks: list[BlockInfo] = []

    def on_commit(self, accounts: Mapping[Pubkey, Account | None], record: TransactionRecord | None) -> None:
        if record is not None:
            assert self.inner.transaction(record.signature) == record
        self.commits.append(({key: None if a is None else a.lamports for key, a in accounts.items()}, record))

    def on_block(self, block: BlockInfo) -> None:
        assert self.inner.recent_blocks(1) == [block]
        self.blocks.append(block)


class Failing:
    def on_commit(self, accounts: Mapping[Pubkey, Account | None], record: TransactionRecord | None) -> None:
        raise RuntimeError("listener broke")

    def on_block(self, block: BlockInfo) -> None:
        raise RuntimeError("listener broke")


def funded_bank(feed: NotifyingLedgerStore) -> tuple[Bank, Keypair]:
    bank = Bank(ledger=feed)
    payer = Keypair()
    assert bank.airdrop(payer.pubkey(), 10 * SOL).ok
    return bank, payer


def send_transfer(bank: Bank, payer: Keypair, to: Pubkey, lamports: int) -> TransactionRecord:
    ix = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=to, lamports=lamports))
    tx = Transaction.new_signed_with_payer([ix], payer.pubkey(), [payer], bank.latest_blockhash())
    result = bank.send_transaction(tx)
    record = bank.signature_status(result.signature)
    assert record is not None
    return record


def test_listeners_hear_each_commit_and_block_after_the_inner_store_has_it() -> None:
    inner = InMemoryLedgerStore()
    feed = NotifyingLedgerStore(inner)
    bank, payer = funded_bank(feed)
    recorder = Recorder(inner)
    feed.add_listener(recorder)
    recipient = Pubkey.new_unique()

    record = send_transfer(bank, payer, recipient, SOL)
    bank.warp_to_slot(bank.slot + 5)

    ((accounts, committed),) = recorder.commits
    assert committed == record
    assert accounts[recipient] == SOL
    assert accounts[payer.pubkey()] == bank.get_balance(payer.pubkey())
    assert [block.slot for block in recorder.blocks] == [bank.slot]


def test_a_failing_listener_is_logged_and_neither_the_bank_nor_other_listeners_notice(
    caplog: pytest.LogCaptureFixture,
) -> None:
    inner = InMemoryLedgerStore()
    feed = NotifyingLedgerStore(inner)
    bank, payer = funded_bank(feed)
    recorder = Recorder(inner)
    feed.add_listener(Failing())
    feed.add_listener(recorder)

    with caplog.at_level(logging.ERROR, logger="validator.notifications"):
        record = send_transfer(bank, payer, Pubkey.new_unique(), SOL)
        bank.expire_blockhash()

    assert record.result.err is None
    assert len(recorder.commits) == 1 and len(recorder.blocks) == 1
    failures = [r for r in caplog.records if r.exc_info is not None and str(r.exc_info[1]) == "listener broke"]
    assert len(failures) == 2


def test_a_removed_listener_hears_nothing_more() -> None:
    inner = InMemoryLedgerStore()
    feed = NotifyingLedgerStore(inner)
    bank, payer = funded_bank(feed)
    recorder = Recorder(inner)
    feed.add_listener(recorder)
    feed.remove_listener(recorder)

    send_transfer(bank, payer, Pubkey.new_unique(), SOL)
    bank.expire_blockhash()

    assert recorder.commits == [] and recorder.blocks == []


def test_the_store_answers_every_ledger_query_from_the_inner_store() -> None:
    inner = InMemoryLedgerStore()
    feed = NotifyingLedgerStore(inner)
    bank, payer = funded_bank(feed)
    recipient = Pubkey.new_unique()
    record = send_transfer(bank, payer, recipient, SOL)

    assert feed.inner is inner
    assert feed.transaction(record.signature) == record
    assert feed.signatures_for_address(recipient, limit=5) == [record]
    assert feed.recent_blocks(3) == inner.recent_blocks(3)
    resumed = Bank(ledger=feed)  # a bank rebuilds itself from accounts() and recent_blocks()
    assert resumed.get_balance(recipient) == SOL
    assert resumed.latest_blockhash() == bank.latest_blockhash()
