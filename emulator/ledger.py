"""Where a bank's history goes: committed accounts, transactions and slots.

The bank keeps live state in memory for speed and hands every commit to a :class:`LedgerStore`;
a bank built over a store that already holds a history resumes from it. The in-memory store
serves tests and the embedded backend; the validator adds a SQLite store behind the same protocol.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from solders.hash import Hash
from solders.pubkey import Pubkey
from solders.signature import Signature

from emulator.account import Account
from emulator.results import TransactionRecord


@dataclass(frozen=True, slots=True)
class BlockInfo:
    """A produced block: its slot, its height and the blockhash transactions may reference."""

    slot: int
    block_height: int
    blockhash: Hash
    unix_timestamp: int


class LedgerStore(Protocol):
    """The persistence a bank needs. Writes for one transaction arrive in one ``commit`` call."""

    keeps_transactions: bool
    """Whether ``commit`` uses its transaction record: the bank builds none for a store that keeps only accounts."""

    def commit(self, accounts: Mapping[Pubkey, Account | None], record: TransactionRecord | None) -> None:
        """Persist account writes (None = the account was removed) and, if given, the transaction."""
        ...

    def record_block(self, block: BlockInfo) -> None:
        """Persist a newly produced block (its blockhash becomes valid for transactions)."""
        ...

    def accounts(self) -> Iterable[tuple[Pubkey, Account]]:
        """Every stored account, to rebuild a bank."""
        ...

    def recent_blocks(self, count: int) -> list[BlockInfo]:
        """The last ``count`` blocks, oldest first."""
        ...

    def transaction(self, signature: Signature) -> TransactionRecord | None: ...

    def signatures_for_address(
        self, address: Pubkey, limit: int, before: Signature | None = None
    ) -> list[TransactionRecord]:
        """Newest first, as getSignaturesForAddress returns them."""
        ...


class InMemoryLedgerStore:
    """A ledger that lives as long as the process: the default for tests and one-shot runs."""

    keeps_transactions = True

    def __init__(self) -> None:
        self._accounts: dict[Pubkey, Account] = {}
        self._blocks: list[BlockInfo] = []
        self._transactions: dict[Signature, TransactionRecord] = {}
        self._by_address: dict[Pubkey, list[Signature]] = {}

    def commit(self, accounts: Mapping[Pubkey, Account | None], record: TransactionRecord | None) -> None:
        for key, account in accounts.items():
            if account is None:
                self._accounts.pop(key, None)
            else:
                self._accounts[key] = account.copy()
        if record is not None:
            self._transactions[record.signature] = record
            for key in record.account_keys:
                self._by_address.setdefault(key, []).append(record.signature)

    def record_block(self, block: BlockInfo) -> None:
        self._blocks.append(block)
        if len(self._blocks) > 1024:
            del self._blocks[:512]

    def accounts(self) -> Iterable[tuple[Pubkey, Account]]:
        return list(self._accounts.items())

    def recent_blocks(self, count: int) -> list[BlockInfo]:
        return self._blocks[-count:]

    def transaction(self, signature: Signature) -> TransactionRecord | None:
        return self._transactions.get(signature)

    def signatures_for_address(
        self, address: Pubkey, limit: int, before: Signature | None = None
    ) -> list[TransactionRecord]:
        signatures = self._by_address.get(address, [])
        newest_first = list(reversed(signatures))
        if before is not None and before in newest_first:
            newest_first = newest_first[newest_first.index(before) + 1 :]
        return [self._transactions[sig] for sig in newest_first[:limit]]
