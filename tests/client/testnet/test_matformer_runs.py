"""The documented MatFormer invocations on both testnets (``slow``): clients at tiers 0, 1 and 2 train one run.

The documented headless invocation runs to its time limit (or the run's end: config/test's 10 steps may take less
than its 60 s) with the tier in every client's ``loaded_model`` and ``client_loss`` and, on the centralized
server, in ``received_witness_metadata``; a short run of four clients at
tiers 0, 1, 2, 0 reaches Finished with the two tier-0 replicas bit-identical and each lower tier's weights exactly
the slice of theirs (the hashes of the clients' ``exit`` lines, compared by the summary).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from validator.ports import free_ports

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[3]
TINY_THREE = Path(__file__).resolve().parent / "config" / "tiny-three" / "state.toml"
DUMMY_INTERMEDIATE_SIZE = 352  # client.participant.model_setup.DUMMY_MODEL_CONFIG
TESTNETS = {
    "solana": ["client.testnet.cli", "start", "--headless"],
    "centralized": ["client.testnet.centralized_cli", "start", "--tui", "false"],
}


def _start(testnet: str, log_dir: Path, *args: str, timeout: float) -> list[dict[str, Any]]:
    command = [sys.executable, "-m", *TESTNETS[testnet], "--write-log", str(log_dir), *args]
    if testnet == "centralized":
        command += ["--server-port", str(free_ports(1)[0])]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr[-3000:]
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def _session(testnet: str, log_dir: Path) -> Path:
    """Where the session's logs are: the centralized testnet keeps each session in DIR/<time>/."""
    return next(log_dir.iterdir()) if testnet == "centralized" else log_dir


def _client_events(session: Path, name: str, event: str) -> list[dict[str, Any]]:
    lines = (session / f"{name}.jsonl").read_text().splitlines()
    return [record for line in lines if (record := json.loads(line)).get("event") == event]


@pytest.mark.parametrize("testnet", ["centralized", "solana"])
def test_the_documented_tiered_invocation_runs_to_its_time_limit_with_the_tiers_logged(
    testnet: str, tmp_path: Path
) -> None:
    events = _start(
        testnet, tmp_path, "--headless-exit-after-secs", "60", "--num-clients", "3", "--config-path", "./config/test",
        "--client-matformer-tiers", "0,1,2", timeout=240,
    )  # fmt: skip

    assert events[0]["matformer_tiers"] == {"client-1": 0, "client-2": 1, "client-3": 2}
    summary = next(e for e in events if e["event"] == "summary")
    # config/test's 10 steps may end within the 60 s: either way no client failed, and every one was stopped.
    assert summary["reason"] in ("TimeLimit", "Finished")
    assert all(c["exit_code"] is not None for c in summary["clients"])
    assert [c["matformer_tier"] for c in summary["clients"]] == [0, 1, 2]
    session = _session(testnet, tmp_path)
    trained = 0
    for tier in (0, 1, 2):
        # config/test starts its one epoch with the first 2 clients to join: the third may sit it out, pending.
        name = f"client-{tier + 1}"
        for loaded in _client_events(session, name, "loaded_model"):
            assert loaded["matformer_tier"] == tier
            assert loaded["intermediate_size"] == DUMMY_INTERMEDIATE_SIZE
            assert loaded["intermediate_size_active"] == DUMMY_INTERMEDIATE_SIZE >> tier
            assert {"hidden_size", "num_hidden_layers", "vocab_size"} <= loaded.keys()
        losses = _client_events(session, name, "client_loss")
        assert all(e["matformer_tier"] == tier for e in losses)
        trained += any(e["trained_batches"] > 0 and isinstance(e["loss"], float) for e in losses)
    assert trained >= 2
    if testnet == "centralized":
        server = [json.loads(line) for line in (session / "server.jsonl").read_text().splitlines()]
        witnessed = [e for e in server if e["event"] == "received_witness_metadata"]
        assert witnessed and all(e["capabilities_known"] and e["device"] == "cpu" for e in witnessed)
        assert {e["matformer_tier"] for e in witnessed} <= {0, 1, 2}
        assert all(isinstance(e["loss"], float) and e["tokens_per_sec"] > 0 for e in witnessed if e["loss"])
        joined = {e["client"]: e["matformer_tier"] for e in server if e["event"] == "client_joined"}
        assert sorted(joined.values()) == [0, 1, 2]


@pytest.mark.parametrize("testnet", ["centralized", "solana"])
def test_four_clients_at_tiers_0_1_2_0_train_to_finished_with_tier_0_replicas_identical_and_slices_equal(
    testnet: str, tmp_path: Path
) -> None:
    config = tmp_path / "state.toml"
    text = TINY_THREE.read_text()
    assert "init_min_clients = 3" in text and "total_steps = 32" in text
    config.write_text(
        text.replace("init_min_clients = 3", "init_min_clients = 4").replace("total_steps = 32", "total_steps = 8")
    )
    events = _start(
        testnet, tmp_path / "logs", "--num-clients", "4", "--config-path", str(config), "--client-matformer-tiers",
        "0,1,2", "--headless-exit-after-secs", "400", timeout=500,
    )  # fmt: skip

    summary = next(e for e in events if e["event"] == "summary")
    assert summary["reason"] == "Finished"
    clients = summary["clients"]
    assert [c["matformer_tier"] for c in clients] == [0, 1, 2, 0]
    assert all(c["final_step"] == 7 for c in clients)
    assert clients[0]["weights_hash"] == clients[3]["weights_hash"]  # the two tier-0 replicas
    assert summary["weights_identical"] is True
    assert summary["tier_slices_match"] is True  # tiers 1 and 2 hold exactly the slices of the tier-0 weights
    session = _session(testnet, tmp_path / "logs")
    (full_exit,) = _client_events(session, "client-1", "exit")
    assert full_exit["tier_hashes"]["2"] == clients[2]["weights_hash"]
