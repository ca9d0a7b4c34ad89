"""``psyche-centralized-local-testnet start`` as the reference documents it: a subprocess, a server, its clients.

The headless smoke is the documented invocation as it stands (10 seconds, then the time limit ends it). Slow: the
kill run is the documented chaos invocation on config/test-kill, to Finished with identical weights; the 20m
invocation writes its DisTrO data; a config directory with a ``data.toml`` trains on the data the server hosts.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tomli
import tomli_w

from client.participant.distro_data import read_distro_step
from validator.ports import free_ports

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[3]
TINY_THREE = Path(__file__).resolve().parent / "config" / "tiny-three"


def _start(*args: str, timeout: float) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
    (port,) = free_ports(1)
    command = [sys.executable, "-m", "client.testnet.centralized_cli", "start", "--server-port", str(port), *args]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    return result, [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def test_the_headless_smoke_ends_at_its_time_limit_with_a_summary_and_no_client_left(tmp_path: Path) -> None:
    result, events = _start(
        "--headless", "--headless-exit-after-secs", "10", "--num-clients", "2", "--config-path", "./config/test",
        "--tui", "false", "--write-log", str(tmp_path), timeout=90,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr[-2000:]
    assert events[0]["event"] == "testnet_ready" and events[0]["run_id"] == "test"
    summary = next(e for e in events if e["event"] == "summary")
    assert summary["reason"] == "TimeLimit"
    assert [c["name"] for c in summary["clients"]] == ["client-1", "client-2"]
    assert all(c["exit_code"] is not None for c in summary["clients"])  # every client process was stopped
    (session,) = tmp_path.iterdir()
    assert (session / "server.jsonl").exists() and (session / "summary.json").exists()


@pytest.mark.slow
def test_the_kill_invocation_trains_to_finished_with_identical_weights(tmp_path: Path) -> None:
    hub = Path(tempfile.mkdtemp(prefix="hub-"))  # short: a repo path must fit the 64-byte HubRepo.repo_id
    """As documented (the default --random-kill-interval of 120 s): the run outlasts one interval, so client 2 or 3
    is killed, restarts, rejoins at the next epoch and ends with the same weights."""
    result, events = _start(
        "--num-clients", "3", "--config-path", str(REPO / "config" / "test-kill"), "--random-kill-num", "1",
        "--allowed-to-kill", "2,3", "--first-client-checkpoint", str(hub), "--write-log", str(tmp_path / "logs"),
        "--tui", "false", timeout=560,
    )  # fmt: skip
    shutil.rmtree(hub)

    assert result.returncode == 0, result.stderr[-2000:]
    killed = [e["client"] for e in events if e["event"] == "client_killed"]
    assert killed and set(killed) <= {"client-2", "client-3"}
    summary = next(e for e in events if e["event"] == "summary")
    assert summary["reason"] == "Finished"
    assert summary["weights_identical"] is True


@pytest.mark.slow
def test_a_config_with_a_data_toml_trains_on_the_server_s_data_and_writes_the_distro_data(tmp_path: Path) -> None:
    """A config directory with a data.toml (the run reads Server data) and --write-distro-data: two clients train
    to Finished on the tokens the server hosts, and every step's published results are on disk."""
    (data_port,) = free_ports(1)
    config = tmp_path / "served"
    (config / "tokens").mkdir(parents=True)
    np.random.default_rng(5).integers(0, 256, 120 * 32 + 5, dtype="<u2").tofile(config / "tokens" / "a.bin")
    (config / "data.toml").write_text('dir = "tokens"\ntoken_size = "TwoBytes"\nseq_len = 32\n')
    state = tomli.loads((TINY_THREE / "state.toml").read_text())
    state["config"] |= {"min_clients": 2, "init_min_clients": 2, "total_steps": 4}
    state["model"]["LLM"]["data_location"] = {"Server": f"127.0.0.1:{data_port}"}
    (config / "state.toml").write_text(tomli_w.dumps(state))
    distro = tmp_path / "distro-data"

    result, events = _start(
        "--num-clients", "2", "--config-path", str(config), "--write-distro-data", str(distro), "--tui", "false",
        "--write-log", str(tmp_path / "logs"), timeout=300,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr[-2000:]
    summary = next(e for e in events if e["event"] == "summary")
    assert summary["reason"] == "Finished" and summary["weights_identical"] is True
    (session,) = (tmp_path / "logs").iterdir()
    server_events = [json.loads(line) for line in (session / "server.jsonl").read_text().splitlines()]
    assert any(e["event"] == "data_server_started" and e["samples"] == 120 for e in server_events)
    files = sorted(distro.iterdir())
    assert len(files) == 2 * 3  # two clients, steps 1-3 (step 4 finishes the run)
    published = {e["result_sha256"] for e in _client_events(session, "trained_batch")}
    assert {h for path in files for h in read_distro_step(path).result_sha256.values()} == published


def _client_events(session: Path, name: str) -> list[dict[str, Any]]:
    lines = [line for path in sorted(session.glob("client-*.jsonl")) for line in path.read_text().splitlines()]
    return [event for line in lines if (event := json.loads(line)).get("event") == name]


@pytest.mark.slow
def test_the_20m_invocation_with_distro_data_writes_each_client_s_results(tmp_path: Path) -> None:
    """The documented ``--num-clients 3 --config-path ./config/test-20m --write-distro-data DIR --tui false``, on
    the KJV tokens ``psyche-prepare-data`` writes (test-20m's data), until the first steps' files are there."""
    data = tmp_path / "kjv"
    prepared = subprocess.run(
        [str(Path(sys.executable).parent / "psyche-prepare-data"), "--out", str(data)], cwd=REPO, capture_output=True,
        text=True, timeout=300,
    )  # fmt: skip
    assert prepared.returncode == 0, prepared.stderr[-2000:]
    config = tmp_path / "test-20m"
    config.mkdir()
    state = (REPO / "config" / "test-20m" / "state.toml").read_text()
    (config / "state.toml").write_text(state.replace('Local = "data/tiny-llama"', f'Local = "{data}"'))
    distro = tmp_path / "distro-data" / "run"

    result, events = _start(
        "--num-clients", "3", "--config-path", str(config), "--write-distro-data", str(distro), "--tui", "false",
        "--headless-exit-after-secs", "240", "--write-log", str(tmp_path / "logs"), timeout=400,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr[-2000:]
    steps = [read_distro_step(path) for path in sorted(distro.iterdir())]
    assert len({s.client for s in steps}) == 3 and {s.step for s in steps} >= {1}
    assert all(len(s.names) == len(steps[0].names) > 0 for s in steps)
