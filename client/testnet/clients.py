"""The training clients of a testnet: one ``psyche-solana-client train`` process each, killed and restarted on cue.

Each client keeps its keypair file, P2P port and log file across restarts, as the reference's harness restarts
a killed pane with the same key. A kill is a SIGINT (the client's Ctrl-C: it leaves the run cleanly), followed by
SIGKILL if it does not exit within a grace period.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ClientSpec", "ClientProcesses", "kill_choice"]

GRACE_S = 10.0


@dataclass(frozen=True)
class ClientSpec:
    """How to start client ``index``; ``authorizer`` is the grantee of its join authorization (its own key)."""

    index: int
    key_file: Path
    p2p_port: int
    log_file: Path
    run_id: str
    device: str
    checkpoint_dir: Path  # its own, so a restarted client resumes from what it kept (a machine's disk)
    authorizer: str = ""  # on chain: the grantee of its join authorization
    rpc_url: str = ""  # on chain: the validator's JSON-RPC and PubSub URLs
    ws_url: str = ""
    server_addr: str | None = None  # a centralized run: the server's HOST:PORT (psyche-centralized-client)
    extra_args: tuple[str, ...] = ()  # more train flags: --hub-repo for the first one, evaluation and tracking
    bootstrap_peers: Sequence[str] = ()
    data_cache_dir: Path | None = None  # its own, so it keeps what it downloaded over a restart
    cpu_threads: int | None = None  # torch's CPU threads (OMP_NUM_THREADS) unless the user's environment sets them
    byzantine: str | None = None  # research: the ATTACK[:PARAM] this client runs (train --byzantine)
    matformer_tier: int = 0  # the MatFormer tier it trains at (train --matformer-tier)

    def environment(self) -> dict[str, str]:
        """The launcher's environment, with this client's share of the CPU cores.

        Left to itself every client takes a thread per core, so N clients on one machine run N times as many
        threads as cores and each step slows several-fold; a share of the cores each keeps them all busy.
        """
        env = dict(os.environ)
        if self.cpu_threads is not None:
            env.setdefault("OMP_NUM_THREADS", str(self.cpu_threads))
        return env

    def command(self) -> list[str]:
        """``psyche-solana-client train`` against the chain, or ``psyche-centralized-client train`` with a server."""
        if self.server_addr is not None:
            coordinator = ["client.cli.centralized", "train", "--server-addr", self.server_addr]
        else:
            coordinator = ["client.cli", "train", "--authorizer", self.authorizer, "--rpc", self.rpc_url]
            coordinator += ["--ws-rpc", self.ws_url]
        args = [
            sys.executable,
            "-m",
            *coordinator,
            "--run-id",
            self.run_id,
            "--wallet-private-key-path",
            str(self.key_file),
            "--device",
            self.device,
            "--p2p-port",
            str(self.p2p_port),
            "--logs",
            "none",  # the JSON log goes to log_file only; the .out file keeps what else the process prints
            "--write-log",
            str(self.log_file),
            "--checkpoint-dir",
            str(self.checkpoint_dir),
            *self.extra_args,
        ]
        for peer in self.bootstrap_peers:
            args += ["--bootstrap-peer", peer]
        if self.byzantine is not None:
            args += ["--byzantine", self.byzantine]
        if self.matformer_tier:
            args += ["--matformer-tier", str(self.matformer_tier)]
        if self.data_cache_dir is not None:
            args += ["--data-cache-dir", str(self.data_cache_dir)]
        return args


def kill_choice(rng: random.Random, allowed: Sequence[int], count: int) -> list[int]:
    """Which clients to kill this interval: ``count`` distinct ones of ``allowed``, at random.

    >>> kill_choice(random.Random(0), [2, 3], 5)
    [3, 2]
    """
    return rng.sample(list(allowed), min(count, len(allowed)))


@dataclass
class ClientProcesses:
    """The running clients; ``kills`` counts how many times each was killed and restarted.

    ``log_starts`` is where in its log each client's latest process began writing (a restart appends).
    """

    specs: list[ClientSpec]
    processes: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)
    kills: dict[int, int] = field(default_factory=dict)
    log_starts: dict[int, int] = field(default_factory=dict)

    def start(self, index: int) -> None:
        spec = self.specs[index]
        spec.log_file.parent.mkdir(parents=True, exist_ok=True)
        self.log_starts[index] = spec.log_file.stat().st_size if spec.log_file.exists() else 0
        output = spec.log_file.with_suffix(".out").open("ab")
        self.processes[index] = subprocess.Popen(
            spec.command(), stdout=output, stderr=subprocess.STDOUT, env=spec.environment()
        )
        output.close()

    def start_all(self) -> None:
        for spec in self.specs:
            self.start(spec.index)

    def stop(self, index: int) -> int | None:
        """Ctrl-C, then SIGKILL after the grace period; returns the exit code."""
        process = self.processes.get(index)
        if process is None or process.poll() is not None:
            return None if process is None else process.returncode
        process.send_signal(signal.SIGINT)
        try:
            return process.wait(timeout=GRACE_S)
        except subprocess.TimeoutExpired:
            process.kill()
            return process.wait()

    def kill_and_restart(self, index: int) -> None:
        self.stop(index)
        self.kills[index] = self.kills.get(index, 0) + 1
        self.start(index)

    def exited(self) -> dict[int, int]:
        """Clients whose process ended by itself, with their exit codes."""
        return {i: p.returncode for i, p in self.processes.items() if p.poll() is not None}

    def stop_all(self) -> None:
        for index in list(self.processes):
            self.stop(index)
