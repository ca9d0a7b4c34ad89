"""``--client-matformer-tiers`` on both testnets: client i trains at ``tiers[i % len]``, a bad list is refused
before anything starts, and each client's tier shows in the live line, the summary and the loss plot."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from solders.keypair import Keypair

from client.testnet.centralized_cli import cli as centralized_cli
from client.testnet.cli import cli as chain_cli
from client.testnet.client_logs import FinalWeights, tier_slices_match, weights_identical
from client.testnet.clients import ClientProcesses
from client.testnet.display import Display
from client.testnet.launcher import RunWatcher, client_specs
from client.testnet.launcher import TestnetOptions as Options
from client.testnet.losses import LossPoint, draw_loss_curves
from client.testnet.summary import ClientSummary, EndReason, Summary
from client.testnet.watch import RunSnapshot, status_line


def _tier_flags(command: list[str]) -> str | None:
    return command[command.index("--matformer-tier") + 1] if "--matformer-tier" in command else None


@pytest.mark.parametrize(
    ("tiers", "expected"),
    [((0, 1, 2), [None, "1", "2", None, "1"]), ((2,), ["2"] * 5), ((), [None] * 5)],
)
def test_client_i_trains_at_tiers_i_mod_len(
    tmp_path: Path, tiers: tuple[int, ...], expected: list[str | None]
) -> None:
    options = Options(5, config_path=tmp_path, work_dir=tmp_path, log_dir=tmp_path, matformer_tiers=tiers)
    wallets = [Keypair() for _ in range(5)]
    specs = client_specs([tmp_path / f"{i}.json" for i in range(5)], wallets, "run", options, server_addr="h:1")

    assert [_tier_flags(spec.command()) for spec in specs] == expected  # tier 0 is train's default


@pytest.mark.parametrize("cli", [chain_cli, centralized_cli], ids=["solana", "centralized"])
@pytest.mark.parametrize(
    ("tiers", "words"),
    [
        ("0,half", "must be comma-separated tiers such as 0,1,2, got '0,half'"),
        ("0,6", "matformer tier 6 exceeds the deepest tier intermediate_size 352 allows (5)"),  # config/test's Dummy
    ],
)
def test_a_tier_list_the_run_cannot_take_is_refused_before_anything_starts(
    cli: object, tiers: str, words: str
) -> None:
    result = CliRunner().invoke(
        cli,  # type: ignore[arg-type]
        ["start", "--num-clients", "3", "--config-path", "config/test", "--client-matformer-tiers", tiers],
    )
    assert result.exit_code == 2
    assert words in " ".join(result.output.split())  # click wraps the message


async def _never_read() -> RunSnapshot:
    raise AssertionError("the live line is built from a snapshot the test gives")


def test_the_live_line_names_each_clients_tier(tmp_path: Path) -> None:
    options = Options(2, config_path=tmp_path, work_dir=tmp_path, log_dir=tmp_path, matformer_tiers=(0, 2))
    wallets = [Keypair(), Keypair()]
    specs = client_specs([tmp_path / "a.json", tmp_path / "b.json"], wallets, "run", options, server_addr="h:1")
    display = Display(headless=False, log_file=tmp_path / "testnet.jsonl")
    watcher = RunWatcher(_never_read, wallets, ClientProcesses(specs), options, display)
    points = {str(w.pubkey()): 0 for w in wallets}

    line = status_line(RunSnapshot(0, "RoundTrain", 0, 3, 2, 2, points, 0), {}, watcher.names)

    assert line.endswith("| client-1 pts 0  client-2 tier 2 pts 0")


def test_the_summary_checks_each_tiers_replicas_and_their_slices_against_tier_0() -> None:
    full = FinalWeights(5, "full", 0, {"1": "half", "2": "quarter"})
    finals = [full, full, FinalWeights(5, "half", 1), FinalWeights(5, "quarter", 2)]
    drifted = [full, FinalWeights(5, "half", 1), FinalWeights(5, "other", 2)]

    assert weights_identical(finals) and tier_slices_match(finals) is True
    assert weights_identical(drifted) and tier_slices_match(drifted) is False  # one replica per tier: each agrees
    assert not weights_identical([full, FinalWeights(5, "other", 0, full.tier_hashes)])
    client = ClientSummary("client-3", "W", 0, 0, 4.5, 0, matformer_tier=2)
    text = Summary(EndReason.Finished, "Finished", 6, 1, 0, 4.5, [client], True, tier_slices_match=False).text()
    assert "final weights identical, tier slices NOT equal to tier 0's" in text
    assert text.endswith("exit code 0  MatFormer tier 2")


def test_the_loss_plot_draws_one_curve_per_tier_when_tiers_differ() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curve = [LossPoint(1, 5.5), LossPoint(2, 5.0)]
    curves = {"client-1": curve, "client-2": curve, "client-3": curve}
    figure, axes = plt.subplots()
    try:
        draw_loss_curves(axes, curves, "nats/byte", {"client-1": 0, "client-2": 1, "client-3": 0})
        labels = [line.get_label() for line in axes.get_lines()]
        assert labels == ["tier 0 (client-1, client-3)", "tier 1 (client-2)"]
        assert axes.get_title() == "testnet training loss per MatFormer tier"
    finally:
        plt.close(figure)
