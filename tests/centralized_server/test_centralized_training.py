"""The reference's centralized integration tests (spec client-training.md §7), on a server with a fast clock.

Clients are the real training client (the ~0.8M-parameter Dummy model on synthetic data) linked to an in-process
``CentralizedServer`` over loopback TCP; one server second lasts a quarter of a real one. The tests read the
clients' events (``state_change``, ``client_loss``, ``loaded_model``, ``witness_elected``, ``health_check``,
``untrained_batches``) and the server's, as the reference's read their JSON logs.
"""

from __future__ import annotations

import asyncio
import math
from pathlib import Path

import pytest
from solders.keypair import Keypair

from centralized_server import ServerSettings
from centralized_server.events import SERVER_LOGGER
from client.participant.distro_data import distro_step_path, read_distro_step
from client.participant.runner import ExitReason, TrainingClient
from client.participant.server_link import ServerLink
from coordinator_program import core
from coordinator_program.core.types import CheckpointTag, RunState
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


@pytest.mark.parametrize("nodes", [1, 10])
def test_connected_nodes_are_pending_and_the_run_waits_for_init_min_clients(nodes: int) -> None:
    # The reference's connect_single_node (init_min_clients 2) and connect_multiple_nodes (10 of 15).
    run = ServerRun(run_toml(epoch_time=600, total_steps=6, init_min_clients=2 if nodes == 1 else 15))

    async def scenario() -> tuple[int, RunState, int]:
        await run.start()
        clock = asyncio.create_task(run.clock())
        links = [ServerLink(run.address, RUN_ID, run.keypair(i)) for i in range(nodes)]
        try:
            for link in links:
                await link.connect()
                await link.join()
            await until(lambda: len(run.server.pending()) == nodes, 10)
            await asyncio.sleep(run.second_s * 2)  # ticks pass: still not enough to start
            return len(run.server.pending()), run.server.run_state, len(run.server.coordinator.epoch_state.clients)
        finally:
            clock.cancel()
            for link in links:
                await link.close()
            await run.server.stop()

    assert asyncio.run(scenario()) == (nodes, RunState.WaitingForMembers, 0)


def test_five_clients_go_through_every_phase_all_in_every_witness_bloom_and_finish(tmp_path: Path) -> None:
    # The reference's validate_all_clients_participate_in_witness_bloom: 5 clients, 5 batches, 1 witness. Every
    # client also writes the results it publishes (--write-gradients-dir), which must load back as published.
    run = ServerRun(run_toml(epoch_time=600, total_steps=6, init_min_clients=5, witness_nodes=1, batch_size=5))
    saved, distro_data = tmp_path / "saved", tmp_path / "distro-data"
    run.server.settings = ServerSettings(tick_interval_s=run.second_s / 4, save_state_dir=saved)
    clients: list[TrainingClient] = []
    scores: dict[int, list[int]] = {}

    def make() -> list[TrainingClient]:
        clients.extend(run.client(i, write_gradients_dir=distro_data) for i in range(5))
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
    # The one witness of each round saw every client's result: 5 clients, 1 witness, score 5 in all. (The epoch's
    # first round attests to no earlier round: its blooms are empty by design, client-training.md §5.2.)
    assert scores.pop(0) == [0] * 5
    assert len(scores) >= 4 and all(sum(round_scores) == 5 for round_scores in scores.values())
    # Each client learns its draw once per round (witness_elected): one witness per step, and it is the one whose
    # witness (with its metadata) the server received for that step.
    elections = events.named("witness_elected")
    assert {(e["client_id"], e["step"]) for e in elections} == {(str(c.me), s) for c in clients for s in range(1, 6)}
    elected = {e["step"]: e["client_id"] for e in elections if e["witness"]}
    assert sorted(elected) == [1, 2, 3, 4, 5]
    assert sum(e["witness"] for e in elections) == 5
    reported = {(e["step"], e["client"]) for e in server_events.named("received_witness_metadata")}
    assert reported == set(elected.items())
    assert all(len(e["assigned_batches"]) == 1 for e in elections if e["step"] < 6)  # 5 batches for 5 clients
    losses = events.named("client_loss")
    assert {loss["step"] for loss in losses} >= {2, 3, 4, 5}
    assert len(events.named("loaded_model")) == 5
    assert _hashes_agree(clients) == list(range(1, 6))
    assert [path.name for path in saved.iterdir()] == [f"{RUN_ID}-step6.toml"]
    _check_distro_data(distro_data, clients, events.named("trained_batch"))


