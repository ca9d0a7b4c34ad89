"""The training client's link to its run on chain: read the coordinator and the clock, send its transactions.

Every transaction is one coordinator instruction signed and paid by the client's wallet (spec client-training.md
§1.6). Reads go through the same :class:`~client.chain.backend.ChainBackend` as every other command, so the
client runs on the embedded chain or against a validator alike. Against a validator the coordinator account is
followed over PubSub, as the reference does (:class:`~client.chain.account_watch.AccountWatch`): each change
arrives as it is committed, and reads fall back to RPC while the subscription is down. On the embedded chain
each read is a direct look at the in-process bank.

A client outlives chain outages: every read and send repeats the reference's backoff until the chain answers
again, up to the link's :class:`~client.chain.outage.OutagePolicy` (``train --rpc-outage-timeout``), saying what
it waits for (``rpc_outage`` events) and when the chain is back (``rpc_recovered``). The subscription resubscribes
by itself meanwhile, and the client resumes where it was: its next read is the coordinator of that moment.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.sysvar import CLOCK

from client.chain.account_watch import AccountWatch
from client.chain.backend import ChainBackend, ChainUnavailable, SentTransaction
from client.chain.outage import OutagePolicy, through_outage
from client.instructions import coordinator as coordinator_ix
from client.instructions.authorizer import join_authorization_address
from client.join_authorization import NotAuthorizedToJoin, candidate_grantees, choose_grantee, join_refusal
from client.participant.logs import emit
from client.run_accounts import AccountLookupError, fetch_authorization, fetch_run
from coordinator_program.core.types import (
    Checkpoint,
    CheckpointTag,
    CommitteeProof,
    FixedString64,
    HubRepo,
    MerkleRoot,
    NodeIdentity,
    WitnessBloom,
    WitnessMetadata,
    WitnessProof,
)
from coordinator_program.state.coordinator_account import CoordinatorAccount, load

__all__ = ["ChainClock", "ChainLink", "OutageEvents", "hub_checkpoint"]

T = TypeVar("T")


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


def hub_checkpoint(repo_id: str, revision: str) -> Checkpoint:
    """``Checkpoint::Hub{repo_id, revision}``, what a client announces after uploading an epoch's weights."""
    repo = HubRepo()
    repo.repo_id.value = repo_id
    repo.revision.set(FixedString64.from_str(revision))
    announced = Checkpoint()
    announced.set_variant(CheckpointTag.Hub, repo)
    return announced


class OutageEvents:
    """Outages as the client's events: ``rpc_outage`` while waiting (the console shows what for), ``rpc_recovered``."""

    def waiting(self, what: str, waited_s: float, timeout_s: float, cause: ChainUnavailable) -> None:
        emit(
            "rpc_outage",
            f"cannot reach the chain while {what} ({cause}); waiting for it to come back, "
            f"{waited_s:.0f} s so far, giving up after {timeout_s:.0f} s",
            what=what,
            waited_s=round(waited_s, 1),
            timeout_s=timeout_s,
            error=str(cause),
        )

    def recovered(self, what: str, waited_s: float) -> None:
        emit("rpc_recovered", f"the chain answers again after {waited_s:.1f} s; carrying on", waited_s=waited_s)


