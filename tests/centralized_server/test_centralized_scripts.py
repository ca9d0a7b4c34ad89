"""``scripts/psyche-centralized-{server,spawn-clients,client}.sh`` on 127.0.0.1: a server, two clients, Finished."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.client.participant.train_harness import run_toml
from validator.ports import free_ports

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


@pytest.mark.parametrize("tiers", [(), ("--tiers", "0,2")], ids=["full", "tiers-0-2"])
def test_the_server_script_and_two_spawned_clients_train_a_run_to_finished(
    tmp_path: Path, tiers: tuple[str, ...]
) -> None:
    state = tmp_path / "scripted" / "state.toml"
    state.parent.mkdir()
    state.write_text(run_toml(epoch_time=600, total_steps=4, init_min_clients=2, deadline=20))
    python = shlex.quote(sys.executable)
    env = os.environ | {
        "PSYCHE_CENTRALIZED_SERVER": f"{python} -m centralized_server",
        "PSYCHE_CENTRALIZED_CLIENT": f"{python} -m client.cli.centralized",
        "PSYCHE_SOLANA_CLIENT": f"{python} -m client.cli",
        "OMP_NUM_THREADS": "1",
    }
    port, first_p2p = free_ports(2)
    server = subprocess.Popen(
        ["bash", str(SCRIPTS / "psyche-centralized-server.sh"), "--state", str(state), "--port", str(port),
         "--bind-address", "127.0.0.1", "--log-dir", str(tmp_path / "server")],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        spawned = subprocess.run(
            ["bash", str(SCRIPTS / "psyche-centralized-spawn-clients.sh"), "--run-id", "scripted", "--server-addr",
             f"127.0.0.1:{port}", "--num-clients", "2", "--device", "cpu", "--first-p2p-port", str(first_p2p),
             "--logs", "none", "--work-dir", str(tmp_path / "clients"), *tiers],
            env=env, capture_output=True, text=True, timeout=240,
        )  # fmt: skip
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)

    assert spawned.returncode == 0, spawned.stderr[-3000:]
    exits = []
    for n in (1, 2):
        lines = (tmp_path / "clients" / f"client-{n}.jsonl").read_text().splitlines()
        events = [json.loads(line) for line in lines]
        exits.append([event for event in events if event.get("event") == "exit"][-1])
        assert exits[-1]["reason"] == "Finished"
        loaded = [event for event in events if event.get("event") == "loaded_model"]
        assert loaded[0]["matformer_tier"] == (2 if tiers and n == 2 else 0)
    if tiers:  # client 2 holds exactly the tier-2 slice of client 1's full weights
        assert exits[0]["tier_hashes"]["2"] == exits[1]["parameter_hash"]
    assert (tmp_path / "server" / "scripted-step4.toml").exists()
