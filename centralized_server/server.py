"""The centralized server: one coordinator, ticked on a timer and driven by its connected clients' messages.

It is the chain's job done without a chain (spec client-training.md §7): a client proves its key once per
connection (:mod:`centralized_server.wire`), joins, and is pending for every epoch while connected; its witnesses,
warmup witnesses, health checks and checkpoints go through the coordinator core's own functions, with the
connection's key as the signer, exactly as the program's instructions call them. The coordinator is broadcast to
every client whenever it (or the pending set) changed. A client that disconnects is withdrawn from the epoch
(``--withdraw-on-disconnect``); a client that breaks the protocol is told why and disconnected; neither
disturbs the others.

Time and randomness are injected: ``now`` gives unix seconds (the wall clock by default; tests run a faster one)
and ``seed`` the u64 a transition into RoundTrain takes.
"""

from __future__ import annotations

import asyncio
import logging
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from solders.pubkey import Pubkey

from centralized_server.data_server import DataConfig, TrainingDataServer, server_data_port
from centralized_server.errors import DataConfigError, ProtocolError, UnexpectedMessage
from centralized_server.events import emit
from centralized_server.handshake import authenticate, refuse
from centralized_server.state_file import save_state
from centralized_server.wire import (
    MAX_CLIENT_FRAME,
    Challenge,
    CheckpointMessage,
    ClientCapabilities,
    CoordinatorUpdate,
    DataRequest,
    ErrorMessage,
    HealthCheckMessage,
    Hello,
    Join,
    Message,
    TrainingData,
    WarmupWitnessMessage,
    WitnessMessage,
    decode_message,
    encode_message,
    read_frame,
    write_frame,
)
from coordinator_program import core
from coordinator_program.core.types import ClientState, Coordinator, NodeIdentity, RunState, WitnessMetadata

__all__ = ["CentralizedServer", "ServerSettings", "wall_clock"]

MAX_WRITE_BUFFER = 8 * 1024 * 1024
"""A client that lets this much of our broadcasts pile up unread is too slow to follow the run: it is dropped."""


def wall_clock() -> int:
    return int(time.time())


def random_seed() -> int:
    return secrets.randbits(64)


@dataclass(frozen=True)
class ServerSettings:
    """How the server runs its coordinator (the ``run`` command's flags)."""

    tick_interval_s: float = 0.5
    save_state_dir: Path | None = None
    withdraw_on_disconnect: bool = True
    hello_timeout_s: float = 10.0
    init_warmup_time: int | None = None
    """Unix time before which the first epoch does not start (machines started one by one begin together)."""
    data_config: DataConfig | None = None
    """The training data to serve when the run's data location is ``Server`` (``--data-config``)."""


@dataclass
class _Connection:
    signer: bytes
    writer: asyncio.StreamWriter
    capabilities: ClientCapabilities | None = None  # what its Join said; None until it joined


@dataclass
class ServerStatus:
    """What the console status shows: the run's place and the last loss each client reported."""

    losses: dict[str, float] = field(default_factory=dict)


