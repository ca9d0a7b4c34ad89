"""The attack harness: two honest clients and one that follows the protocol but lies, on the real programs.

Each test runs three training clients in this process (``TrainRun``), the third with one ``--adversary``
behaviour (:mod:`client.participant.adversary`), and checks what the issue promises: the honest replicas stay
bit-identical, nothing the liar sends is witnessed or applied, and no peer can exhaust an honest client's memory,
time or buffers. The figures of the old behaviour are in the README's attack table.
"""

from __future__ import annotations

import asyncio
import statistics

import pytest
from aiohttp import web

from client.participant.runner import ExitReason, TrainingClient
from tests.client.participant.train_harness import EventLog, TrainRun, capturing_events, peak_rss_growth, run_toml

pytestmark = pytest.mark.integration  # loopback HTTP servers, one per client

ATTACKER = 2
UNQUANTIZED_CLIPPED = {
    "compression_decay": 0.999,
    "compression_topk": 8,
    "compression_chunk": 64,
    "quantize_1bit": False,
    "clip_grad_norm": 1.0,
}


def _attack(
    adversary: str, total_steps: int = 6, deadline: int = 8, **toml: object
) -> tuple[TrainRun, list[TrainingClient], EventLog]:
    """Two honest clients and the liar train ``total_steps`` steps; every client must leave with the run Finished."""
    run = TrainRun(run_toml(epoch_time=600, total_steps=total_steps, deadline=deadline, **toml))  # type: ignore[arg-type]
    clients = [run.client(0), run.client(1), run.client(ATTACKER, adversary=adversary)]
    with capturing_events() as events:
        exits = asyncio.run(run.run_all(clients, timeout=150))
    assert exits == [ExitReason.Finished] * 3
    return run, clients, events


def _assert_honest_replicas_identical(clients: list[TrainingClient]) -> None:
    honest = clients[:ATTACKER]
    steps = sorted(set.intersection(*({r.step for r in c.rounds} for c in honest)))
    assert len(steps) >= 4
    for step in steps:
        hashes = {next(r.parameter_hash for r in c.rounds if r.step == step) for c in honest}
        assert len(hashes) == 1, f"honest replicas differ at step {step}"


def _reported(run: TrainRun, events: EventLog) -> bool:
    liar = str(run.keypair(ATTACKER).pubkey())
    return any(e["client_id"] == liar for e in events.named("health_check"))


def test_equivocation_is_logged_as_evidence_and_the_honest_replicas_stay_identical() -> None:
    run, clients, events = _attack("equivocate")

    _assert_honest_replicas_identical(clients)
    liar = run.keypair(ATTACKER).pubkey()
    logged = events.named("equivocation")
    assert logged and all(e["trainer"] == str(liar) for e in logged)
    first, second = logged[0]["commitments"]  # type: ignore[misc]
    assert first["data_hash"] != second["data_hash"] and first["signature"] and second["signature"]
    for honest in clients[:ATTACKER]:
        assert honest.exchange.evidence, "each honest client keeps the evidence"
        assert {e.trainer for e in honest.exchange.evidence} == {liar}
        assert all(e.first.verify(liar) and e.second.verify(liar) for e in honest.exchange.evidence)


def _assert_refused_everywhere(run: TrainRun, clients: list[TrainingClient], reason: str) -> None:
    """Both honest clients refused every result of the liar (so neither witnessed it), for ``reason``."""
    liar = run.keypair(ATTACKER).pubkey()
    for honest in clients[:ATTACKER]:
        assert honest.exchange.refused, "the lie was downloaded and refused"
        assert all(trainer == liar and reason in why for trainer, _, why in honest.exchange.refused)


def _assert_learned(clients: list[TrainingClient]) -> None:
    """The honest clients' loss fell: the liar's result was not applied (applied, the scaled one drives it up: to
    9.6 from 5.56 after 40 steps)."""
    losses = [r.loss for r in clients[0].rounds if r.loss is not None]
    assert statistics.mean(losses[-3:]) < statistics.mean(losses[:3])


