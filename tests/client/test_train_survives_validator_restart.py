"""``train`` rides out a validator that stops for a few seconds and comes back on the same ports.

Before ``--rpc-outage-timeout``, one sweep of the reference's backoff (about 2.4 s) ended every client on such a
restart while the chain still listed them as Healthy. Here the client says what it waits for, then resumes
training where it was, resubscribed, and is still a client of the run.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from client.chain.open import ChainTarget
from client.json_dump import node_id
from tests.client.cli_harness import CliChain
from validator.process import ValidatorProcess

pytestmark = pytest.mark.integration  # a validator process, a train process and its P2P server

REPO = Path(__file__).resolve().parents[2]
RUN_ID = "outage"
WAIT_S = 90  # a guard against a hung client, not a timing assertion


def _events(log_file: Path) -> list[dict[str, Any]]:
    if not log_file.exists():
        return []
    return [json.loads(line) for line in log_file.read_text().splitlines() if line.strip()]


def _wait_for(log_file: Path, process: subprocess.Popen[bytes], found: Callable[[list[dict[str, Any]]], bool]) -> None:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if found(_events(log_file)):
            return
        assert process.poll() is None, f"train exited with {process.returncode}: {_events(log_file)[-5:]}"
        time.sleep(0.1)
    raise AssertionError(f"not seen within {WAIT_S} s; last events: {_events(log_file)[-5:]}")


def _losses(events: list[dict[str, Any]]) -> list[int]:
    return [int(e["step"]) for e in events if e.get("event") == "client_loss"]


def test_train_waits_through_a_validator_restart_and_keeps_training(tmp_path: Path) -> None:
    client, client_key = CliChain(ChainTarget(ledger=tmp_path / "ledger"), tmp_path).one_client_run(RUN_ID, 1000)
    validator = ValidatorProcess(tmp_path / "ledger").start()
    log_file = tmp_path / "client.jsonl"
    command = [sys.executable, "-m", "client.cli", "train", "--rpc", validator.url, "-r", RUN_ID]
    command += ["--wallet-private-key-path", str(client), "--device", "cpu", "--logs", "json"]
    command += ["--write-log", str(log_file), "--checkpoint-dir", str(tmp_path / "checkpoints")]
    with open(tmp_path / "client.out", "wb") as out:
        train = subprocess.Popen(command, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_for(log_file, train, lambda events: len(_losses(events)) >= 1)
        validator.stop()
        before = max(_losses(_events(log_file)))
        time.sleep(3)
        validator.restart()

        def trained_after_the_outage(events: list[dict[str, Any]]) -> bool:
            names = [e.get("event") for e in events]
            if "rpc_outage" not in names:
                return False
            after = events[names.index("rpc_outage") :]
            return "rpc_recovered" in names and any(step > before for step in _losses(after))

        _wait_for(log_file, train, trained_after_the_outage)
        events = _events(log_file)
        outage = next(e for e in events if e.get("event") == "rpc_outage")
        assert "cannot reach the chain" in outage["message"] and outage["timeout_s"] == 300
        assert train.poll() is None  # still running
        run = CliChain(ChainTarget(rpc=validator.url), tmp_path).json("json-dump-run", "-r", RUN_ID)
        coordinator = run["coordinator_account"]
        assert coordinator["status"]["state"] in ("Training", "Witness")
        assert coordinator["epoch"]["clients"]["alive"] == {node_id(bytes(client_key)): "Healthy"}
        resubscribed = [e for e in events if str(e["message"]).startswith("subscribed to")]
        assert len(resubscribed) == 2  # the account watch followed the validator across its restart
        steps = _losses(events)
        assert steps == sorted(set(steps))  # no step trained twice, none rolled back
    finally:
        train.send_signal(signal.SIGINT)
        try:
            train.wait(30)
        finally:
            if train.poll() is None:
                train.kill()
            validator.stop()
