"""The CLI starts fast because it loads only what the command runs, and Ctrl-C ends it quietly at any moment.

Speed is measured by ``benchmarks/bench_cli_startup.py``; here the cause is pinned: after ``--help``, ``keygen``
and ``json-dump-*`` the training stack (torch and the client's training packages) was never imported. Each case
runs the console script's ``main`` in a fresh interpreter, as the shell would.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

TRAINING_STACK = ("torch", "matplotlib", "client.train", "client.participant", "client.simulate")
TRACKERS = ("wandb", "tensorboard", "torch.utils.tensorboard", "sklearn")
CHAIN_BACKENDS = ("solana", "httpx", "emulator", "validator", "coordinator_program")

# Runs the console script's main() with the given arguments, then reports which of the named modules got imported.
_MAIN_THEN_MODULES = """
import json, sys
from client.cli import main
names, sys.argv = json.loads(sys.argv[1]), ["psyche-solana-client", *sys.argv[2:]]
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(name for name in names if name in sys.modules)), file=sys.stderr)
"""


def _imported_by(tmp_path: Path, names: tuple[str, ...], *argv: str) -> list[str]:
    import json

    result = subprocess.run(
        [sys.executable, "-c", _MAIN_THEN_MODULES, json.dumps(names), *argv],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    loaded: list[str] = json.loads(result.stderr.strip().splitlines()[-1])
    return loaded


def test_help_imports_neither_the_training_stack_nor_a_chain_backend(tmp_path: Path) -> None:
    assert _imported_by(tmp_path, TRAINING_STACK + CHAIN_BACKENDS, "--help") == []


def test_keygen_imports_neither_the_training_stack_nor_a_chain_backend(tmp_path: Path) -> None:
    assert _imported_by(tmp_path, TRAINING_STACK + CHAIN_BACKENDS, "keygen", "new", "-o", "key.json") == []
    assert _imported_by(tmp_path, TRAINING_STACK + CHAIN_BACKENDS, "keygen", "pubkey", "key.json") == []


def test_train_help_imports_no_experiment_tracker_or_data_set_library(tmp_path: Path) -> None:
    """wandb, tensorboard and scikit-learn load only when a run asks for them (``--wandb-*``, ``--mnist``)."""
    assert _imported_by(tmp_path, TRACKERS, "train", "--help") == []


@pytest.mark.parametrize("command", ["json-dump-run", "json-dump-user"])
def test_json_dumps_import_no_training_stack(tmp_path: Path, command: str) -> None:
    user = ["--address", "11111111111111111111111111111111"] if command == "json-dump-user" else []
    # A run that does not exist still opens the embedded ledger and reads it: everything the dump needs.
    assert _imported_by(tmp_path, TRAINING_STACK, command, "-r", "nope", *user) == []


@pytest.fixture
def silent_rpc() -> Iterator[socket.socket]:
    """A TCP port that accepts connections and never answers: a command waiting on it waits until stopped."""
    server = socket.create_server(("127.0.0.1", 0))
    try:
        yield server
    finally:
        server.close()


def _console_script(*argv: str, cwd: Path) -> subprocess.Popen[str]:
    script = Path(sys.executable).with_name("psyche-solana-client")
    return subprocess.Popen([str(script), *argv], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_ctrl_c_while_a_command_waits_on_the_chain_exits_quietly_with_130(
    tmp_path: Path, silent_rpc: socket.socket
) -> None:
    port = silent_rpc.getsockname()[1]
    process = _console_script("json-dump-run", "-r", "demo", "--rpc", f"http://127.0.0.1:{port}", cwd=tmp_path)
    silent_rpc.settimeout(30)
    connection, _ = silent_rpc.accept()  # the command is past its imports and waits for the RPC's answer
    try:
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        connection.close()
    assert (process.returncode, stdout, stderr) == (130, "", "")


# Delivers a real SIGINT to this process while the command's own module is being imported.
_INTERRUPT_DURING_IMPORT = """
import importlib.abc, os, signal, sys

module = sys.argv[1]

class InterruptOnImport(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == module:
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, InterruptOnImport())
from client.cli import main
sys.argv = ["psyche-solana-client", *sys.argv[2:]]
main()
"""


@pytest.mark.parametrize(
    ("module", "argv"),
    [
        ("client.cli.app", ["--help"]),
        ("client.cli.train", ["train", "-r", "demo"]),
        ("client.cli.inspection", ["json-dump-run", "-r", "demo"]),
    ],
)
def test_ctrl_c_during_the_imports_exits_quietly_with_130(tmp_path: Path, module: str, argv: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-c", _INTERRUPT_DURING_IMPORT, module, *argv],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout, result.stderr) == (130, "", "")