@pytest.mark.parametrize(
    ("adversary", "reason", "distro"),
    [
        ("scaled-flipped", "exceeds the bound", UNQUANTIZED_CLIPPED),
        # More values, or bf16 values instead of bits, need more bytes than any honest blob.
        pytest.param("over-k", "larger than an honest result", None, marks=pytest.mark.slow),
        pytest.param("not-1bit", "larger than an honest result", None, marks=pytest.mark.slow),
    ],
)
def test_a_lying_result_is_neither_witnessed_nor_applied(adversary: str, reason: str, distro: object) -> None:
    run, clients, events = _attack(adversary, total_steps=10, distro=distro)

    _assert_refused_everywhere(run, clients, reason)
    assert events.named("invalid_result") and events.named("untrained_batches")
    assert _reported(run, events)  # missing from every honest bloom, the liar is reported and dropped
    _assert_honest_replicas_identical(clients)
    _assert_learned(clients)


def test_an_oversized_blob_is_cut_off_and_honest_memory_stays_bounded() -> None:
    with peak_rss_growth() as growth:
        run, clients, events = _attack("oversized-blob")

    model_bytes = 4 * clients[0].setup.trainer.model.num_parameters()  # type: ignore[union-attr]
    # Three clients (models, residuals, gradients, threads) and the runtime grow the process by about 40 model
    # sizes; the liar's 1 GiB stream is cut off at the largest honest blob (a few kB), so it adds nothing
    # measurable. Read whole, each of its downloads would add 1 GiB.
    assert growth[0] < 64 * model_bytes + (64 << 20), f"RSS grew {growth[0] / 2**20:.0f} MiB"
    assert _reported(run, events)
    _assert_honest_replicas_identical(clients)


@pytest.mark.slow  # its rounds wait for the deadline until the peer is dropped: about 11 s
def test_a_slow_peer_is_abandoned_reported_and_the_run_finishes() -> None:
    run, clients, events = _attack("slow-blob")

    assert _reported(run, events)
    _assert_honest_replicas_identical(clients)


def test_an_early_message_flood_is_bounded_per_sender() -> None:
    run = TrainRun(run_toml(epoch_time=600, total_steps=6, deadline=8))
    clients = [run.client(0), run.client(1), run.client(ATTACKER, adversary="early-flood")]
    largest = [0, 0]

    async def watch() -> None:
        while True:
            for index, honest in enumerate(clients[:ATTACKER]):
                largest[index] = max(largest[index], honest.exchange.early.largest_per_sender())
            await asyncio.sleep(0.005)

    async def attacked() -> list[ExitReason]:
        watcher = asyncio.create_task(watch())
        try:
            return await run.run_all(clients, timeout=150)
        finally:
            watcher.cancel()

    assert asyncio.run(attacked()) == [ExitReason.Finished] * 3
    assert clients[ATTACKER].adversary is not None and clients[ATTACKER].adversary.sent  # type: ignore[attr-defined]
    per_peer = clients[0].options.early_messages_per_peer
    assert 0 < max(largest) <= per_peer  # the flood was heard, and held to its sender's share (it was 1024/1024)
    _assert_honest_replicas_identical(clients)


class _Sink:
    """The address a liar names: counts every request that reaches it."""

    def __init__(self) -> None:
        self.hits = 0
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.hits += 1
        return web.Response(text="you followed a participant's URL")


def test_a_bad_endpoint_is_refused_and_redirects_are_not_followed() -> None:
    sink = _Sink()

    async def attacked() -> tuple[TrainRun, list[TrainingClient], EventLog]:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", sink.handle)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        sink.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        try:
            run = TrainRun(run_toml(epoch_time=600, total_steps=6, deadline=8))
            clients = [run.client(0), run.client(1), run.client(ATTACKER, adversary=f"bad-endpoint={sink.url}")]
            with capturing_events() as events:
                assert await run.run_all(clients, timeout=150) == [ExitReason.Finished] * 3
            return run, clients, events
        finally:
            await runner.cleanup()

    run, clients, events = asyncio.run(attacked())

    assert sink.hits == 0  # no gossip, announcement or blob request reached the named address
    liar = run.keypair(ATTACKER).pubkey()
    for honest in clients[:ATTACKER]:
        assert honest.node.peers.urls()[liar] == clients[ATTACKER].node.url  # its bad announcements were refused
    assert _reported(run, events)  # its blobs only redirect, so nobody holds its results
    _assert_honest_replicas_identical(clients)
