"""``--matformer-tier`` as ``PSYCHE_MATFORMER_TIER`` sets it: a tier the run's model allows reaches the server in
the client's ``Join``; one it does not is refused at start-up, with both numbers, before the client joins.

The server runs in this process (a thread with its own event loop) on a clock that never moves, so the run waits
for members the whole time; the clients are ``psyche-centralized-client train`` processes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from solders.keypair import Keypair

from centralized_server import CentralizedServer, ServerSettings
from centralized_server.events import SERVER_LOGGER
from centralized_server.state_file import parse_state
from client.testnet.setup import write_keypair
from tests.centralized_server.server_harness import RUN_ID, START_UNIX
from tests.client.participant.train_harness import run_toml

pytestmark = pytest.mark.integration


class _Events(logging.Handler):
    """The server's events, as (name, fields)."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, dict[str, Any]]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append((getattr(record, "event", ""), dict(getattr(record, "fields", {}))))

    def named(self, event: str) -> list[dict[str, Any]]:
        return [fields for name, fields in list(self.seen) if name == event]


@contextmanager
def _server() -> Iterator[tuple[CentralizedServer, int, _Events]]:
    coordinator = parse_state(run_toml(epoch_time=600, total_steps=4), "test run", RUN_ID, START_UNIX)
    server = CentralizedServer(coordinator, ServerSettings(tick_interval_s=0.1), now=lambda: START_UNIX)
    events = _Events()
    logger = logging.getLogger(SERVER_LOGGER)
    logger.addHandler(events)
    logger.setLevel(logging.INFO)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        port = asyncio.run_coroutine_threadsafe(server.start("127.0.0.1", 0), loop).result(10)
        yield server, port, events
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        logger.removeHandler(events)


def _client(tmp_path: Path, name: str, port: int, tier: str) -> subprocess.Popen[str]:
    key = write_keypair(Keypair(), tmp_path / f"{name}.json")
    command = [
        sys.executable, "-m", "client.cli.centralized", "train", "--run-id", RUN_ID, "--server-addr",
        f"127.0.0.1:{port}", "-w", str(key), "--device", "cpu", "--logs", "none", "--write-log",
        str(tmp_path / f"{name}.jsonl"), "--checkpoint-dir", str(tmp_path / name),
    ]  # fmt: skip
    environment = os.environ | {"PSYCHE_MATFORMER_TIER": tier, "OMP_NUM_THREADS": "1"}
    return subprocess.Popen(command, env=environment, stderr=subprocess.PIPE, text=True)


def test_the_tier_variable_reaches_the_server_and_a_tier_the_model_lacks_is_refused_before_joining(
    tmp_path: Path,
) -> None:
    with _server() as (server, port, events):
        # The Dummy model's intermediate_size is 352 = 11 * 2**5: tiers 0..5.
        refused = _client(tmp_path, "refused", port, "6")
        accepted = _client(tmp_path, "accepted", port, "2")
        try:
            _, errors = refused.communicate(timeout=60)
            deadline = time.monotonic() + 60
            while not events.named("client_joined") and time.monotonic() < deadline:
                time.sleep(0.1)
            pending = len(server.pending())
        finally:
            accepted.send_signal(signal.SIGINT)
            accepted.communicate(timeout=30)
        joined = events.named("client_joined")

    assert refused.returncode == 1
    assert "matformer tier 6 exceeds the deepest tier intermediate_size 352 allows (5)" in errors
    assert [(e["device"], e["matformer_tier"]) for e in joined] == [("cpu", 2)]  # the refused one never joined
    assert pending == 1
