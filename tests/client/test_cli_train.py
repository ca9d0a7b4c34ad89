"""``psyche-solana-client train`` on the embedded chain: one client joins a run, trains it to the end and exits.

The run is made with the CLI's own owner commands; the chain follows the wall clock, so the phases take real
seconds (about ten in all).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from client.chain.open import ChainTarget
from client.participant.logs import EVENT_LOGGER
from tests.client.cli_harness import CliChain

pytestmark = pytest.mark.integration  # loopback HTTP servers, one per client

RUN_ID = "cli-train"


def test_train_follows_a_run_to_the_end_with_json_logs(tmp_path: Path) -> None:
    cli = CliChain(ChainTarget(ledger=tmp_path / "ledger"), tmp_path)
    client, _ = cli.one_client_run(RUN_ID, total_steps=4)
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
