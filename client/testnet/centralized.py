"""One centralized testnet session: a ``CentralizedServer`` in this process instead of a chain, the same clients.

Everything but the coordinator's host is the Solana testnet's (:mod:`client.testnet.launcher`): the client
processes (``psyche-centralized-client train``), the watcher with its kills and time limit, the display and the
summary with its loss plot. The server's events go to ``server.jsonl`` in the log directory, its state after each
epoch to ``server-state/``. Nobody earns points without a chain: the summary's points are 0.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

from solders.keypair import Keypair

from centralized_server import CentralizedServer, ServerSettings, load_state
from centralized_server.data_server import DataConfig
from centralized_server.events import SERVER_LOGGER
from client.testnet.clients import ClientProcesses
from client.testnet.display import Display
from client.testnet.launcher import (
    RunWatcher,
    TestnetOptions,
    client_name,
    client_specs,
    client_tiers,
    finish_session,
)
from client.testnet.setup import write_keypair
from client.testnet.summary import Summary
from client.testnet.watch import RunSnapshot, coordinator_snapshot
from formats.event_log import JsonLinesFormatter

__all__ = ["run_centralized_testnet"]


def _server_log(path: Path) -> logging.Handler:
    handler = logging.FileHandler(path)
    handler.setFormatter(JsonLinesFormatter())
    logger = logging.getLogger(SERVER_LOGGER)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return handler


async def run_centralized_testnet(
    options: TestnetOptions,
    display: Display,
    stop: asyncio.Event,
    server_port: int,
    first_client_hub_repo: str | None = None,
    data_config: DataConfig | None = None,
) -> Summary:
    """Serve ``options.config_path`` on ``server_port`` (and ``data_config``'s token files, for a run on Server
    data), run the clients against it, and summarize the session."""
    server = CentralizedServer(
        load_state(options.config_path, int(time.time())),
        ServerSettings(save_state_dir=options.log_dir / "server-state", data_config=data_config),
    )
    handler = _server_log(options.log_dir / "server.jsonl")
    wallets = [Keypair() for _ in range(options.num_clients)]
    key_files = [write_keypair(w, options.work_dir / f"{client_name(i)}.json") for i, w in enumerate(wallets)]
    hub_args = ("--hub-repo", first_client_hub_repo) if first_client_hub_repo is not None else ()

    async def read() -> RunSnapshot:
        coordinator = server.coordinator
        listed = {bytes(client.id.signer) for client in coordinator.epoch_state.clients}
        members = {bytes(identity.signer) for identity in server.pending()} | listed
        points = {str(wallet.pubkey()): 0 for wallet in wallets if bytes(wallet.pubkey()) in members}
        return coordinator_snapshot(coordinator, points, len(members), int(time.time()))

    try:
        port = await server.start("127.0.0.1", server_port)
        specs = client_specs(
            key_files, wallets, server.run_id, options, server_addr=f"127.0.0.1:{port}", first_client_args=hub_args
        )
        clients = ClientProcesses(specs)
        display.event(
            "testnet_ready",
            f"centralized server on 127.0.0.1:{port}; run {server.run_id!r}, starting {options.num_clients} clients",
            server_port=port,
            run_id=server.run_id,
            work_dir=str(options.work_dir),
            clients={client_name(i): str(k.pubkey()) for i, k in enumerate(wallets)},
            matformer_tiers=client_tiers(specs),
        )
        try:
            clients.start_all()
            reason = await RunWatcher(read, wallets, clients, options, display).follow(stop)
        finally:
            await asyncio.to_thread(clients.stop_all)
        last = await read()
    finally:
        await server.stop()
        logging.getLogger(SERVER_LOGGER).removeHandler(handler)
        handler.close()
    return finish_session(reason, last, {}, wallets, None, clients, options, display)
