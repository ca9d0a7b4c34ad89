"""Runs that go wrong, and the report saying why in plain words: a run that never starts, epochs cut short for
lack of witnesses."""

from __future__ import annotations

from dataclasses import replace

import pytest

from client.simulate import (
    ClientTiming,
    Finding,
    FindingKind,
    SimulationSettings,
    build_report,
    render_text,
    run_simulation,
)
from tests.client.simulate.runs import run_config, settings


def _finding(findings: list[Finding], kind: FindingKind) -> str:
    """The one finding of ``kind``, its words collapsed to single spaces."""
    texts = [" ".join(f.text.split()) for f in findings if f.kind is kind]
    assert len(texts) == 1, [f.kind for f in findings]
    return texts[0]


@pytest.mark.parametrize(
    ("overrides", "clients", "explanation"),
    [
        ({}, 1, "at most 1 ever were: only 1 client was simulated. To start it, bring at least 2 clients"),
        (
            {"init_min_clients": 6},
            8,
            "at most 4 ever were: 4 clients could never register, because the program refuses a new client once "
            "global_batch_size_end = 4 clients have registered (MoreClientsThanBatches)",
        ),
    ],
)
def test_run_that_never_leaves_waiting_for_members(overrides: dict[str, int], clients: int, explanation: str) -> None:
    run = run_simulation(settings(run_config(**overrides), clients, 3600))
    report = build_report(run)
    figures = report.figures
    assert figures.final_state == "Waiting for members"
    assert [(t.state, t.share) for t in figures.time_in_states] == [("Waiting for members", 1.0)]
    assert (figures.epochs_completed, figures.steps_trained, figures.treasury.needed) == (0, 0, 0)
    text = _finding(figures.findings, FindingKind.NEVER_STARTED)
    need = overrides.get("init_min_clients", 2)
    assert text.startswith(
        f"The run never left Waiting for members. It starts an epoch only when init_min_clients "
        f"= {need} clients are waiting to join at the same time"
    )
    assert explanation in text
    assert "never left Waiting for members" in render_text(report)


def _churn(witness_nodes: int, duration_s: int = 900) -> SimulationSettings:
    """4 clients, each dropping out 6 times an hour and back after ~2 minutes on average."""
    config = run_config(total_steps=100_000, witness_nodes=witness_nodes)
    return settings(config, 4, duration_s, earning_rate=1000, dropout_rate=6, join_rate=30, timing=ClientTiming())


def test_epochs_cool_down_for_lack_of_witnesses() -> None:
    # witness_nodes = 2 = min_clients: the quorum of 2 needs both elected witnesses; one gone offline ends the epoch.
    figures = build_report(run_simulation(_churn(witness_nodes=2))).figures
    cut = [e for e in figures.epochs if e.end == "no_quorum"]
    assert cut and all(e.points_credited > 0 for e in cut)  # those left are still paid
    text = _finding(figures.findings, FindingKind.NO_QUORUM)
    assert text.startswith(f"{len(cut)} epoch")
    assert (
        "cooled down early for lack of witnesses: at the witness deadline fewer elected witnesses had reported "
        "than the quorum" in text
    )
    assert "1 of 2 elected witnesses reported, quorum 2" in text


def test_epochs_without_any_witness_pay_nobody() -> None:
    # witness_nodes = 1: when the one elected witness is gone, every client is withdrawn and the epoch pays nothing.
    figures = build_report(run_simulation(_churn(witness_nodes=1))).figures
    empty = [e for e in figures.epochs if e.end == "no_witnesses"]
    assert empty and all(e.points_credited == 0 for e in empty)
    text = _finding(figures.findings, FindingKind.NO_WITNESSES)
    assert "not one elected witness reported in a round" in text and "paid nobody" in text


def test_same_seed_same_figures_other_seed_other_run() -> None:
    churn = _churn(witness_nodes=2, duration_s=600)
    first = build_report(run_simulation(churn))
    again = build_report(run_simulation(churn))
    assert first.figures == again.figures
    assert (first.timeline_states, first.timeline_clients) == (again.timeline_states, again.timeline_clients)
    other = build_report(run_simulation(replace(churn, seed=1))).figures
    assert other.epochs != first.figures.epochs
