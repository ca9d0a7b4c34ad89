"""``psyche-solana-client train`` on the embedded chain: one client joins a run, trains it to the end and exits.

The run is made with the CLI's own owner commands; the chain follows the wall clock, so the phases take real
seconds (about ten in all).
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from solders.pubkey import Pubkey

from client.chain.open import ChainTarget
from client.participant.logs import EVENT_LOGGER
from tests.client.cli_harness import CliChain
from tests.client.participant.train_harness import run_toml

pytestmark = pytest.mark.integration  # loopback HTTP servers, one per client

RUN_ID = "cli-train"
EVERYONE = "11111111111111111111111111111111"


@dataclass
class OneClientRun:
    """A run for one client on the embedded chain, made with the owner's commands (``everyone``: permissionless)."""

    cli: CliChain
    owner: Path
    owner_key: Pubkey
    client: Path
    client_key: Pubkey


def _one_client_run(tmp_path: Path, everyone: bool) -> OneClientRun:
    cli = CliChain(ChainTarget(ledger=tmp_path / "ledger"), tmp_path)
    owner, owner_key = cli.funded("owner")
    client, client_key = cli.funded("client", "1")
    config = tmp_path / "state.toml"
    config.write_text(run_toml(epoch_time=600, total_steps=4, init_min_clients=1, min_clients=1))
    cli.ok("create-run", "-r", RUN_ID, "-c", "test", "--config-path", str(config), wallet=owner)
    if everyone:
        cli.ok("join-authorization-create", "--authorizer", EVERYONE, wallet=owner)
    cli.ok("set-paused", "-r", RUN_ID, "--resume", wallet=owner)
    return OneClientRun(cli, owner, owner_key, client, client_key)


def test_train_follows_a_run_to_the_end_with_json_logs(tmp_path: Path) -> None:
    run = _one_client_run(tmp_path, everyone=True)
    cli, client = run.cli, run.client
    log_file = tmp_path / "client.jsonl"

    try:
        result = cli.invoke(
            "train",
            *("-r", RUN_ID, "--device", "cpu", "--logs", "json", "--write-log", str(log_file)),
            *("--checkpoint-dir", str(tmp_path / "checkpoints")),
            wallet=client,
        )
    finally:
        logging.getLogger().handlers.clear()  # the command configured the root logger for its process

    assert result.exit_code == 0, result.stderr
    events = [json.loads(line) for line in log_file.read_text().splitlines()]
    by_name: dict[str, list[dict[str, object]]] = {}
    for event in events:
        if event["target"] == EVENT_LOGGER:
            by_name.setdefault(str(event["event"]), []).append(event)
    assert by_name["loaded_model"][0]["checkpoint"] == "Dummy"
    losses = by_name["client_loss"]
    assert [e["step"] for e in losses] == [1, 2, 3]
    assert all(e["trained_batches"] == 1 and isinstance(e["loss"], float) for e in losses)
    assert {e["step"] for e in by_name["witness"]} == {1, 2, 3}
    assert all("tokens_per_sec" in e and "loss" in e for e in by_name["witness"])
    assert by_name["exit"][0]["reason"] == "Finished"
    assert by_name["checkpoint"][0]["path"] == str(tmp_path / "checkpoints" / f"{RUN_ID}-step3" / "model.safetensors")
    assert cli.json("json-dump-run", "-r", RUN_ID)["coordinator_account"]["status"]["state"] == "Finished"


def test_an_unauthorized_client_exits_at_once_saying_who_authorizes_it_and_how(tmp_path: Path) -> None:
    """No authorization lets the wallet join: `train` names the run, the join authority and the command it runs,
    and exits 1 instead of sending a join the coordinator refuses (AccountNotInitialized, 3012) every second."""
    run = _one_client_run(tmp_path, everyone=False)
    cli, owner, owner_key, client, client_key = run.cli, run.owner, run.owner_key, run.client, run.client_key
    script = Path(sys.executable).with_name("psyche-solana-client")
    argv = [str(script), "train", "-r", RUN_ID, "-w", str(client), "--ledger", str(tmp_path / "ledger")]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 1, result.stderr[-2000:]
    assert result.stderr.splitlines()[-1] == (
        f"Error: wallet {client_key} may not join run {RUN_ID}: its join authority {owner_key} has authorized "
        f"neither this wallet nor everyone. The join authority runs: psyche-solana-client join-authorization-create "
        f"--authorizer {client_key}  (or --authorizer {EVERYONE} to let everyone join)"
    )
    assert "3012" not in result.stderr and "Traceback" not in result.stderr
    # The join authority runs what it was told, and the same wallet (no --authorizer) is now let in.
    cli.ok("join-authorization-create", "--authorizer", str(client_key), wallet=owner)
    assert "✓ Can join run" in cli.ok("can-join", "-r", RUN_ID, "--authorizer", str(client_key),
                                      "--address", str(client_key))  # fmt: skip