class ChainLink:
    """The coordinator as a program on chain: ``read`` its account, send the five messages as transactions.

    Implements :class:`~client.participant.coordinator_link.CoordinatorLink` for the embedded chain and for RPC.
    """

    def __init__(
        self,
        backend: ChainBackend,
        run_id: str,
        wallet: Keypair,
        authorizer: Pubkey | None = None,
        websocket_url: str | None = None,
        outage: OutagePolicy | None = None,
    ) -> None:
        """``authorizer``: the grantee of the join authorization to use (default: the permissionless one, else the
        wallet's own);
        ``websocket_url``: the validator's PubSub, to follow the coordinator on (None: read it every time);
        ``outage``: how long to wait out an unreachable chain (default :class:`OutagePolicy`'s 300 s)."""
        self.backend = backend
        self.run_id = run_id
        self.wallet = wallet
        self._authorizer = authorizer
        self._keys: coordinator_ix.RunKeys | None = None
        self._authorization: Pubkey | None = None
        self._join_authority: Pubkey | None = None
        self._websocket_url = websocket_url
        self._watch: AccountWatch | None = None
        self._newest: CoordinatorAccount | None = None
        self._outage = outage or OutagePolicy()
        self._outage_events = OutageEvents()

    async def _through_outage(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        return await through_outage(call, what, self._outage, self._outage_events)

    @property
    def me(self) -> Pubkey:
        return self.wallet.pubkey()

    @property
    def run_address(self) -> str:
        """The coordinator account's address: a run id can be reused by a new run, an account cannot."""
        return str(self.keys.account)

    async def connect(self) -> CoordinatorAccount:
        """Find the run's accounts (AccountLookupError when it does not exist), read the coordinator, and start
        following it when there is a websocket to follow it on."""
        run = await self._through_outage("looking up the run", lambda: fetch_run(self.backend, self.run_id))
        self._keys = run.keys
        self._join_authority = run.instance.join_authority
        self._authorization = await self.authorization()
        if self._websocket_url is not None and self._watch is None:
            key = run.keys.account
            self._watch = AccountWatch(self._websocket_url, key, lambda: self.backend.get_account(key))
            self._watch.start()
        self._newest = run.account
        return run.account

    async def authorization(self) -> Pubkey:
        """The address of the join authorization that lets this wallet join (``--authorizer``'s, else the
        permissionless one, else the wallet's own); :class:`NotAuthorizedToJoin` says why none does."""
        join_authority = self._join_authority
        if join_authority is None:
            raise RuntimeError("connect() first")
        candidates = candidate_grantees(self._authorizer, self.me)
        addresses = {grantee: join_authorization_address(join_authority, grantee) for grantee in candidates}
        records = {grantee: await fetch_authorization(self.backend, address) for grantee, address in addresses.items()}
        chosen = choose_grantee(join_authority, self.me, records, candidates)
        if chosen is None:
            raise NotAuthorizedToJoin(join_refusal(self.run_id, join_authority, self.me, self._authorizer, records))
        return addresses[chosen]

    @property
    def subscribed(self) -> bool:
        """The coordinator's changes are pushed to us now (reads cost no RPC call)."""
        return self._watch is not None and self._watch.live

    async def wait_for_change(self, timeout: float) -> None:
        """Until the coordinator changes (only a subscription can tell) or ``timeout`` seconds pass."""
        if self._watch is None:
            await asyncio.sleep(timeout)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._watch.changed(), timeout)

    async def close(self) -> None:
        """Stop following the coordinator."""
        if self._watch is not None:
            await self._watch.close()

    @property
    def keys(self) -> coordinator_ix.RunKeys:
        if self._keys is None:
            raise RuntimeError("connect() first")
        return self._keys

    async def read(self) -> CoordinatorAccount:
        """The coordinator account now (a detached copy), never older than one read before.

        Subscribed, this is the latest notification's; otherwise a read. A notification and a read can pass each
        other, so, as the reference merges its sockets, a version with a lower ``nonce`` than one already handed
        out (every coordinator instruction but ``update_client_version`` counts itself in it) is not used.
        """
        key = self.keys.account
        watch = self._watch
        fetch = watch.current if watch is not None else lambda: self.backend.get_account(key)
        account = await self._through_outage("reading the coordinator", fetch)
        if account is None:
            raise AccountLookupError(f"run {self.run_id!r}: its coordinator account {key} is gone")
        coordinator = load(bytearray(account.data))
        if self._newest is not None and coordinator.nonce < self._newest.nonce:
            return self._newest
        self._newest = coordinator
        return coordinator

    async def clock(self) -> ChainClock:
        """The Clock sysvar now (any bank, in-process or behind a validator, hands out a current one)."""
        account = await self._through_outage("reading the clock", lambda: self.backend.get_account(CLOCK))
        if account is None:
            raise AccountLookupError("the chain has no Clock sysvar")
        return ChainClock.decode(bytes(account.data))

    async def _send(self, *instructions: object) -> SentTransaction:
        return await self._through_outage(
            "sending a transaction",
            lambda: self.backend.send(list(instructions), self.wallet),  # type: ignore[arg-type]
        )

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

    async def checkpoint(self, repo_id: str, revision: str) -> SentTransaction:
        """``checkpoint(Hub{repo_id, revision})``: where the epoch's uploaded weights are (P2P runs keep P2P)."""
        return await self._send(coordinator_ix.checkpoint(self.me, self.keys, hub_checkpoint(repo_id, revision)))
