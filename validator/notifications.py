"""A ledger store that tells listeners about every commit and block, so the PubSub server can push them.

The bank hands each committed transaction and each produced block to its :class:`LedgerStore`;
wrapping that store is the one place that sees every change without the bank knowing about
websockets. Listeners run synchronously inside the bank's lock, on whatever thread runs the bank,
after the inner store has persisted the change: they must be cheap (copy what they need and hand
it to another thread or loop) and a listener that raises is logged, never propagated into the bank.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from typing import Protocol

from solders.pubkey import Pubkey
from solders.signature import Signature

from emulator.account import Account
from emulator.ledger import BlockInfo, LedgerStore
from emulator.results import TransactionRecord

logger = logging.getLogger(__name__)


class LedgerListener(Protocol):
    """Told about each change after it is stored. The ``Account`` objects are the bank's own: copy, never keep."""

    def on_commit(self, accounts: Mapping[Pubkey, Account | None], record: TransactionRecord | None) -> None:
        """Account writes (None = removed) and, for a transaction, its record."""
        ...

    def on_block(self, block: BlockInfo) -> None:
        """A newly produced block (the bank's slot advanced)."""
        ...


class NotifyingLedgerStore:
    """A :class:`LedgerStore` that forwards to ``inner`` and then notifies its listeners."""

    keeps_transactions = True  # the listeners (signature subscriptions) read every record

    def __init__(self, inner: LedgerStore) -> None:
        self._inner = inner
        # Replaced, never mutated, so the bank's thread can iterate while another thread adds or removes.
        self._listeners: tuple[LedgerListener, ...] = ()
        self._listeners_lock = threading.Lock()

    @property
    def inner(self) -> LedgerStore:
        """The wrapped store (for anything beyond the protocol, e.g. closing a database)."""
        return self._inner

    def add_listener(self, listener: LedgerListener) -> None:
        with self._listeners_lock:
            self._listeners = (*self._listeners, listener)

    def remove_listener(self, listener: LedgerListener) -> None:
        """Stop notifying ``listener``; removing one that is not registered is a no-op."""
        with self._listeners_lock:
            self._listeners = tuple(known for known in self._listeners if known is not listener)

    # -- the LedgerStore protocol -------------------------------------------------------
    def commit(self, accounts: Mapping[Pubkey, Account | None], record: TransactionRecord | None) -> None:
        self._inner.commit(accounts, record)
        for listener in self._listeners:
            try:
                listener.on_commit(accounts, record)
            except Exception:
                logger.exception("ledger listener %r failed on a commit; the commit stands", listener)

    def record_block(self, block: BlockInfo) -> None:
        self._inner.record_block(block)
        for listener in self._listeners:
            try:
                listener.on_block(block)
            except Exception:
                logger.exception("ledger listener %r failed on block %d; the block stands", listener, block.slot)

    def accounts(self) -> Iterable[tuple[Pubkey, Account]]:
        return self._inner.accounts()

    def recent_blocks(self, count: int) -> list[BlockInfo]:
        return self._inner.recent_blocks(count)

    def transaction(self, signature: Signature) -> TransactionRecord | None:
        return self._inner.transaction(signature)

    def signatures_for_address(
        self, address: Pubkey, limit: int, before: Signature | None = None
    ) -> list[TransactionRecord]:
        return self._inner.signatures_for_address(address, limit, before)
