"""Test support for the training client: a run on one in-process bank, and clients as asyncio tasks over it.

Every client gets its own :class:`EmbeddedBackend` over the one shared bank (one process, one chain), its own
wallet and P2P port. Chain time runs fast: one second of unix time every ``second_s`` real seconds, so phase
timeouts of whole seconds pass in tenths.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import tomli_w
from solders.keypair import Keypair

from client.chain.embedded import EmbeddedBackend
from client.p2p.limits import DownloadLimits
from client.participant.chain_link import ChainLink
from client.participant.logs import EVENT_LOGGER
from client.participant.runner import ClientOptions, ExitReason, TrainingClient
from client.run_owner import RunChanges, apply_changes
from client.simulate.chain import TREASURER_RUN_INDEX, SimulationChain, derived_keypair
from client.simulate.record import TransactionTally
from coordinator_program.state.coordinator_account import CoordinatorAccount
from formats.run_config import parse_run_config
from formats.run_config.small_run import constant_lr, small_run
from validator.ports import free_ports

__all__ = [
    "RUN_ID",
    "EventLog",
    "TrainRun",
    "capturing_events",
    "listening_to_events",
    "peak_rss_growth",
    "run_toml",
    "test_client_options",
]

RUN_ID = "train-e2e"
EARNING_RATE = 900
SLOTS_PER_SECOND = 4
DUMMY_CHECKPOINT: Mapping[str, object] = {"Dummy": {"repo_id": ""}}
PAGE_BYTES = 4096  # /proc/self/statm counts pages


def run_toml(
    *,
    epoch_time: int,
    total_steps: int,
    init_min_clients: int = 3,
    min_clients: int = 2,
    deadline: int = 60,
    cold_start_warmup_steps: int = 0,
    cooldown_time: int = 1,
    checkpoint: Mapping[str, object] = DUMMY_CHECKPOINT,
    distro: Mapping[str, object] | None = None,
    witness_nodes: int = 0,
    batch_size: int = 12,
) -> str:
    """A run of the ~0.8M-parameter Dummy model on synthetic data, ``batch_size`` sequences of 64 tokens per step
    (12 by default), every client a witness unless ``witness_nodes`` says how many.

    Warmup and RoundTrain end early (everyone witnessed); their ``deadline`` only matters when a client is gone.
    The coordinator takes ``cold_start_warmup_steps`` up to (epoch_time - deadline) // deadline. ``distro``
    replaces the DisTrO settings (``small_run``'s: 1-bit, no clipping).
    """
    deadline = min(deadline, epoch_time - 1)
    config = {
        "warmup_time": deadline,
        "cooldown_time": cooldown_time,
        "max_round_train_time": deadline,
        "epoch_time": epoch_time,
        "min_clients": min_clients,
        "init_min_clients": init_min_clients,
        "global_batch_size_start": batch_size,
        "global_batch_size_end": batch_size,
        "total_steps": total_steps,
        "witness_nodes": witness_nodes,
    }
    llm = {
        "cold_start_warmup_steps": cold_start_warmup_steps,
        "checkpoint": checkpoint,
        "lr_schedule": constant_lr(2.0e-3),
    }
    if distro is not None:
        llm["optimizer"] = {"Distro": dict(distro)}
    return tomli_w.dumps(small_run(config=config, llm=llm))


def test_client_options(index: int, first_port: int, **options: object) -> ClientOptions:
    """Fast polling, short download deadlines and CPU; client 0 listens on ``first_port``, the others bootstrap
    from it. ``options`` override any of them."""
    defaults: dict[str, object] = {
        "device": "cpu",
        "p2p_port": first_port if index == 0 else 0,
        "bootstrap_peers": () if index == 0 else (f"http://127.0.0.1:{first_port}",),
        "poll_interval": 0.05,
        "rebroadcast_interval": 1.0,
        "download_retry_delays": (0.2, 0.4, 0.8),
        "apply_wait": 5.0,
        "download_limits": DownloadLimits(timeout=5.0, grace=0.5, min_bytes_per_sec=1000.0),
        "seed": index,
    }
    return ClientOptions(**(defaults | options))  # type: ignore[arg-type]


@dataclass
class TrainRun:
    """A run on a fresh bank, and the clients that train it."""

    toml: str
    # Real seconds per chain second. A round's deadline is a few chain seconds, and three clients share one
    # process, so on a loaded 2-core machine 0.1 let a slow round miss its deadline; 0.25 leaves room.
    second_s: float = 0.25
    seed: int = 7
    chain: SimulationChain = field(init=False)
    bootstrap: str = field(init=False)
    _first_port: int = field(init=False)

    def __post_init__(self) -> None:
        self.chain = SimulationChain(self.seed, TransactionTally())
        self.chain.create_run(RUN_ID, parse_run_config(self.toml, "test run"), EARNING_RATE, 0)
        self._first_port = free_ports(1)[0]
        self.bootstrap = f"http://127.0.0.1:{self._first_port}"

    def keypair(self, index: int) -> Keypair:
        return derived_keypair(self.seed, f"client {index}")

    def client(self, index: int, **options: object) -> TrainingClient:
        """Client ``index`` (funded); client 0 listens on the bootstrap port, the others bootstrap from it."""
        wallet = self.keypair(index)
        self.chain.fund(wallet.pubkey())
        link = ChainLink(EmbeddedBackend(self.chain.bank), RUN_ID, wallet)
        return TrainingClient(link, test_client_options(index, self._first_port, **options))

    def account(self) -> CoordinatorAccount:
        return self.chain.read()

    async def pause(self, paused: bool = True) -> None:
        """The run owner pauses the run (at once while waiting or warming up, else at the end of the epoch), or
        with ``paused=False`` resumes it."""
        backend = EmbeddedBackend(self.chain.bank)
        await apply_changes(backend, self.chain.owner, RUN_ID, TREASURER_RUN_INDEX, RunChanges(paused=paused))

    async def clock(self) -> None:
        """Move chain time one second per ``second_s``, with four slots a second (forever; cancel it).

        New slots give new blockhashes, so a client's repeated ``tick`` is a new transaction (this bank keeps no
        signature history for the backend to notice the repeat itself).
        """
        while True:
            for _ in range(SLOTS_PER_SECOND):
                await asyncio.sleep(self.second_s / SLOTS_PER_SECOND)
                self.chain.bank.expire_blockhash()
            self.chain.bank.forward_unix_timestamp(1)

    async def run_all(self, clients: Sequence[TrainingClient], timeout: float) -> list[ExitReason]:
        """Run ``clients`` together until each exits, with the clock running."""
        clock = asyncio.create_task(self.clock())
        try:
            return await asyncio.wait_for(asyncio.gather(*(c.run() for c in clients)), timeout)
        finally:
            clock.cancel()


@contextmanager
def listening_to_events(handler: logging.Handler, logger_name: str = EVENT_LOGGER) -> Iterator[None]:
    """``handler`` receives the clients' events (or ``logger_name``'s) while inside, whatever level logging was
    left at."""
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


class EventLog(logging.Handler):
    """The training clients' events: their names, and the fields of each."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.names: list[str] = []
        self.fields: list[dict[str, object]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.names.append(str(getattr(record, "event", "")))
        self.fields.append(dict(getattr(record, "fields", {})))

    def named(self, name: str) -> list[dict[str, object]]:
        return [fields for event, fields in zip(self.names, self.fields, strict=True) if event == name]


@contextmanager
def capturing_events(logger_name: str = EVENT_LOGGER) -> Iterator[EventLog]:
    """Every event the clients (or ``logger_name``) emit while inside."""
    events = EventLog()
    with listening_to_events(events, logger_name):
        yield events


def _rss_bytes() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * PAGE_BYTES


@contextmanager
def peak_rss_growth() -> Iterator[list[int]]:
    """Samples this process's resident set every 10 ms while inside; yields ``[peak growth in bytes]`` over its RSS
    at entry (the list is updated in place)."""
    start, peak, done = _rss_bytes(), [0], threading.Event()

    def sample() -> None:
        while not done.wait(0.01):
            peak[0] = max(peak[0], _rss_bytes() - start)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield peak
    finally:
        done.set()
        sampler.join()
