"""``train``'s P2P limits are options with their defaults in ``--help``; the attack harness stays out of it."""

from __future__ import annotations

import re

from click.testing import CliRunner

from client.cli import cli
from client.cli.p2p_options import p2p_client_options
from client.p2p.limits import DownloadLimits

LIMITS = {
    "--p2p-download-timeout": "60.0",
    "--p2p-download-grace": "3.0",
    "--p2p-min-download-rate": "65536",
    "--p2p-apply-wait": "30.0",
    "--p2p-early-messages-per-peer": "16",
    "--p2p-early-steps-ahead": "2",
}


def test_train_help_states_every_p2p_limit_and_its_default_but_not_the_adversary() -> None:
    result = CliRunner().invoke(cli, ["train", "--help"], terminal_width=200)
    assert result.exit_code == 0
    text = re.sub(r"\s+", " ", result.output)
    for option, default in LIMITS.items():
        assert re.search(rf"{option} \S+ RANGE .*?\[default: {re.escape(default)}", text), option
    assert "--adversary" not in text


def test_an_unknown_adversary_is_refused() -> None:
    result = CliRunner().invoke(cli, ["train", "--run-id", "r", "--adversary", "nonsense"])
    assert result.exit_code == 2 and "must be one of" in result.output and "equivocate" in result.output


def test_the_options_become_the_clients_limits() -> None:
    values = {
        "p2p_download_timeout": 9.0,
        "p2p_download_grace": 1.5,
        "p2p_min_download_rate": 100.0,
        "p2p_apply_wait": 4.0,
        "p2p_early_messages_per_peer": 3,
        "p2p_early_steps_ahead": 1,
        "adversary": None,
    }
    options = p2p_client_options(values)
    assert options["download_limits"] == DownloadLimits(timeout=9.0, grace=1.5, min_bytes_per_sec=100.0)
    assert (options["apply_wait"], options["early_messages_per_peer"], options["early_steps_ahead"]) == (4.0, 3, 1)


def test_byzantine_is_offered_for_research_and_checked_before_anything_starts() -> None:
    text = CliRunner().invoke(cli, ["train", "--help"], terminal_width=200).output
    assert "--byzantine ATTACK[:PARAM]" in text
    result = CliRunner().invoke(cli, ["train", "--run-id", "r", "--byzantine", "ipm:lots"])
    assert result.exit_code == 2 and "must be a number" in result.output
    values = {name: None for name in ("p2p_download_timeout", "p2p_download_grace", "p2p_min_download_rate")}
    options = p2p_client_options(
        values
        | {"p2p_apply_wait": 1.0, "p2p_early_messages_per_peer": 1, "p2p_early_steps_ahead": 1, "adversary": None}
        | {"byzantine": "ipm:2"}
    )
    assert options["byzantine"] == "ipm:2"