def _check_distro_data(directory: Path, clients: list[TrainingClient], trained: list[dict[str, object]]) -> None:
    """One file per client per step, holding exactly the results published (their blob hashes), in the model's
    parameter order and shapes."""
    files = sorted(directory.iterdir())
    assert [f.name for f in files] == sorted(
        distro_step_path(directory, c.me, s).name for c in clients for s in range(1, 6)
    )
    steps = [read_distro_step(path) for path in files]  # each rebuilds its blobs and checks their hash
    assert {h for step in steps for h in step.result_sha256.values()} == {e["result_sha256"] for e in trained}
    setup = clients[0].setup
    assert setup is not None and setup.trainer.distro is not None
    parameters = dict(setup.trainer.model.named_parameters())
    for step in steps:
        assert step.names == setup.trainer.distro.names
        for result in step.results.values():
            for name, tensor in zip(step.names, result.tensors, strict=True):
                assert tensor.is_quantized and tensor.sparse_val.shape == tensor.indices().shape
                assert math.prod(tensor.xshape) >= parameters[name].numel()


def test_a_client_leaving_in_warmup_sends_the_run_back_to_waiting_and_a_new_node_replaces_it() -> None:
    # The reference's state_change_shutdown_node_in_warmup, then its replace_node_and_complete_round: the run waits
    # with one client, and a new one takes the place of the one that left; the round completes with it.
    run = ServerRun(run_toml(epoch_time=600, total_steps=6, init_min_clients=2, min_clients=2, deadline=20))

    async def scenario() -> tuple[list[RunState], int]:
        await run.start()
        clock = asyncio.create_task(run.clock())
        trainer, replacement = run.client(0), run.client(1)
        tasks = [asyncio.create_task(trainer.run())]
        silent = ServerLink(run.address, RUN_ID, Keypair())  # joins, never warms up: Warmup waits out its deadline
        try:
            await silent.connect()
            await silent.join()
            await until(lambda: run.server.run_state is RunState.Warmup, 30)
            await silent.close()
            await until(lambda: run.server.run_state is RunState.WaitingForMembers, 30)
            await asyncio.sleep(run.second_s * 3)
            waiting = [run.server.run_state, RunState(run.server.coordinator.run_state)]
            pending = len(run.server.pending())
            tasks.append(asyncio.create_task(replacement.run()))
            await until(lambda: bool(replacement.rounds) and bool(trainer.rounds), 60)
            return waiting, pending
        finally:
            clock.cancel()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await run.server.stop()

    with capturing_events(SERVER_LOGGER) as server_events:
        waiting, pending = asyncio.run(scenario())

    assert waiting == [RunState.WaitingForMembers] * 2 and pending == 1  # the trainer waits on, still pending
    assert server_events.named("client_disconnected")[0]["withdrawn"] is True  # the silent one, first to leave
    transitions = [(e["old_state"], e["new_state"]) for e in server_events.named("state_change")]
    back = transitions.index(("Warmup", "WaitingForMembers"))
    assert transitions[back + 1 : back + 4] == [
        ("WaitingForMembers", "Warmup"),
        ("Warmup", "RoundTrain"),
        ("RoundTrain", "RoundWitness"),
    ]


