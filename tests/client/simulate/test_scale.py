"""Many clients: 32 of 64 witness each round (witness_nodes = 0), and every transaction the clients send is one the
programs accept."""

from __future__ import annotations

from client.simulate import build_report, run_simulation
from tests.client.simulate.runs import run_config, settings


def test_sixty_four_clients_with_thirty_two_witnesses_a_round() -> None:
    config = run_config(
        witness_nodes=0,
        init_min_clients=64,
        global_batch_size_start=64,
        global_batch_size_end=64,
        epoch_time=40,
        total_steps=100_000,
    )
    run = run_simulation(settings(config, 64, 150, earning_rate=64_000))
    report = build_report(run)
    figures = report.figures
    assert figures.transactions_refused == {}
    completed = [r for r in report.rounds if r.completed]
    assert completed and all(r.elected == 32 and r.witnesses == 32 and r.ended_early for r in completed)
    assert figures.epochs_completed >= 2
    assert {c.points for c in figures.clients_detail} == {1000 * figures.epochs_completed}
