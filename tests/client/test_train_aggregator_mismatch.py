"""A client whose config.json names another aggregator: the honest clients stop with a desync naming ``aggregator``.

Three in-process clients on the real programs. The honest two load the run's Hub checkpoint (``median``); the odd
one starts from a local checkpoint directory whose config.json says ``trimmed-mean:1``, as a client restarting
from a copy someone edited would. Each announces its rule's hash once its model is loaded; the honest clients must
stop before applying any round instead of forking silently, and leave nothing running behind them.
"""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path

import pytest
import torch

from client.participant.aggregator_agreement import AggregatorMismatch
from client.participant.model_setup import DUMMY_MODEL_CONFIG, TrainingSetup, load_training_setup
from client.participant.pipeline import parameter_hash
from client.participant.runner import ExitReason, TrainingClient
from coordinator_program.core.types import Coordinator
from formats.run_config import parse_run_config
from tests.client.participant.train_harness import RUN_ID, TrainRun, run_toml

pytestmark = pytest.mark.integration  # loopback HTTP servers, one per client

ODD = 2


def _loads_from(client: TrainingClient, directory: Path) -> None:
    """Make ``client`` build its model from the local checkpoint ``directory`` (its own copy on its own disk)."""
    load = client.models._load_setup  # noqa: SLF001 - the one place a client's checkpoint directory is chosen

    async def from_directory(coordinator: Coordinator, checkpoint: Path | None = None) -> TrainingSetup:
        return await load(coordinator, directory)

    client.models._load_setup = from_directory  # type: ignore[method-assign]  # noqa: SLF001


def _port_closed(url: str) -> bool:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    with socket.socket() as probe:
        return probe.connect_ex((host, int(port))) != 0


def test_a_peer_with_another_aggregator_stops_the_honest_clients_before_any_update(tmp_path: Path) -> None:
    hub, edited = tmp_path, tmp_path / "edited"  # the Hub repo id must fit the on-chain 64 bytes
    edited.mkdir()
    for directory, rule in ((hub, "median"), (edited, "trimmed-mean:1")):
        (directory / "config.json").write_text(json.dumps(DUMMY_MODEL_CONFIG | {"aggregator": rule}))
    toml = run_toml(epoch_time=600, total_steps=10, checkpoint={"Hub": {"repo_id": str(hub)}})
    run = TrainRun(toml)
    clients = [run.client(i) for i in range(3)]
    _loads_from(clients[ODD], edited)

    async def run_all() -> tuple[list[object], list[asyncio.Task[object]]]:
        """The honest clients until they stop, then the odd one (it may not have heard them before they left);
        every client's outcome, and the tasks still alive afterwards."""
        clock = asyncio.create_task(run.clock())
        odd_stop = asyncio.Event()
        odd = asyncio.create_task(clients[ODD].run(odd_stop))
        try:
            honest = await asyncio.wait_for(
                asyncio.gather(*(c.run() for c in clients[:ODD]), return_exceptions=True), 120
            )
        finally:
            odd_stop.set()
            odd_outcome = (await asyncio.gather(odd, return_exceptions=True))[0]
            clock.cancel()
            await asyncio.gather(clock, return_exceptions=True)
        return [*honest, odd_outcome], [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]

    outcomes, leftovers = asyncio.run(run_all())

    odd_key = str(run.keypair(ODD).pubkey())
    for client, outcome in zip(clients[:ODD], outcomes[:ODD], strict=True):
        assert isinstance(outcome, AggregatorMismatch), outcome
        assert "aggregator differs" in str(outcome) and "'median'" in str(outcome) and odd_key in str(outcome)
        # It stopped before applying a single round: its weights are still the run's starting weights.
        assert client.rounds == []
        assert client.setup is not None and client.setup.trainer.distro is not None
        assert client.setup.trainer.distro.aggregator.spec == "median"
    # The odd client stops the same way if it heard them before they left (else it was stopped here).
    assert isinstance(outcomes[ODD], AggregatorMismatch | ExitReason), outcomes[ODD]
    fresh = load_training_setup(parse_run_config(toml, "test").model, RUN_ID, torch.device("cpu"), None)
    held = {parameter_hash(c.setup.trainer.model) for c in clients[:ODD] if c.setup is not None}
    assert held == {parameter_hash(fresh.trainer.model)}
    # Nothing is left running: no task of any client, every P2P server closed.
    assert leftovers == []
    assert all(_port_closed(c.node.url) for c in clients)
