"""``psyche-solana-client --hardened``: the embedded chain's coordinator mode, fixed when its ledger is created."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from client.chain.open import ChainTarget
from client.cli import cli
from coordinator_program.mode import ProgramMode
from tests.client.cli_harness import CliChain


def test_a_hardened_embedded_ledger_is_refused_without_hardened(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger"
    chain = CliChain(ChainTarget(ledger=ledger, mode=ProgramMode.HARDENED), tmp_path)
    wallet = tmp_path / "owner.json"
    chain.ok("keygen", "new", "-o", str(wallet), chain=False)
    chain.ok("airdrop", "1", "--hardened", wallet=wallet)
    assert "runs the hardened coordinator" in chain.fails("airdrop", "1", wallet=wallet)
    chain.ok("airdrop", "1", "--hardened", wallet=wallet)


def test_hardened_with_an_rpc_endpoint_is_a_usage_error() -> None:
    result = CliRunner(mix_stderr=False).invoke(
        cli, ["json-dump-run", "-r", "demo", "--rpc", "http://127.0.0.1:1", "--hardened"]
    )
    assert result.exit_code == 2
    assert "psyche-validator --hardened" in result.stderr
