"""The reference's centralized integration tests (spec client-training.md §7), on a server with a fast clock.

Clients are the real training client (the ~0.8M-parameter Dummy model on synthetic data) linked to an in-process
``CentralizedServer`` over loopback TCP; one server second lasts a quarter of a real one. The tests read the
clients' events (``state_change``, ``client_loss``, ``loaded_model``) and the server's, as the reference's read
their JSON logs.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from solders.keypair import Keypair

from centralized_server import ServerSettings
from centralized_server.events import SERVER_LOGGER
from client.participant.runner import ExitReason, TrainingClient
from client.participant.server_link import ServerLink
from coordinator_program import core
from coordinator_program.core.types import RunState
from tests.centralized_server.server_harness import RUN_ID, ServerRun, until
from tests.client.participant.train_harness import capturing_events, run_toml

pytestmark = pytest.mark.integration

PHASES = ["Warmup", "RoundTrain", "RoundWitness"]


def _hashes_agree(clients: list[TrainingClient]) -> list[int]:
    steps = sorted(set.intersection(*({r.step for r in c.rounds} for c in clients)))
    assert steps
    for step in steps:
        hashes = {next(r.parameter_hash for r in c.rounds if r.step == step) for c in clients}
        assert len(hashes) == 1, f"replicas differ at step {step}"
    return steps


async def _watch_witness_scores(run: ServerRun, scores: dict[int, list[int]]) -> None:
    """Each round's witnesses' verdict on every client (how many blooms hold it), as the server stores them."""
    while True:
        coordinator = run.server.coordinator
        round_ = core.current_round(coordinator)
        training = RunState(coordinator.run_state) in (RunState.RoundTrain, RunState.RoundWitness)
        if training and round_ is not None and len(round_.witnesses) > 0:  # not Warmup's (empty blooms)
            blooms = [witness.participant_bloom for witness in round_.witnesses]
            clients = [bytes(client.id.signer) for client in coordinator.epoch_state.clients]
            scores[int(round_.height)] = [core.trainer_healthy_score(signer, blooms) for signer in clients]
        await asyncio.sleep(0.02)


def test_five_clients_go_through_every_phase_all_in_every_witness_bloom_and_finish(tmp_path: Path) -> None:
    run = ServerRun(run_toml(epoch_time=600, total_steps=6, init_min_clients=5))
    run.server.settings = ServerSettings(tick_interval_s=run.second_s / 4, save_state_dir=tmp_path)
    clients: list[TrainingClient] = []
    scores: dict[int, list[int]] = {}

    def make() -> list[TrainingClient]:
        clients.extend(run.client(i) for i in range(5))
        return clients

    async def scenario() -> list[object]:
        watch = asyncio.create_task(_watch_witness_scores(run, scores))
        try:
            return await run.run_all(make, timeout=120)
        finally:
            watch.cancel()

    with capturing_events() as events, capturing_events(SERVER_LOGGER) as server_events:
        exits = asyncio.run(scenario())

    assert exits == [ExitReason.Finished] * 5
    assert len(server_events.named("client_connected")) == 5
    transitions = [(e["old_state"], e["new_state"]) for e in server_events.named("state_change")]
    assert transitions[:4] == [
        ("WaitingForMembers", "Warmup"),
        ("Warmup", "RoundTrain"),
        ("RoundTrain", "RoundWitness"),
        ("RoundWitness", "RoundTrain"),
    ]
    assert ("RoundWitness", "Cooldown") in transitions and transitions[-1][1] == "Finished"
    seen = [e["new_state"] for e in events.named("state_change")]
    assert all(phase in seen for phase in PHASES)
    # Every witness saw every client's result, in every round witnessed: 5 clients, 5 witnesses, score 5. (The
    # epoch's first round attests to no earlier round: its blooms are empty by design, client-training.md §5.2.)
    assert scores.pop(0) == [0] * 5
    assert len(scores) >= 4 and all(round_scores == [5] * 5 for round_scores in scores.values())
    losses = events.named("client_loss")
    assert {loss["step"] for loss in losses} >= {2, 3, 4, 5}
    assert len(events.named("loaded_model")) == 5
    assert _hashes_agree(clients) == list(range(1, 6))
    assert server_events.named("received_witness_metadata")
    assert [path.name for path in tmp_path.iterdir()] == [f"{RUN_ID}-step6.toml"]


def test_a_client_leaving_in_warmup_sends_the_run_back_to_waiting_and_the_other_waits_on() -> None:
    run = ServerRun(run_toml(epoch_time=600, total_steps=6, init_min_clients=2, min_clients=2, deadline=20))

    async def scenario() -> list[RunState]:
        await run.start()
        clock = asyncio.create_task(run.clock())
        trainer = run.client(0)
        training = asyncio.create_task(trainer.run())
        silent = ServerLink(run.address, RUN_ID, Keypair())  # joins, never warms up: Warmup waits out its deadline
        try:
            await silent.connect()
            await silent.join()
            await until(lambda: run.server.run_state is RunState.Warmup, 30)
            await silent.close()
            await until(lambda: run.server.run_state is RunState.WaitingForMembers, 30)
            await asyncio.sleep(run.second_s * 3)
            return [run.server.run_state, RunState.Finished if training.done() else RunState.WaitingForMembers]
        finally:
            training.cancel()
            clock.cancel()
            await asyncio.gather(training, return_exceptions=True)
            await run.server.stop()

    with capturing_events(SERVER_LOGGER) as server_events:
        states = asyncio.run(scenario())

    assert states == [RunState.WaitingForMembers, RunState.WaitingForMembers]  # the trainer is still connected
    assert server_events.named("client_disconnected")[0]["withdrawn"] is True  # the silent one, first to leave
    assert ("Warmup", "WaitingForMembers") in [
        (e["old_state"], e["new_state"]) for e in server_events.named("state_change")
    ]


def test_a_replaced_node_and_two_joiners_during_training_fetch_the_model_p2p_and_stay_identical() -> None:
    run = ServerRun(run_toml(epoch_time=12, total_steps=500, init_min_clients=3, min_clients=2, deadline=6))

    async def scenario() -> list[TrainingClient]:
        await run.start()
        clock = asyncio.create_task(run.clock())
        first = [run.client(i) for i in range(3)]
        stops = {id(c): asyncio.Event() for c in first}
        tasks = {id(c): asyncio.create_task(c.run(stops[id(c)])) for c in first}
        joiners: list[TrainingClient] = []
        try:
            await until(lambda: len(first[0].rounds) >= 2, 60)
            stops[id(first[2])].set()  # shut down in training; two new nodes take its place
            joiners.extend(run.client(i) for i in (3, 4))
            for joiner in joiners:
                stops[id(joiner)] = asyncio.Event()
                tasks[id(joiner)] = asyncio.create_task(joiner.run(stops[id(joiner)]))
            await until(lambda: all(len(j.rounds) >= 3 for j in joiners), 90)
            for stop in stops.values():
                stop.set()
            await asyncio.wait_for(asyncio.gather(*tasks.values()), 30)
            return [first[0], first[1], *joiners]
        finally:
            clock.cancel()
            for task in tasks.values():
                task.cancel()
            await asyncio.gather(*tasks.values(), return_exceptions=True)
            await run.server.stop()

    with capturing_events() as events, capturing_events(SERVER_LOGGER) as server_events:
        clients = asyncio.run(scenario())

    joiners = clients[2:]
    assert all(j.rounds[0].epoch >= 1 for j in joiners)
    assert all(j.setup is not None and j.setup.checkpoint.startswith("P2P") for j in joiners)
    assert sum(str(e["checkpoint"]).startswith("P2P") for e in events.named("loaded_model")) >= 2
    assert any(e["withdrawn"] for e in server_events.named("client_disconnected"))
    _hashes_agree(clients)
