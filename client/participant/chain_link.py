"""The training client's link to its run on chain: read the coordinator and the clock, send its transactions.

Every transaction is one coordinator instruction signed and paid by the client's wallet (spec client-training.md
§1.6). Reads go through the same :class:`~client.chain.backend.ChainBackend` as every other command, so the
client runs on the embedded chain or against a validator alike. The coordinator is polled (the reference
subscribes over PubSub; polling the one account gives the same sequence of states at the poll's resolution).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.sysvar import CLOCK

from authorizer.join import JOIN_RUN_AUTHORIZATION_SCOPE
from authorizer.state.authorization import PERMISSIONLESS_GRANTEE, find_authorization
from client.chain.backend import ChainBackend, SentTransaction
from client.instructions import coordinator as coordinator_ix
from client.run_accounts import AccountLookupError, fetch_run
from coordinator_program.core.types import (
    CommitteeProof,
    MerkleRoot,
    NodeIdentity,
    WitnessBloom,
    WitnessMetadata,
    WitnessProof,
)
from coordinator_program.state.coordinator_account import CoordinatorAccount, load

__all__ = ["ChainClock", "CoordinatorLink"]


@dataclass(frozen=True)
class ChainClock:
    """The chain's Clock sysvar: what the coordinator's ``tick`` will see."""

    slot: int
    unix_timestamp: int

    @classmethod
    def decode(cls, data: bytes) -> ChainClock:
        """Bincode ``Clock``: slot u64, epoch_start_timestamp i64, epoch u64, leader_schedule_epoch u64, unix i64."""
        slot, _, _, _, unix_timestamp = struct.unpack_from("<QqQQq", data)
        return cls(slot, unix_timestamp)


class CoordinatorLink:
    """One client's view of one run: ``read`` the coordinator, and the five messages it sends (join to checkpoint)."""

    def __init__(self, backend: ChainBackend, run_id: str, wallet: Keypair, authorizer: Pubkey | None = None) -> None:
        """``authorizer``: the grantee of the join authorization to use (default: the permissionless one)."""
        self.backend = backend
        self.run_id = run_id
        self.wallet = wallet
        self._grantee = PERMISSIONLESS_GRANTEE if authorizer is None else authorizer
        self._keys: coordinator_ix.RunKeys | None = None
        self._authorization: Pubkey | None = None

    @property
    def me(self) -> Pubkey:
        return self.wallet.pubkey()

    async def connect(self) -> CoordinatorAccount:
        """Find the run's accounts (AccountLookupError when it does not exist) and read the coordinator."""
        run = await fetch_run(self.backend, self.run_id)
        self._keys = run.keys
        self._authorization = find_authorization(
            run.instance.join_authority, self._grantee, JOIN_RUN_AUTHORIZATION_SCOPE
        )[0]
        return run.account

    @property
    def keys(self) -> coordinator_ix.RunKeys:
        if self._keys is None:
            raise RuntimeError("connect() first")
        return self._keys

    async def read(self) -> CoordinatorAccount:
        """The coordinator account now (a detached copy)."""
        account = await self.backend.get_account(self.keys.account)
        if account is None:
            raise AccountLookupError(f"run {self.run_id!r}: its coordinator account {self.keys.account} is gone")
        return load(bytearray(account.data))

    async def clock(self) -> ChainClock:
        """The Clock sysvar now (any bank, in-process or behind a validator, hands out a current one)."""
        account = await self.backend.get_account(CLOCK)
        if account is None:
            raise AccountLookupError("the chain has no Clock sysvar")
        return ChainClock.decode(bytes(account.data))

    async def _send(self, *instructions: object) -> SentTransaction:
        return await self.backend.send(list(instructions), self.wallet)  # type: ignore[arg-type]

    async def join(self) -> SentTransaction:
        """``join_run``; off-chain the p2p identity is the wallet key too (spec §1.2)."""
        assert self._authorization is not None
        identity = NodeIdentity.from_keys(bytes(self.me), bytes(self.me))
        return await self._send(coordinator_ix.join_run(self.me, self._authorization, self.keys, identity))

    async def tick(self) -> SentTransaction:
        return await self._send(coordinator_ix.tick(self.me, self.keys))

    async def warmup_witness(self, index: int, merkle: MerkleRoot) -> SentTransaction:
        proof = WitnessProof(position=index, index=index, witness=0)
        return await self._send(coordinator_ix.warmup_witness(self.me, self.keys, proof, broadcast_merkle=merkle))

    async def witness(
        self,
        proof: WitnessProof,
        participant_bloom: WitnessBloom,
        broadcast_bloom: WitnessBloom,
        merkle: MerkleRoot,
        metadata: WitnessMetadata,
    ) -> SentTransaction:
        return await self._send(
            coordinator_ix.witness(self.me, self.keys, proof, participant_bloom, broadcast_bloom, merkle, metadata)
        )

    async def health_check(self, targets: Sequence[tuple[NodeIdentity, CommitteeProof]]) -> list[SentTransaction]:
        """One instruction per unhealthy client, all in one transaction (the coordinator checks each)."""
        if not targets:
            return []
        instructions = [coordinator_ix.health_check(self.me, self.keys, target, proof) for target, proof in targets]
        return [await self._send(*instructions)]
