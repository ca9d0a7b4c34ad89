"""What every RPC method works against: the bank, the ledger's history, the finality mode.

Also the pieces every context-wrapped method shares: the slot a commitment sees (with
``minContextSlot`` enforced) and the ``{"context":{"slot":N},"value":...}`` wrapper.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from emulator import Bank, BlockInfo
from emulator.constants import MAX_PROCESSING_AGE
from emulator.ledger_sqlite import SqliteLedgerStore
from validator.finality import Commitment, FinalityPolicy
from validator.identity import NodeInfo
from validator.rpc.errors import RpcError
from validator.rpc.params import Config

__all__ = ["API_VERSION", "FEATURE_SET", "RpcContext"]

# The Agave release whose RPC this server reproduces (getVersion, and apiVersion in every context).
API_VERSION = "2.1.21"
FEATURE_SET = 1416569292


@dataclass(frozen=True, slots=True)
class RpcContext:
    bank: Bank
    store: SqliteLedgerStore
    finality: FinalityPolicy
    node: NodeInfo = field(default_factory=NodeInfo)

    @property
    def processed_slot(self) -> int:
        return self.bank.slot

    def slot_for(self, config: Config) -> int:
        """The slot the config's commitment sees; -32016 when that is short of its ``minContextSlot``."""
        slot = self.finality.slot_at(config.commitment(), self.processed_slot)
        min_context_slot = config.min_context_slot()
        if min_context_slot is not None and slot < min_context_slot:
            raise RpcError.min_context_slot_not_reached(slot)
        return slot

    def block_at(self, commitment: Commitment) -> BlockInfo:
        """The newest block that has reached ``commitment``."""
        lag = self.finality.lag(commitment)
        if lag == 0:
            return self.bank.latest_block()
        self.bank.latest_block()  # produce the blocks that are due before looking back
        blocks = self.store.recent_blocks(lag + 1)
        return blocks[0]

    @staticmethod
    def blockhash_value(block: BlockInfo) -> dict[str, object]:
        """A blockhash and the last block height at which a transaction may still use it."""
        return {"blockhash": str(block.blockhash), "lastValidBlockHeight": block.block_height + MAX_PROCESSING_AGE}

    @staticmethod
    def wrap(slot: int, value: object) -> dict[str, object]:
        return {"context": {"apiVersion": API_VERSION, "slot": slot}, "value": value}
