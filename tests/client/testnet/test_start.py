"""``psyche-local-testnet start --headless`` as a user runs it: a subprocess that trains a tiny run to the end.

Two ``train`` processes join over JSON-RPC to the embedded validator, the run reaches Finished, and the launcher
prints its JSON lines, a summary, writes the logs and the loss plot, and leaves no process behind.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration  # a validator, two client processes and their P2P servers

TINY_CONFIG = Path(__file__).resolve().parent / "config" / "tiny"
REPO = Path(__file__).resolve().parents[3]


def _start(
    log_dir: Path, *args: str, timeout: float = 180
) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
    command = [sys.executable, "-m", "client.testnet.cli", "start", "--headless", "--write-log", str(log_dir), *args]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    return result, [json.loads(line) for line in result.stdout.splitlines()]


def test_two_clients_train_a_run_to_finished(tmp_path: Path) -> None:
    result, events = _start(
        tmp_path, "--num-clients", "2", "--config-path", str(TINY_CONFIG), "--headless-exit-after-secs", "150"
    )
    assert result.returncode == 0, result.stderr[-3000:]

    ready = events[0]
    assert ready["event"] == "testnet_ready"
    wallets = ready["clients"]
    assert set(wallets) == {"client-1", "client-2"}
    states = [e["state"] for e in events if e["event"] == "run_state"]
    # The launcher polls, so a short state can slip between two polls; the clients' logs below show every state.
    assert states[0] == "WaitingForMembers" and states[-1] == "Finished" and len(states) > 2

    summary, outputs = events[-2:]
    assert summary["event"] == "summary"
    assert (summary["reason"], summary["state"], summary["epochs"], summary["steps"]) == ("Finished", "Finished", 1, 4)
    assert summary["steps_trained"] == 3  # the step counter starts at 1 and ends one past the last trained step
    assert outputs == {"event": "outputs", "loss_plot": str(tmp_path / "loss.png"), "log_dir": str(tmp_path)}
    assert summary["tokens"] == 3 * 12 * 64  # steps 1-3 of 12 sequences of 64 tokens
    assert isinstance(summary["final_loss"], float) and 0 < summary["final_loss"] < 10
    clients = {c["name"]: c for c in summary["clients"]}
    for name, wallet in wallets.items():
        client = clients[name]
        assert client["wallet"] == wallet
        assert client["points"] > 0 and client["kills_survived"] == 0 and client["exit_code"] == 0
        assert client["claimed"] == client["points"]  # one reward token per point, claimed at the end
        assert isinstance(client["final_loss"], float)
        assert client["final_step"] == 3 and client["weights_hash"] == clients["client-1"]["weights_hash"]
        assert client["equivocations"] == 0  # honest trainers sign one result per batch
    assert summary["weights_identical"] is True
    claims = {e["client"]: e["claimed"] for e in events if e["event"] == "rewards_claimed"}
    assert claims == {name: clients[name]["points"] for name in wallets}

    assert json.loads((tmp_path / "summary.json").read_text()) == summary
    recorded = [json.loads(line) for line in (tmp_path / "testnet.jsonl").read_text().splitlines()]
    assert recorded == events
    assert (tmp_path / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for name in wallets:
        client_events = [json.loads(line) for line in (tmp_path / f"{name}.jsonl").read_text().splitlines()]
        assert [e["step"] for e in client_events if e["event"] == "client_loss"] == [1, 2, 3]
        followed = {e["new_state"] for e in client_events if e["event"] == "state_change"}
        assert {"Warmup", "RoundTrain", "RoundWitness", "Cooldown"} <= followed
        assert client_events[-1]["event"] == "exit" and client_events[-1]["reason"] == "Finished"
        # The .out file keeps only what the process printed besides its JSON log (nothing, in a clean run).
        assert "client_loss" not in (tmp_path / f"{name}.out").read_text()


@pytest.mark.parametrize(
    ("flags", "error"),
    [
        (("--random-kill-num", "1", "--allowed-to-kill", "3"), "client numbers run from 1 to 2"),
        (("--allowed-to-kill", "2,x"), "must be comma-separated client numbers"),
        (("--validator", "nowhere"), "--validator must be embedded, process or an http(s) URL"),
        (("--num-clients", "1"), "init_min_clients is 2, so 1 client(s) could never start an epoch"),
        (("--byzantine-clients", "2", "--attack", "label-flip"), "'label-flip' does not apply"),
    ],
)
def test_bad_flags_are_refused_before_anything_starts(tmp_path: Path, flags: tuple[str, ...], error: str) -> None:
    result, _ = _start(tmp_path, "--num-clients", "2", "--config-path", str(TINY_CONFIG), *flags)
    assert result.returncode == 2
    assert error in result.stderr
    assert not (tmp_path / "chain").exists()


def test_ctrl_c_ends_the_testnet_with_a_summary_and_stops_its_clients(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "client.testnet.cli", "start", "--headless", "--write-log", str(tmp_path)]
    command += ["--num-clients", "2", "--config-path", str(TINY_CONFIG)]
    launcher = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert launcher.stdout is not None
        events: list[dict[str, Any]] = []
        for line in launcher.stdout:
            events.append(json.loads(line))
            # The first state after WaitingForMembers: on an idle machine a poll can miss Warmup and every RoundTrain.
            if events[-1].get("state") in ("Warmup", "RoundTrain", "RoundWitness"):
                launcher.send_signal(signal.SIGINT)
                break
        events += [json.loads(line) for line in launcher.stdout]
        assert launcher.wait(timeout=60) == 0
    finally:
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait()
    summary = events[-2]
    assert (summary["event"], summary["reason"]) == ("summary", "Interrupted")
    assert summary["state"] != "Finished"
    assert all(client["exit_code"] is not None for client in summary["clients"])  # reaped: none is left running
    for name in ("client-1", "client-2"):
        last = json.loads((tmp_path / f"{name}.jsonl").read_text().splitlines()[-1])
        assert (last["event"], last["reason"]) == ("exit", "Stopped")


def _log(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _epoch_at(events: list[dict[str, Any]]) -> int:
    """The last epoch that had begun by the end of ``events`` (one that waits for members has not begun)."""
    state = [e for e in events if e["event"] == "run_state"][-1]
    return int(state["epoch"]) - (state["state"] == "WaitingForMembers")


def test_a_client_killed_twice_rejoins_and_every_client_ends_with_the_same_weights(tmp_path: Path) -> None:
    """The chaos run: client 3 is killed (and restarted) twice; the run finishes and all three agree bit for bit."""
    kills = ("--random-kill-num", "1", "--allowed-to-kill", "3", "--kill-interval-secs", "10", "--max-kills", "2")
    config = ("--config-path", str(TINY_CONFIG.with_name("tiny-three")), "--headless-exit-after-secs", "300")
    result, events = _start(tmp_path, "--num-clients", "3", *config, *kills, timeout=330)
    assert result.returncode == 0, result.stderr[-3000:]

    kills_at = [i for i, e in enumerate(events) if e["event"] == "client_killed"]
    assert [events[i]["client"] for i in kills_at] == ["client-3", "client-3"]
    summary = events[-2]
    assert (summary["reason"], summary["state"]) == ("Finished", "Finished")
    clients = {c["name"]: c for c in summary["clients"]}
    assert {name: c["kills_survived"] for name, c in clients.items()} == {"client-1": 0, "client-2": 0, "client-3": 2}
    assert all(c["exit_code"] == 0 for c in clients.values())

    logs = {name: _log(tmp_path / f"{name}.jsonl") for name in clients}
    rounds = {e["step"] for log in logs.values() for e in log if e["event"] == "client_loss"}
    assert rounds == set(range(1, summary["steps"]))  # every step was trained

    # No epoch starts without client 3 (min_clients = 3), and a restarted client joins at an epoch's start, so it
    # trained in an epoch after the one the first kill hit (a kill while the run waits for members came before that
    # epoch began) only by rejoining. How late the second kill lands depends on the machine's speed: the two others
    # may finish the run in its epoch, so no process is required to train after it.
    log = logs["client-3"]
    ends = [i for i, e in enumerate(log) if e["event"] == "exit"]
    assert [log[i]["reason"] for i in ends] == ["Stopped"] * (len(ends) - 1) + ["Finished"]
    killed_in = _epoch_at(events[: kills_at[0]])
    assert max(e["epoch"] for e in log if e["event"] == "client_loss") > killed_in

    final_step = summary["steps"] - 1
    assert {name: c["final_step"] for name, c in clients.items()} == dict.fromkeys(clients, final_step)
    hashes = {c["weights_hash"] for c in clients.values()}
    assert len(hashes) == 1 and len(hashes.pop()) == 64
    assert summary["weights_identical"] is True


@pytest.mark.slow
def test_the_validator_killed_and_restarted_mid_round_and_the_run_still_finishes(tmp_path: Path) -> None:
    """The chaos run's other fault: the psyche-validator is SIGKILLed in a round and restarted on its ports 3 s
    later; every client waits it out (``train --rpc-outage-timeout``), resubscribes, and the run finishes."""
    chaos = ("--validator", "process", "--kill-validator-after-secs", "20")
    config = ("--config-path", str(TINY_CONFIG.with_name("tiny-three")), "--headless-exit-after-secs", "300")
    result, events = _start(tmp_path, "--num-clients", "3", *config, *chaos, timeout=330)
    assert result.returncode == 0, result.stderr[-3000:]

    names = [e["event"] for e in events]
    killed, restarted = names.index("validator_killed"), names.index("validator_restarted")
    assert killed < restarted
    assert [e for e in events[:killed] if e["event"] == "run_state"][-1]["state"] == "RoundTrain"  # mid-round
    summary = next(e for e in events if e["event"] == "summary")
    assert (summary["reason"], summary["state"]) == ("Finished", "Finished")
    clients = {c["name"]: c for c in summary["clients"]}
    assert all(c["exit_code"] == 0 and c["kills_survived"] == 0 for c in clients.values())
    for name in clients:
        log = [e["event"] for e in _log(tmp_path / f"{name}.jsonl")]
        assert "rpc_outage" in log and "rpc_recovered" in log, name  # each waited it out, none restarted
        assert log.count("exit") == 1
    assert summary["weights_identical"] is True
