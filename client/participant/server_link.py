"""The training client's link to a ``psyche-centralized-server``: one TCP connection, the server's protocol.

The server pushes its coordinator after every change (:mod:`centralized_server.wire`); the link keeps the newest
and hands it to the client as a program account (``clients_state`` lists the pending clients and this epoch's),
so :class:`~client.participant.runner.TrainingClient` follows a server exactly as it follows a chain. The
server ticks by itself, so ``tick`` sends nothing and ``clock`` is the local wall clock. Losing the server ends
the client (:class:`ServerLost`): a centralized run has no second server to fail over to.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import time
from collections.abc import Sequence

from solders.keypair import Keypair
from solders.pubkey import Pubkey

from centralized_server.errors import ProtocolError
from centralized_server.wire import (
    MAX_SERVER_FRAME,
    Challenge,
    CheckpointMessage,
    ClientCapabilities,
    ClientMessage,
    CoordinatorUpdate,
    ErrorMessage,
    HealthCheckMessage,
    Hello,
    Join,
    WarmupWitnessMessage,
    WitnessMessage,
    decode_message,
    encode_message,
    hello_message,
    read_frame,
    write_frame,
)
from client.errors import ClientError
from client.participant.chain_link import ChainClock, hub_checkpoint
from coordinator_program.core.types import (
    CommitteeProof,
    Coordinator,
    MerkleRoot,
    NodeIdentity,
    Witness,
    WitnessBloom,
    WitnessMetadata,
    WitnessProof,
)
from coordinator_program.state.borsh_args import HealthCheck
from coordinator_program.state.coordinator_account import (
    COORDINATOR_ACCOUNT_DISCRIMINATOR,
    COORDINATOR_ACCOUNT_SIZE,
    COORDINATOR_ACCOUNT_VERSION,
    CoordinatorAccount,
    SolanaClient,
)

__all__ = ["ServerLink", "ServerLost", "account_of"]

PENDING = 1
"""``clients_state.next_active`` of a built account: pending clients carry it as their ``active``."""


class ServerLost(ClientError, ConnectionError):
    """The server closed the connection, refused us (its reason), or could not be reached."""


def account_of(update: CoordinatorUpdate) -> CoordinatorAccount:
    """The program account that holds ``update``: its coordinator, and its pending and epoch clients registered."""
    account = CoordinatorAccount.from_buffer(bytearray(COORDINATOR_ACCOUNT_SIZE))
    ctypes.memmove(account.discriminator, COORDINATOR_ACCOUNT_DISCRIMINATOR, len(COORDINATOR_ACCOUNT_DISCRIMINATOR))
    account.version = COORDINATOR_ACCOUNT_VERSION
    account.nonce = update.sequence
    state = account.state
    state.coordinator = Coordinator.from_buffer_copy(update.coordinator)
    registry = state.clients_state
    registry.next_active = PENDING
    pending = set(update.pending)
    listed = [bytes(client.id) for client in state.coordinator.epoch_state.clients]
    for identity in [*update.pending, *(i for i in listed if i not in pending)]:
        entry = SolanaClient()
        entry.id = NodeIdentity.from_buffer_copy(identity)
        entry.active = PENDING if identity in pending else 0
        registry.clients.push(entry)
    return account


UNSPECIFIED_CAPABILITIES = ClientCapabilities(device="auto", matformer_tier=0)
"""What a link's ``Join`` says when its owner names nothing else: ``train``'s defaults."""


class ServerLink:
    """One client's connection to the server running ``run_id`` at ``host:port``; its ``Join`` tells the server
    ``capabilities`` (the device and MatFormer tier, which the server logs beside each witness's loss)."""

    def __init__(
        self,
        server_addr: str,
        run_id: str,
        wallet: Keypair,
        connect_timeout_s: float = 30.0,
        capabilities: ClientCapabilities = UNSPECIFIED_CAPABILITIES,
    ) -> None:
        host, _, port = server_addr.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"the server address must be HOST:PORT, got {server_addr!r}")
        self.server_addr = server_addr
        self._host, self._port = host, int(port)
        self.run_id = run_id
        self.wallet = wallet
        self.capabilities = capabilities
        self._connect_timeout_s = connect_timeout_s
        self._writer: asyncio.StreamWriter | None = None
        self._listener: asyncio.Task[None] | None = None
        self._newest: CoordinatorAccount | None = None
        self._changed = asyncio.Event()
        self._lost: ServerLost | None = None

    @property
    def me(self) -> Pubkey:
        return self.wallet.pubkey()

    @property
    def run_address(self) -> str:
        """The server and the run: a run id reused on another server is another run."""
        return f"{self.server_addr}/{self.run_id}"

    async def connect(self) -> CoordinatorAccount:
        """Connect, prove our key over the server's challenge, and wait for the first coordinator."""
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(self._host, self._port), self._connect_timeout_s
            )
            challenge = decode_message(await read_frame(reader, MAX_SERVER_FRAME))
            if not isinstance(challenge, Challenge):
                raise ServerLost(f"the server at {self.server_addr} opened with {type(challenge).__name__}")
            signature = self.wallet.sign_message(hello_message(challenge.nonce, self.run_id))
            write_frame(writer, encode_message(Hello(bytes(self.me), bytes(signature), self.run_id)))
            self._writer = writer
            first = await asyncio.wait_for(self._next_update(reader), self._connect_timeout_s)
        except (OSError, TimeoutError, asyncio.IncompleteReadError, ProtocolError) as exc:
            raise ServerLost(f"cannot reach the centralized server at {self.server_addr}: {exc}") from exc
        self._newest = account_of(first)
        self._listener = asyncio.create_task(self._listen(reader))
        return self._newest

    async def _next_update(self, reader: asyncio.StreamReader) -> CoordinatorUpdate:
        message = decode_message(await read_frame(reader, MAX_SERVER_FRAME))
        if isinstance(message, ErrorMessage):
            raise ServerLost(f"the server refused us: {message.reason}")
        if not isinstance(message, CoordinatorUpdate):
            raise ServerLost(f"the server sent {type(message).__name__} where a coordinator was due")
        return message

    async def _listen(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                self._newest = account_of(await self._next_update(reader))
                self._changed.set()
        except ServerLost as exc:
            self._lost = exc
        except (OSError, asyncio.IncompleteReadError, ProtocolError) as exc:
            self._lost = ServerLost(f"lost the centralized server at {self.server_addr}: {exc or 'closed'}")
        self._changed.set()

    async def read(self) -> CoordinatorAccount:
        if self._lost is not None:
            raise self._lost
        if self._newest is None:
            raise RuntimeError("connect() first")
        return self._newest

    async def wait_for_change(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), timeout)
        self._changed.clear()

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()

    async def authorization(self) -> None:
        """A connected client may join: the server authenticated it at connect."""

    async def clock(self) -> ChainClock:
        return ChainClock(slot=0, unix_timestamp=int(time.time()))

    async def _send(self, message: ClientMessage) -> None:
        if self._lost is not None:
            raise self._lost
        if self._writer is None:
            raise RuntimeError("connect() first")
        write_frame(self._writer, encode_message(message))
        try:
            await self._writer.drain()
        except OSError as exc:
            raise ServerLost(f"lost the centralized server at {self.server_addr}: {exc}") from exc

    async def join(self) -> None:
        await self._send(Join(self.capabilities))

    async def tick(self) -> None:
        """Nothing to send: the server ticks its coordinator itself."""

    async def warmup_witness(self, index: int, merkle: MerkleRoot) -> None:
        proof = WitnessProof(position=index, index=index, witness=0)
        await self._send(WarmupWitnessMessage(Witness(proof=proof, broadcast_merkle=merkle)))

    async def witness(
        self,
        proof: WitnessProof,
        participant_bloom: WitnessBloom,
        broadcast_bloom: WitnessBloom,
        merkle: MerkleRoot,
        metadata: WitnessMetadata,
    ) -> None:
        witness = Witness(
            proof=proof, participant_bloom=participant_bloom, broadcast_bloom=broadcast_bloom, broadcast_merkle=merkle
        )
        await self._send(WitnessMessage(witness, metadata))

    async def health_check(self, targets: Sequence[tuple[NodeIdentity, CommitteeProof]]) -> None:
        if targets:
            checks = tuple(HealthCheck(id=target, proof=proof) for target, proof in targets)
            await self._send(HealthCheckMessage(checks))

    async def checkpoint(self, repo_id: str, revision: str) -> None:
        await self._send(CheckpointMessage(hub_checkpoint(repo_id, revision)))
