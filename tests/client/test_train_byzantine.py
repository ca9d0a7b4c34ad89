"""A byzantine client in a real run: five in-process clients on the real programs, one sending sign-flipped
results that pass validation, the run aggregating with the coordinate-wise median."""

from __future__ import annotations

import asyncio
import json
import statistics
from pathlib import Path

import pytest

from client.participant.model_setup import DUMMY_MODEL_CONFIG
from client.participant.runner import ExitReason, TrainingClient
from client.train.reputation import Reputation
from tests.client.participant.train_harness import EventLog, TrainRun, capturing_events, run_toml
from tests.client.test_train_attacks import UNQUANTIZED_CLIPPED

pytestmark = pytest.mark.integration  # loopback HTTP servers, one per client

BYZANTINE = 4


def _sign_flip_run(tmp_path: Path, aggregator: str) -> tuple[list[TrainingClient], list[ExitReason], EventLog]:
    """Five clients of a 10-step run whose checkpoint's config.json names ``aggregator``; the last flips signs."""
    (tmp_path / "config.json").write_text(json.dumps(DUMMY_MODEL_CONFIG | {"aggregator": aggregator}))
    toml = run_toml(
        epoch_time=600,
        total_steps=10,
        deadline=10,
        init_min_clients=5,
        checkpoint={"Hub": {"repo_id": str(tmp_path)}},
        distro=UNQUANTIZED_CLIPPED,
    )
    run = TrainRun(toml)
    clients = [run.client(i) for i in range(BYZANTINE)] + [run.client(BYZANTINE, byzantine="sign-flip")]
    with capturing_events() as events:
        exits = asyncio.run(run.run_all(clients, timeout=240))
    return clients, exits, events


def test_median_aggregation_survives_a_sign_flipping_client(tmp_path: Path) -> None:
    clients, exits, events = _sign_flip_run(tmp_path, "median")
    assert exits == [ExitReason.Finished] * 5
    honest = clients[:BYZANTINE]
    assert all(c.setup is not None and c.setup.trainer.distro.aggregator.spec == "median" for c in honest)  # type: ignore[union-attr]
    # Its crafted results passed validation, so they were witnessed and the median had to cope with them.
    assert clients[BYZANTINE].adversary is not None and clients[BYZANTINE].adversary.last is not None  # type: ignore[attr-defined]
    assert not events.named("invalid_result") and not any(c.exchange.refused for c in honest)
    steps = sorted(set.intersection(*({r.step for r in c.rounds} for c in honest)))
    assert len(steps) >= 8
    for step in steps:
        hashes = {next(r.parameter_hash for r in c.rounds if r.step == step) for c in honest}
        assert len(hashes) == 1, f"honest replicas differ at step {step}"
    for client in honest:
        losses = [r.loss for r in client.rounds if r.loss is not None]
        assert statistics.mean(losses[-3:]) < statistics.mean(losses[:3])


@pytest.mark.slow
def test_reputation_sinks_a_sign_flipping_client_in_a_real_run(tmp_path: Path) -> None:
    """The same run with ``reputation:1``: the rule learns each result's sender and epoch from the round pipeline,
    every honest client ends with the same scores, and the attacker's is the lowest."""
    clients, exits, _ = _sign_flip_run(tmp_path, "reputation:1")
    assert exits == [ExitReason.Finished] * 5
    honest = clients[:BYZANTINE]
    rules = [c.setup.trainer.distro.aggregator for c in honest]  # type: ignore[union-attr]
    scores = [rule.scores for rule in rules if isinstance(rule, Reputation)]
    assert len(scores) == len(honest)
    assert all(s == scores[0] for s in scores) and len(scores[0]) == 5
    assert min(scores[0], key=scores[0].__getitem__) == bytes(clients[BYZANTINE].me)
    steps = sorted(set.intersection(*({r.step for r in c.rounds} for c in honest)))
    for step in steps:
        assert len({next(r.parameter_hash for r in c.rounds if r.step == step) for c in honest}) == 1
