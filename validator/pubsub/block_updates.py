"""What each new block means to blockSubscribe, slotsUpdatesSubscribe and rootSubscribe.

When the bank starts slot ``s`` after ``p``, slot ``p`` is complete: its bank is created then
frozen (slotsUpdates ``createdBank`` for ``s``, ``frozen`` for ``p`` with its transaction counts),
the slots that reached confirmed and finalized move on (``optimisticConfirmation``, ``root``, and a
rootNotification when the root advanced), and ``p``'s block goes to block subscriptions once it
reaches their commitment. Blocks are read back from the ledger, so a block notification is the
same JSON getBlock answers with.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

from emulator.ledger import BlockInfo
from emulator.results import TransactionRecord
from validator.finality import Commitment
from validator.pubsub.messages import to_json, with_context
from validator.pubsub.params import BlockParams, SubscriptionKind
from validator.pubsub.subscriptions import Subscription, SubscriptionRegistry
from validator.rpc.block_json import BlockOptions, block_json
from validator.rpc.errors import RpcError

__all__ = ["BlockSource", "BlockUpdates"]

# (subscription, slot the event was processed in, result JSON)
Update = tuple[Subscription, int, str]


class BlockSource(Protocol):
    """The ledger reads block notifications need (the validator's SQLite ledger)."""

    def block(self, slot: int) -> BlockInfo | None: ...

    def parent_block(self, slot: int) -> BlockInfo | None: ...

    def transactions_in_slot(self, slot: int) -> list[TransactionRecord]: ...


def _mentions(record: TransactionRecord, key: object) -> bool:
    return key in record.account_keys


class BlockUpdates:
    """Turns "slot ``parent`` is complete, ``block`` has begun" into block, slotsUpdates and root results."""

    def __init__(self, registry: SubscriptionRegistry, source: BlockSource, lag_slots: Callable[[str], int]) -> None:
        self._registry = registry
        self._source = source
        self._lag_slots = lag_slots
        self._root = -1

    def _settled(self, slot: int, commitment: Commitment) -> int:
        return slot - self._lag_slots(commitment.wire_name)

    def on_block(self, parent: int, block: BlockInfo) -> Iterator[Update]:
        yield from self._slots_updates(parent, block)
        root = self._settled(parent, Commitment.FINALIZED)
        if root > self._root:
            self._root = root
            for subscription in self._registry.of_kind(SubscriptionKind.ROOT):
                yield subscription, block.slot, to_json(root)
        yield from self._blocks(parent)

    def _slots_updates(self, parent: int, block: BlockInfo) -> Iterator[Update]:
        subscriptions = self._registry.of_kind(SubscriptionKind.SLOTS_UPDATES)
        if not subscriptions:
            return
        now_ms = int(time.time() * 1000)
        records = self._source.transactions_in_slot(parent)
        failed = sum(1 for record in records if record.result.err is not None)
        updates: list[dict[str, object]] = [
            {"type": "createdBank", "slot": block.slot, "parent": parent, "timestamp": now_ms},
            {
                "type": "frozen",
                "slot": parent,
                "timestamp": now_ms,
                "stats": {
                    "numTransactionEntries": len(records),
                    "numSuccessfulTransactions": len(records) - failed,
                    "numFailedTransactions": failed,
                    "maxTransactionsPerEntry": 1 if records else 0,
                },
            },
            {
                "type": "optimisticConfirmation",
                "slot": self._settled(parent, Commitment.CONFIRMED),
                "timestamp": now_ms,
            },
            {"type": "root", "slot": self._settled(parent, Commitment.FINALIZED), "timestamp": now_ms},
        ]
        for update in updates:
            if int(str(update["slot"])) < 0:
                continue
            result = to_json(update)
            for subscription in subscriptions:
                yield subscription, block.slot, result

    def _blocks(self, slot: int) -> Iterator[Update]:
        subscriptions = self._registry.of_kind(SubscriptionKind.BLOCK)
        if not subscriptions:
            return
        block = self._source.block(slot)
        if block is None:
            return
        parent = self._source.parent_block(slot)
        records = self._source.transactions_in_slot(slot)
        rendered: dict[tuple[object, BlockOptions], str | None] = {}
        for subscription in subscriptions:
            params = subscription.params
            assert isinstance(params, BlockParams)
            key = (params.mentions, params.options)
            if key not in rendered:
                rendered[key] = self._render(slot, block, parent, records, params)
            result = rendered[key]
            if result is not None:
                yield subscription, slot, result

    @staticmethod
    def _render(
        slot: int,
        block: BlockInfo,
        parent: BlockInfo | None,
        records: Sequence[TransactionRecord],
        params: BlockParams,
    ) -> str | None:
        if params.mentions is not None:
            records = [record for record in records if _mentions(record, params.mentions)]
            if not records:
                return None
        try:
            value: dict[str, object] = {"slot": slot, "block": block_json(block, parent, records, params.options)}
            value["err"] = None
        except RpcError as exc:  # e.g. a v0 transaction for a subscriber that did not allow it
            value = {"slot": slot, "block": None, "err": exc.message}
        return to_json(with_context(slot, value))
