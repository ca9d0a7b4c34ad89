"""``psyche-centralized-local-testnet start`` as the reference documents it: a subprocess, a server, its clients.

The headless smoke is the documented invocation as it stands (10 seconds, then the time limit ends it); the kill
run is the documented chaos invocation on a tiny config, to Finished with identical weights (``slow``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

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
    result, events = _start(
        "--num-clients", "3", "--config-path", str(TINY_THREE), "--random-kill-num", "1", "--allowed-to-kill", "2,3",
        "--random-kill-interval", "15", "--max-kills", "1", "--first-client-checkpoint", str(hub), "--tui", "false",
        "--write-log", str(tmp_path / "logs"), timeout=400,
    )  # fmt: skip
    shutil.rmtree(hub)

    assert result.returncode == 0, result.stderr[-2000:]
    assert [e["client"] for e in events if e["event"] == "client_killed"] in (["client-2"], ["client-3"])
    summary = next(e for e in events if e["event"] == "summary")
    assert summary["reason"] == "Finished"
    assert summary["weights_identical"] is True
