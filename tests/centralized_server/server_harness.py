"""Test support for centralized runs: a server in this process on a fast clock, and training clients over TCP.

The server's clock is injected: one unix second passes every ``second_s`` real seconds, and the server ticks four
times a second of it, so the phase timeouts of whole seconds pass in tenths. Clients are the one
:class:`TrainingClient`, each linked to the server by a :class:`ServerLink` over loopback TCP.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from solders.keypair import Keypair

from centralized_server import CentralizedServer, ServerSettings
from centralized_server.state_file import parse_state
from client.participant.runner import TrainingClient
from client.participant.server_link import ServerLink
from client.simulate.chain import derived_keypair
from tests.client.participant.train_harness import test_client_options
from validator.ports import free_ports

__all__ = ["RUN_ID", "ServerRun", "until"]

RUN_ID = "centralized-e2e"
START_UNIX = 1_700_000_000


@dataclass
class ServerRun:
    """A centralized server for the run ``toml`` describes, and the clients that train it."""

    toml: str
    second_s: float = 0.25
    seed: int = 7
    unix: int = START_UNIX
    server: CentralizedServer = field(init=False)
    port: int = field(init=False, default=0)
    _first_port: int = field(init=False)
    _seeds: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        coordinator = parse_state(self.toml, "test run", RUN_ID, self.unix)
        settings = ServerSettings(tick_interval_s=self.second_s / 4)
        self.server = CentralizedServer(coordinator, settings, now=lambda: self.unix, seed=self._next_seed)
        self._first_port = free_ports(1)[0]

    def _next_seed(self) -> int:
        self._seeds += 1
        return self.seed * 1_000_003 + self._seeds

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def keypair(self, index: int) -> Keypair:
        return derived_keypair(self.seed, f"client {index}")

    def client(self, index: int, **options: object) -> TrainingClient:
        """Client ``index``; client 0 listens on the bootstrap port, the others bootstrap from it."""
        link = ServerLink(self.address, RUN_ID, self.keypair(index))
        return TrainingClient(link, test_client_options(index, self._first_port, **options))

    async def start(self) -> None:
        self.port = await self.server.start("127.0.0.1", 0)

    async def clock(self) -> None:
        """Move the server's unix time one second per ``second_s`` (forever; cancel it)."""
        while True:
            await asyncio.sleep(self.second_s)
            self.unix += 1

    async def run_all(self, make_clients: Callable[[], list[TrainingClient]], timeout: float) -> list[object]:
        """Start the server, then run the clients together until each exits, with the clock running."""
        await self.start()
        clock = asyncio.create_task(self.clock())
        try:
            clients = make_clients()
            return list(await asyncio.wait_for(asyncio.gather(*(c.run() for c in clients)), timeout))
        finally:
            clock.cancel()
            await self.server.stop()


async def until(condition: Callable[[], bool], timeout: float, poll_s: float = 0.05) -> None:
    """Wait for ``condition`` (TimeoutError after ``timeout`` seconds)."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(poll_s)
