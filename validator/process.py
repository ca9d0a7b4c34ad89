"""Run psyche-validator as a child process on free loopback ports: for tests, benchmarks and local testnets.

The child writes its output to a file next to the ledger (not to a pipe nobody drains); it is
ready when the ``JSON RPC URL`` line appears, the line anchorpy's localnet fixture also waits for.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from validator.ports import free_port_pair

__all__ = ["ValidatorProcess"]

# Where `python -m validator.cli` finds the package even without an install.
_SOURCE_ROOT = Path(__file__).resolve().parents[1]
READY_TIMEOUT_S = 60  # a guard against a hung start, not a timing assertion
STOP_TIMEOUT_S = 30


class ValidatorProcess:
    """``python -m validator.cli --ledger L --rpc-port <free> [--quiet] <extra>``, its output in ``L.out``."""

    def __init__(self, ledger: Path, *extra_args: str, quiet: bool = True) -> None:
        self.ledger = ledger
        self.extra_args = (*(("--quiet",) if quiet else ()), *extra_args)
        self.port = 0
        self.output = ledger.parent / f"{ledger.name}.out"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port + 1}"

    @property
    def process(self) -> subprocess.Popen[bytes]:
        assert self._process is not None, "not started"
        return self._process

    def start(self) -> ValidatorProcess:
        """Start and wait until it serves; a start that lost its ports to another process is retried."""
        for _ in range(3):
            if self._launch(free_port_pair()):
                return self
        raise RuntimeError(f"psyche-validator did not start:\n{self.output.read_text()}")

    def restart(self) -> ValidatorProcess:
        """Start it again (after :meth:`stop` or :meth:`kill`) on the same ports: a restart its clients can see.

        It serves the ledger it left: a ``--reset`` given at the first start is not repeated.
        """
        self.extra_args = tuple(arg for arg in self.extra_args if arg != "--reset")
        if not self._launch(self.port):
            raise RuntimeError(f"psyche-validator did not restart on port {self.port}:\n{self.output.read_text()}")
        return self

    def _launch(self, port: int) -> bool:
        self.port = port
        command = [sys.executable, "-m", "validator.cli", "--ledger", str(self.ledger)]
        command += ["--rpc-port", str(self.port), *self.extra_args]
        with open(self.output, "wb") as out:
            self._process = subprocess.Popen(command, cwd=_SOURCE_ROOT, stdout=out, stderr=subprocess.STDOUT)
        return self._wait_ready()

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if "JSON RPC URL" in self.banner():
                return True
            if self.process.poll() is not None:
                return False
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"psyche-validator did not print its URL in {READY_TIMEOUT_S} s:\n{self.banner()}")

    def banner(self) -> str:
        return self.output.read_text() if self.output.exists() else ""

    def stop(self, signum: signal.Signals = signal.SIGTERM) -> int:
        """Stop it as a service manager (SIGTERM) or Ctrl-C (SIGINT) does; returns the exit code."""
        self.process.send_signal(signum)
        return self.process.wait(STOP_TIMEOUT_S)

    def kill(self) -> None:
        """SIGKILL: no cleanup of any kind runs."""
        self.process.kill()
        self.process.wait(STOP_TIMEOUT_S)
