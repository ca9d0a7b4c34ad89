"""Who the validator is to the cluster methods: its identity key, its addresses, its slot time.

There is no consensus here, so the identity signs nothing; it is the one leader of every slot
(getSlotLeader, getLeaderSchedule) and the one node of getClusterNodes. It is derived from a fixed
seed, as the faucet's key is, so it stays the same across restarts of a ledger.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from solders.keypair import Keypair
from solders.pubkey import Pubkey

from emulator.constants import DEFAULT_SLOT_MS

__all__ = ["IDENTITY_KEYPAIR", "NodeInfo"]

IDENTITY_KEYPAIR = Keypair.from_seed(hashlib.sha256(b"psyche-sim validator identity").digest())


@dataclass(frozen=True, slots=True)
class NodeInfo:
    identity: Pubkey = IDENTITY_KEYPAIR.pubkey()
    bind_address: str = "127.0.0.1"
    rpc_port: int = 8899
    slot_ms: int = DEFAULT_SLOT_MS

    @property
    def rpc_address(self) -> str:
        return f"{self.bind_address}:{self.rpc_port}"

    @property
    def pubsub_address(self) -> str:
        return f"{self.bind_address}:{self.rpc_port + 1}"