class CentralizedServer:
    """Hosts ``coordinator`` for the clients that connect over TCP."""

    def __init__(
        self,
        coordinator: Coordinator,
        settings: ServerSettings | None = None,
        now: Callable[[], int] = wall_clock,
        seed: Callable[[], int] = random_seed,
    ) -> None:
        self.coordinator = coordinator
        self.settings = settings or ServerSettings()
        self.now = now
        self.seed = seed
        self.status = ServerStatus()
        self._connections: dict[bytes, _Connection] = {}
        self._pending: dict[bytes, NodeIdentity] = {}  # signer -> identity, in join order
        self._server: asyncio.Server | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._data_server: TrainingDataServer | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self._sequence = 0
        self._last_broadcast: bytes | None = None
        self._state = RunState(coordinator.run_state), int(coordinator.progress.step)

    @property
    def run_id(self) -> str:
        return str(self.coordinator.run_id.value)

    @property
    def run_state(self) -> RunState:
        return RunState(self.coordinator.run_state)

    def pending(self) -> list[NodeIdentity]:
        """The clients pending for the next epoch: every joined, connected client."""
        return list(self._pending.values())

    async def start(self, host: str = "0.0.0.0", port: int = 0) -> int:
        """Listen on ``host:port`` and start ticking; returns the port (0 picks a free one)."""
        await self._start_data_server(host)
        self._server = await asyncio.start_server(self._accept, host, port)
        self._ticker = asyncio.create_task(self._tick_forever())
        bound = int(self._server.sockets[0].getsockname()[1])
        emit("server_started", f"serving run {self.run_id} on {host}:{bound}", run_id=self.run_id, port=bound)
        return bound

    async def _start_data_server(self, host: str) -> None:
        """Host the run's training data on its ``Server`` location's port (DataConfigError without a config)."""
        port = server_data_port(self.coordinator)
        config = self.settings.data_config
        if port is None:
            if config is not None:
                emit("data_config_unused", "the run's data location is not Server: --data-config is not used")
            return
        if config is None:
            raise DataConfigError(
                f"run {self.run_id}'s data location is Server on port {port}: the server hosts its training data, "
                "so it needs --data-config (dir, token_size, seq_len, shuffle_seed)"
            )
        self._data_server = TrainingDataServer(config, self.run_id, lambda: self.coordinator)
        await self._data_server.start(host, port)

    async def stop(self) -> None:
        """Stop ticking, close every connection and the listening socket."""
        if self._data_server is not None:
            await self._data_server.stop()
        if self._ticker is not None:
            self._ticker.cancel()
            await asyncio.gather(self._ticker, return_exceptions=True)
        if self._server is not None:
            self._server.close()
        for connection in list(self._connections.values()):
            connection.writer.close()
        for handler in list(self._handlers):
            handler.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    # -- time ------------------------------------------------------------------------------------------------
    async def _tick_forever(self) -> None:
        while True:
            self.tick()
            await asyncio.sleep(self.settings.tick_interval_s)

    def tick(self) -> None:
        """One ``tick`` of the core at ``now()``; saves the state at a successful epoch end; then broadcasts."""
        now = self.now()
        start_after = self.settings.init_warmup_time
        if start_after is not None and now < start_after and int(self.coordinator.progress.epoch) == 0:
            return
        try:
            result = core.tick(self.coordinator, self.pending(), now, self.seed())
        except core.CoordinatorFailure as exc:
            if exc.error is not core.CoordinatorError.Halted:
                emit("tick_failed", f"tick refused: {exc}", level=logging.WARNING, error=str(exc))
            return
        if isinstance(result, core.EpochEnd) and result.success:
            self._epoch_ended()
        self._forget_unhealthy_exited()
        self.broadcast()

    def _note_state_change(self) -> None:
        """``state_change`` whenever the run state or step moved, whether a tick or a message moved it."""
        coordinator = self.coordinator
        now = RunState(coordinator.run_state), int(coordinator.progress.step)
        before, self._state = self._state, now
        if before == now:
            return
        epoch, clients = int(coordinator.progress.epoch), len(coordinator.epoch_state.clients)
        emit(
            "state_change",
            f"run {self.run_id}: {before[0].name} -> {now[0].name}, epoch {epoch} step {now[1]}, {clients} clients",
            old_state=before[0].name,
            new_state=now[0].name,
            epoch=epoch,
            step=now[1],
            clients=clients,
        )

    def _epoch_ended(self) -> None:
        directory = self.settings.save_state_dir
        if directory is not None:
            path = save_state(self.coordinator, directory)
            emit("state_saved", f"saved the run's state to {path}", path=str(path))

    def _forget_unhealthy_exited(self) -> None:
        """Clients that left the epoch dropped or ejected are not pending for the next one (reference)."""
        for client in self.coordinator.epoch_state.exited_clients:
            if client.state in (ClientState.Dropped, ClientState.Ejected):
                self._pending.pop(bytes(client.id.signer), None)

    # -- broadcasting ----------------------------------------------------------------------------------------
    def _update(self) -> CoordinatorUpdate:
        pending = tuple(bytes(identity) for identity in self._pending.values())
        return CoordinatorUpdate(self._sequence, bytes(self.coordinator), pending)

    def broadcast(self) -> None:
        """Send the coordinator to every authenticated client, if it or the pending set changed since last time."""
        self._note_state_change()
        update = self._update()
        content = update.coordinator + b"".join(update.pending)
        if content == self._last_broadcast:
            return
        self._last_broadcast = content
        self._sequence += 1
        payload = encode_message(CoordinatorUpdate(self._sequence, update.coordinator, update.pending))
        for connection in list(self._connections.values()):
            self._send(connection, payload)

    def _send(self, connection: _Connection, payload: bytes) -> None:
        transport = connection.writer.transport
        if transport.is_closing():
            return
        if transport.get_write_buffer_size() > MAX_WRITE_BUFFER:
            emit("slow_client", f"client {Pubkey.from_bytes(connection.signer)} stopped reading; disconnecting it")
            connection.writer.close()
            return
        write_frame(connection.writer, payload)

    # -- connections -----------------------------------------------------------------------------------------
    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        signer: bytes | None = None
        try:
            signer = await asyncio.wait_for(self._handshake(reader, writer), self.settings.hello_timeout_s)
            await self._serve(signer, reader)
        except ProtocolError as exc:
            await refuse(writer, "protocol_error", exc)
        except (asyncio.IncompleteReadError, ConnectionError, TimeoutError):
            pass  # the peer vanished (mid-frame or not) or never said hello: only its connection ends
        finally:
            self._handlers.discard(task)
            writer.close()
            if signer is not None:
                self._disconnected(signer)

    async def _handshake(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bytes:
        hello = await authenticate(reader, writer, self.run_id)
        key = Pubkey.from_bytes(hello.signer)
        if hello.signer in self._connections:
            raise UnexpectedMessage(f"key {key} is already connected")
        self._connections[hello.signer] = _Connection(hello.signer, writer)
        emit("client_connected", f"client {key} connected", client=str(key))
        self._send(self._connections[hello.signer], encode_message(self._update()))
        return hello.signer

    async def _serve(self, signer: bytes, reader: asyncio.StreamReader) -> None:
        while True:
            message = decode_message(await read_frame(reader, MAX_CLIENT_FRAME))
            self._apply(signer, message)
            self.broadcast()

    def _disconnected(self, signer: bytes) -> None:
        connection = self._connections.pop(signer, None)
        if connection is None:
            return
        self._pending.pop(signer, None)
        key = Pubkey.from_bytes(signer)
        withdrawn = self.settings.withdraw_on_disconnect and self._withdraw(signer)
        emit("client_disconnected", f"client {key} disconnected", client=str(key), withdrawn=withdrawn)
        self.broadcast()

    def _withdraw(self, signer: bytes) -> bool:
        clients = self.coordinator.epoch_state.clients
        for index, client in enumerate(clients):
            if bytes(client.id.signer) == signer and client.state == ClientState.Healthy:
                core.withdraw(self.coordinator, index)
                return True
        return False

    # -- messages --------------------------------------------------------------------------------------------
    def _apply(self, signer: bytes, message: Message) -> None:
        """Carry out a client's message with the core's rules; a refusal is logged, the client stays connected."""
        key = Pubkey.from_bytes(signer)
        try:
            match message:
                case Join(capabilities):
                    self._joined(key, capabilities)
                case WitnessMessage(witness, metadata):
                    core.witness(self.coordinator, signer, witness, self.now())
                    self._witness_metadata(key, metadata)
                case WarmupWitnessMessage(witness):
                    core.warmup_witness(
                        self.coordinator, signer, witness, self.now(), self.seed(), check_membership=True
                    )
                case HealthCheckMessage(checks):
                    targets = [(bytes(check.id.signer), check.proof) for check in checks]
                    dropped = core.health_check(self.coordinator, signer, targets)
                    emit("health_check", f"Dropped {dropped} clients from health check", dropped=dropped)
                case CheckpointMessage(checkpoint):
                    clients = self.coordinator.epoch_state.clients
                    index = next((i for i, c in enumerate(clients) if bytes(c.id.signer) == signer), len(clients))
                    core.checkpoint(self.coordinator, signer, index, checkpoint)
                case Hello() | Challenge() | CoordinatorUpdate() | ErrorMessage() | DataRequest() | TrainingData():
                    raise UnexpectedMessage(f"a {type(message).__name__} message after the handshake")
        except (core.CoordinatorFailure, core.CoordinatorPanic) as exc:
            emit(
                "message_refused",
                f"{type(message).__name__} from {key} refused: {exc}",
                level=logging.WARNING,
                client=str(key),
                error=str(exc),
            )

    def _joined(self, key: Pubkey, capabilities: ClientCapabilities) -> None:
        """A ``Join``: the client is pending for every epoch while connected; its capabilities are kept for the log."""
        signer = bytes(key)
        self._pending.setdefault(signer, NodeIdentity.from_keys(signer, signer))
        connection = self._connections.get(signer)
        if connection is not None and connection.capabilities != capabilities:
            connection.capabilities = capabilities
            emit(
                "client_joined",
                f"client {key} joined on {capabilities.device}, MatFormer tier {capabilities.matformer_tier}",
                client=str(key),
                device=capabilities.device,
                matformer_tier=capabilities.matformer_tier,
            )

    def _witness_metadata(self, key: Pubkey, metadata: WitnessMetadata) -> None:
        """``received_witness_metadata``: what a witness reports of its round (new here; the reference drops it),
        with the device and MatFormer tier its ``Join`` named (``capabilities_known`` false before one)."""
        loss = float(metadata.loss)
        self.status.losses[str(key)] = loss
        connection = self._connections.get(bytes(key))
        capabilities = connection.capabilities if connection is not None else None
        tier = "" if capabilities is None else f" (tier {capabilities.matformer_tier})"
        emit(
            "received_witness_metadata",
            f"witness {key}{tier} step {int(metadata.step)}: loss {loss:.4f}",
            client=str(key),
            capabilities_known=capabilities is not None,
            device=None if capabilities is None else capabilities.device,
            matformer_tier=None if capabilities is None else capabilities.matformer_tier,
            step=int(metadata.step),
            loss=loss if math.isfinite(loss) else None,
            tokens_per_sec=float(metadata.tokens_per_sec),
            bandwidth_per_sec=float(metadata.bandwidth_per_sec),
            efficiency=float(metadata.efficency),
        )
