"""The commands as a user runs them: ``psyche-centralized-server`` and ``psyche-centralized-client`` processes.

The smoke run is the README's invocation pair on loopback (``run --tui false --logs json --write-log`` and
``train --logs json --write-log --device cpu --iroh-discovery local --iroh-relay disabled``), with a short run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from solders.keypair import Keypair

from centralized_server.cli import cli as server_cli
from client.cli.centralized import cli as client_cli
from tests.client.participant.train_harness import run_toml
from validator.ports import free_ports

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
CLIENT = [sys.executable, "-m", "client.cli.centralized"]


def test_validate_config_says_what_run_a_state_file_describes_or_why_it_is_refused(tmp_path: Path) -> None:
    runner = CliRunner()
    good = runner.invoke(server_cli, ["validate-config", "--state", str(REPO / "config" / "test" / "state.toml")])
    assert good.exit_code == 0, good.output
    assert "run 'test' is valid: 10 steps" in good.output

    bad = tmp_path / "state.toml"
    bad.write_text(run_toml(epoch_time=10, total_steps=5).replace("epoch_time = 10", "epoch_time = 0"))
    refused = runner.invoke(server_cli, ["validate-config", "--state", str(bad)])
    assert refused.exit_code == 2
    assert "epoch_time" in refused.output


def test_run_refuses_a_bad_data_config_before_serving(tmp_path: Path) -> None:
    data = tmp_path / "data.toml"
    data.write_text('dir = "tokens"\ntoken_size = "TwoBytes"\nseq_len = -1\n')
    state = str(REPO / "config" / "test" / "state.toml")
    refused = CliRunner().invoke(server_cli, ["run", "--state", state, "--data-config", str(data), "--tui", "false"])
    assert refused.exit_code == 2
    assert "--data-config" in refused.output and "seq_len must be an int > 0" in refused.output


def test_the_client_refuses_the_reference_s_public_discovery_and_a_malformed_server_address() -> None:
    runner = CliRunner()
    public = runner.invoke(client_cli, ["train", "-r", "x", "--server-addr", "h:1", "--iroh-discovery", "n0"])
    assert public.exit_code == 2 and "public servers" in public.output
    address = runner.invoke(client_cli, ["train", "-r", "x", "--server-addr", "nowhere"])
    assert address.exit_code == 2 and "HOST:PORT" in address.output


def _events(path: Path, name: str) -> list[dict[str, object]]:
    lines = path.read_text().splitlines() if path.exists() else []
    return [event for line in lines if (event := json.loads(line)).get("event") == name]


def test_a_server_and_two_client_processes_train_a_run_to_finished(tmp_path: Path) -> None:
    state = tmp_path / "smoke" / "state.toml"
    state.parent.mkdir()
    state.write_text(run_toml(epoch_time=600, total_steps=4, init_min_clients=2, deadline=20))
    port, *p2p = free_ports(3)
    env = os.environ | {"OMP_NUM_THREADS": "1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "centralized_server", "run", "--state", str(state), "--server-port", str(port),
         "--tui", "false", "--logs", "json", "--write-log", str(tmp_path / "server.jsonl"),
         "--save-state-dir", str(tmp_path / "saved")],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    clients = []
    try:
        for index in range(2):
            key = tmp_path / f"client-{index}.json"
            key.write_text(json.dumps(list(bytes(Keypair()))))
            peer = p2p[1 - index]
            clients.append(
                subprocess.Popen(
                    [
                        *CLIENT,
                        "train",
                        "--run-id",
                        "smoke",
                        "--server-addr",
                        f"127.0.0.1:{port}",
                        "--logs",
                        "json",
                        "--write-log",
                        str(tmp_path / f"client-{index}.jsonl"),
                        "--device",
                        "cpu",
                        "--iroh-discovery",
                        "local",
                        "--iroh-relay",
                        "disabled",
                        "-w",
                        str(key),
                        "--p2p-port",
                        str(p2p[index]),
                        "--bootstrap-peer",
                        f"127.0.0.1:{peer}",
                        "--checkpoint-dir",
                        str(tmp_path / f"checkpoints-{index}"),
                    ],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                )  # fmt: skip
            )
        codes = [client.wait(timeout=180) for client in clients]
    finally:
        for process in [*clients, server]:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=20)

    assert codes == [0, 0], [client.stderr.read() if client.stderr else "" for client in clients]
    exits = [_events(tmp_path / f"client-{index}.jsonl", "exit")[-1] for index in range(2)]
    assert [e["reason"] for e in exits] == ["Finished", "Finished"]
    assert exits[0]["parameter_hash"] == exits[1]["parameter_hash"]
    server_log = tmp_path / "server.jsonl"
    assert [e["new_state"] for e in _events(server_log, "state_change")][-1] == "Finished"
    assert _events(server_log, "received_witness_metadata")
    assert [p.name for p in (tmp_path / "saved").iterdir()] == ["smoke-step4.toml"]
