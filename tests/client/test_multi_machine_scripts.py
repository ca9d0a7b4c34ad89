"""``scripts/multi-machine/``: a data host, the validator host and two client hosts, as processes on loopback.

data-host.sh serves token shards made by psyche-prepare-data over HTTP and writes the tiny run's config with that
Http data location; validator-host.sh starts a validator bound to 127.0.0.1 and creates, funds and starts the
two-client run; two client-host.sh invocations then train it to Finished on the HTTP data, each bootstrapping from
the other.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from client.train.prepare_data import main as prepare_data
from validator.ports import free_ports

pytestmark = pytest.mark.integration  # a validator and two client processes with their P2P servers

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "scripts" / "multi-machine"
TINY_CONFIG = REPO / "tests" / "client" / "testnet" / "config" / "tiny" / "state.toml"


def _environment() -> dict[str, str]:
    python = shlex.quote(sys.executable)
    env = os.environ | {
        "PSYCHE_SOLANA_CLIENT": f"{python} -m client.cli",
        "PSYCHE_VALIDATOR": f"{python} -m validator.cli",
        "PSYCHE_SERVE_DATA": f"{python} -m client.data.serve",
    }
    for name in ("RAW_WALLET_PRIVATE_KEY", "RPC", "WS_RPC", "RUN_ID", "WALLET_PRIVATE_KEY_PATH", "AUTHORIZER"):
        env.pop(name, None)
    return env


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _serve_data(tmp_path: Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], Path]:
    """data-host.sh serving shards of the committed text; the run config it wrote, reading them from there."""
    assert prepare_data(["--out", str(tmp_path / "data"), "--shard-tokens", "40000", "--heldout", "0"]) == 0
    (port,) = free_ports(1)
    config = tmp_path / "state.toml"
    host = [
        "bash", str(SCRIPTS / "data-host.sh"), "--data-dir", str(tmp_path / "data"), "--bind-address", "127.0.0.1",
        "--port", str(port), "--config-path", str(TINY_CONFIG), "--config-out", str(config),
    ]  # fmt: skip
    server = subprocess.Popen(host, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert server.stdout is not None
    location = json.loads(server.stdout.readline())["data_location"]
    assert location["Http"]["location"]["NumberedFiles"]["url_template"] == f"http://127.0.0.1:{port}/tokens-{{}}.bin"
    return server, config


def test_a_data_host_a_validator_host_and_two_client_hosts_train_a_run_to_finished(tmp_path: Path) -> None:
    rpc_port, pubsub_port = free_ports(2, consecutive=True)
    p2p_ports = free_ports(2)
    env = _environment()
    env["DATA_CACHE_DIR"] = str(tmp_path / "data-cache")
    data_server, config = _serve_data(tmp_path, env)
    work = tmp_path / "validator-host"
    host = [
        "bash", str(SCRIPTS / "validator-host.sh"), "--bind-address", "127.0.0.1", "--rpc-port", str(rpc_port),
        "--config-path", str(config), "--run-id", "loopback", "--num-clients", "2", "--work-dir", str(work),
    ]  # fmt: skip
    validator = subprocess.Popen(host, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    clients: list[subprocess.Popen[str]] = []
    try:
        assert validator.stdout is not None
        lines = []
        for line in validator.stdout:
            lines.append(line)
            if line.startswith("ready: "):
                break
        assert lines and lines[-1].startswith(f"ready: run loopback on http://127.0.0.1:{rpc_port}"), "".join(lines)

        for n, (port, peer) in enumerate(zip(p2p_ports, reversed(p2p_ports), strict=True), start=1):
            command = [
                "bash", str(SCRIPTS / "client-host.sh"), "--rpc", f"http://127.0.0.1:{rpc_port}",
                "--ws-rpc", f"ws://127.0.0.1:{pubsub_port}", "--run-id", "loopback",
                "--keypair", str(work / f"client-{n}.json"), "--p2p-host", "127.0.0.1", "--p2p-port", str(port),
                "--bootstrap-peer", f"127.0.0.1:{peer}", "--", "--logs", "json",
                "--write-log", str(tmp_path / f"client-{n}.jsonl"),
                "--checkpoint-dir", str(tmp_path / f"checkpoints-{n}"),
            ]  # fmt: skip
            output = (tmp_path / f"client-{n}.out").open("w")
            clients.append(
                subprocess.Popen(command, cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT, text=True)
            )
            output.close()
        try:
            codes = [client.wait(timeout=150) for client in clients]
        except subprocess.TimeoutExpired:
            codes = [client.poll() for client in clients]  # the assertion shows what each client printed
        assert codes == [0, 0], [(tmp_path / f"client-{n}.out").read_text()[-2000:] for n in (1, 2)]
    finally:
        for process in [*clients, validator, data_server]:
            _stop(process)

    hashes = set()
    for n in (1, 2):
        events = [json.loads(line) for line in (tmp_path / f"client-{n}.jsonl").read_text().splitlines()]
        assert [e["step"] for e in events if e["event"] == "client_loss"] == [1, 2, 3]
        assert [e for e in events if e["event"] == "trained_batch"]
        (exit_event,) = [e for e in events if e["event"] == "exit"]
        assert (exit_event["reason"], exit_event["step"]) == ("Finished", 3)
        hashes.add(exit_event["parameter_hash"])
    assert len(hashes) == 1  # the two machines ended with the same weights
    # The clients read their batches over HTTP: the data cache holds what they fetched from data-host.sh.
    assert [p.name for p in (tmp_path / "data-cache").glob("*/ranges")] == ["ranges"]
    assert validator.returncode is not None and (work / "validator.log").exists()