async def _joiners_during_training(run: ServerRun, initial: int, joiners: int, replace: bool) -> list[TrainingClient]:
    """``initial`` clients train; once they are two rounds in (one of them stopping if ``replace``), ``joiners``
    new clients start, and everyone runs until each joiner has trained three rounds. Returns the clients that
    stayed, the joiners last."""
    await run.start()
    clock = asyncio.create_task(run.clock())
    first = [run.client(i) for i in range(initial)]
    stops = {id(c): asyncio.Event() for c in first}
    tasks = {id(c): asyncio.create_task(c.run(stops[id(c)])) for c in first}
    late: list[TrainingClient] = []
    try:
        await until(lambda: len(first[0].rounds) >= 2, 60)
        if replace:
            stops[id(first[-1])].set()  # shut down in training; the joiners take its place
        late.extend(run.client(initial + i) for i in range(joiners))
        for joiner in late:
            stops[id(joiner)] = asyncio.Event()
            tasks[id(joiner)] = asyncio.create_task(joiner.run(stops[id(joiner)]))
        await until(lambda: all(len(j.rounds) >= 3 for j in late), 90)
        for stop in stops.values():
            stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks.values()), 30)
        return [*(first[:-1] if replace else first), *late]
    finally:
        clock.cancel()
        for task in tasks.values():
            task.cancel()
        await asyncio.gather(*tasks.values(), return_exceptions=True)
        await run.server.stop()


def _fetched_the_model_p2p(joiners: list[TrainingClient], events: list[dict[str, object]]) -> None:
    """Each joiner trained from epoch 1 on, with the weights its peers shared (its loaded_model says P2P)."""
    assert all(j.rounds[0].epoch >= 1 for j in joiners)
    assert all(j.setup is not None and j.setup.checkpoint.startswith("P2P") for j in joiners)
    assert sum(str(e["checkpoint"]).startswith("P2P") for e in events) >= len(joiners)


def test_one_client_joining_during_training_fetches_the_model_p2p_at_the_next_epoch() -> None:
    # The reference's client_join_in_training_and_get_model_using_p2p: 2 clients, 3 batches, 1 witness, one joiner.
    toml = run_toml(epoch_time=12, total_steps=500, init_min_clients=2, deadline=6, witness_nodes=1, batch_size=3)
    run = ServerRun(toml)

    with capturing_events() as events:
        clients = asyncio.run(_joiners_during_training(run, initial=2, joiners=1, replace=False))

    _fetched_the_model_p2p(clients[2:], events.named("loaded_model"))
    assert CheckpointTag(run.server.coordinator.model.llm.checkpoint.kind) is CheckpointTag.P2P
    _hashes_agree(clients)


def test_a_node_shut_down_in_training_is_health_checked_out_and_two_joiners_fetch_the_model_p2p() -> None:
    # The reference's shutdown_node_in_training and two_clients_join_in_training_and_get_model_using_p2p, with its
    # decentralized disconnect_client: the server keeps a vanished client in the epoch (as a chain does), so the
    # witnesses of the round it missed report it (health_check) and the server drops it; its batches go untrained.
    run = ServerRun(run_toml(epoch_time=12, total_steps=500, init_min_clients=3, min_clients=2, deadline=6))
    run.server.settings = ServerSettings(tick_interval_s=run.second_s / 4, withdraw_on_disconnect=False)

    with capturing_events() as events, capturing_events(SERVER_LOGGER) as server_events:
        clients = asyncio.run(_joiners_during_training(run, initial=3, joiners=2, replace=True))

    _fetched_the_model_p2p(clients[2:], events.named("loaded_model"))
    gone = str(run.keypair(2).pubkey())
    assert [e["withdrawn"] for e in server_events.named("client_disconnected")][0] is False
    reported = events.named("health_check")
    assert reported and {e["client_id"] for e in reported} == {gone}
    assert sum(e["dropped"] for e in server_events.named("health_check")) == 1
    # Only batches nobody trained are reported lost, in the rounds the gone client missed (the reference allows up
    # to 3 such reports).
    untrained = events.named("untrained_batches")
    assert 1 <= len(untrained) <= 3
    trained = {f"B[{e['batch_start']}, {e['batch_end']}]" for e in events.named("trained_batch")}
    assert {b for e in untrained for b in e["batch_ids"]}.isdisjoint(trained)
    _hashes_agree(clients)
