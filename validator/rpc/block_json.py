"""A block as getBlock and blockSubscribe write it (Agave's UiConfirmedBlock), built from the ledger.

A block is a produced slot: its blockhash, its height, its time, the block before it (its parent;
slots between them were skipped) and the transactions that landed in it, in execution order.
``transactionDetails`` picks how much of each transaction is shown; a v0 transaction needs
``maxSupportedTransactionVersion``, as in getTransaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from solders.hash import Hash

from emulator.ledger import BlockInfo
from emulator.results import TransactionRecord
from validator.rpc.params import Config, parse_name
from validator.rpc.transaction_json import (
    TransactionEncoding,
    account_keys_json,
    checked_version,
    encoded_transaction,
    transaction_encoding,
    transaction_meta,
)

__all__ = ["BlockOptions", "TransactionDetails", "block_json"]


class TransactionDetails(StrEnum):
    FULL = "full"
    ACCOUNTS = "accounts"
    SIGNATURES = "signatures"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class BlockOptions:
    encoding: TransactionEncoding = TransactionEncoding.JSON
    details: TransactionDetails = TransactionDetails.FULL
    rewards: bool = True
    max_version: int | None = None

    @classmethod
    def parse(
        cls,
        config: Config,
        default_encoding: TransactionEncoding = TransactionEncoding.JSON,
        rewards_key: str = "rewards",
    ) -> BlockOptions:
        """getBlock's config; blockSubscribe names ``rewards`` ``showRewards`` and defaults to base64."""
        details = config.get("transactionDetails")
        return cls(
            transaction_encoding(config, default_encoding),
            TransactionDetails.FULL
            if details is None
            else TransactionDetails(parse_name(details, tuple(TransactionDetails))),
            config.boolean(rewards_key, default=True),
            config.u64("maxSupportedTransactionVersion"),
        )


def _transaction_with_meta(record: TransactionRecord, options: BlockOptions) -> dict[str, object]:
    version = checked_version(record, options.max_version)
    if options.details is TransactionDetails.ACCOUNTS:
        tx = record.transaction
        entry: dict[str, object] = {
            "transaction": {
                "signatures": [str(signature) for signature in tx.signatures],
                "accountKeys": account_keys_json(tx.message),
            },
            "meta": transaction_meta(record, options.encoding, full=False),
        }
    else:
        entry = {
            "transaction": encoded_transaction(record.transaction, options.encoding),
            "meta": transaction_meta(record, options.encoding),
        }
    if options.max_version is not None:
        entry["version"] = version
    return entry


def block_json(
    block: BlockInfo, parent: BlockInfo | None, transactions: Sequence[TransactionRecord], options: BlockOptions
) -> dict[str, object]:
    """The block; the first block of the ledger has no parent: parent slot 0 and the default hash, as Agave."""
    ui: dict[str, object] = {
        "blockHeight": block.block_height,
        "blockTime": block.unix_timestamp,
        "blockhash": str(block.blockhash),
        "parentSlot": parent.slot if parent is not None else 0,
        "previousBlockhash": str(parent.blockhash if parent is not None else Hash.default()),
    }
    if options.details is TransactionDetails.SIGNATURES:
        ui["signatures"] = [str(record.signature) for record in transactions]
    elif options.details is not TransactionDetails.NONE:
        ui["transactions"] = [_transaction_with_meta(record, options) for record in transactions]
    if options.rewards:
        ui["rewards"] = []
    return ui
