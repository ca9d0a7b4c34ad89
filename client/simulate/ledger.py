"""A ledger that keeps nothing: the simulator reads live accounts from the bank and needs no history.

A simulated day is tens of thousands of transactions; recording each (with its accounts, among them the 119 kB
coordinator account) would only fill memory. ``Bank`` keeps its live state and recent blocks itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from solders.pubkey import Pubkey
from solders.signature import Signature

from emulator.account import Account
from emulator.ledger import BlockInfo
from emulator.results import TransactionRecord

__all__ = ["DiscardingLedger"]


class DiscardingLedger:
    """A :class:`emulator.ledger.LedgerStore` that forgets every commit (the bank starts empty from it)."""

    keeps_transactions = False

    def commit(self, accounts: Mapping[Pubkey, Account | None], record: TransactionRecord | None) -> None:
        del accounts, record

    def record_block(self, block: BlockInfo) -> None:
        del block

    def accounts(self) -> Iterable[tuple[Pubkey, Account]]:
        return ()

    def recent_blocks(self, count: int) -> list[BlockInfo]:
        del count
        return []

    def transaction(self, signature: Signature) -> TransactionRecord | None:
        del signature
        return None

    def signatures_for_address(
        self, address: Pubkey, limit: int, before: Signature | None = None
    ) -> list[TransactionRecord]:
        del address, limit, before
        return []
