"""A client started without ``--bootstrap-peer`` hears nobody; when it trains with others it knows none of, it
says so and names the flag (instead of only being dropped, and later failing for want of the model)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from tests.client.participant.train_harness import TrainRun, listening_to_events, run_toml

pytestmark = pytest.mark.integration  # loopback HTTP servers, one per client


class _Hints(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []
        self.seen = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "event", "") == "no_peers":
            self.messages.append(record.getMessage())
            self.seen.set()


def test_a_client_without_bootstrap_peer_in_an_epoch_with_others_is_told_to_pass_one() -> None:
    run = TrainRun(run_toml(epoch_time=600, total_steps=8, init_min_clients=2, deadline=4))
    # Neither knows the other: client 0 names no bootstrap peer (as always), and client 1 none either.
    clients = [run.client(0), run.client(1, bootstrap_peers=())]
    hints = _Hints()

    async def until_hint() -> None:
        stop = asyncio.Event()
        clock = asyncio.create_task(run.clock())
        tasks = [asyncio.create_task(client.run(stop)) for client in clients]
        try:
            await asyncio.wait_for(hints.seen.wait(), 90)
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            clock.cancel()

    with listening_to_events(hints):
        asyncio.run(until_hint())
    assert hints.messages[0] == (
        "this client knows none of the 1 other clients of run train-e2e, and was started without --bootstrap-peer: "
        "start it with --bootstrap-peer HOST:PORT of any client already in the run (it learns the others from that "
        "one)"
    )
