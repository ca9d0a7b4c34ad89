"""The same 3-client run's step time on a centralized server and on the Solana validator, side by side.

Both runs are the local testnets as a user starts them, headless, on the same config (3 clients, the ~0.8M
Dummy model, 16 steps; ``tests/client/testnet/config/tiny-three``): ``psyche-local-testnet --validator process``
(clients over JSON-RPC + PubSub to a ``psyche-validator`` child, transactions, ticks) and
``psyche-centralized-local-testnet`` (clients over TCP to the in-process server, no chain). The step time is the
median interval between consecutive RoundTrain starts in the clients' JSON logs, the first two rounds left out
(bench_training's ``pipeline`` measure). The ratio is centralized / validator: below 1, the server is faster.

Run: ``.venv/bin/python benchmarks/bench_centralized.py [--config DIR]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_training import percentiles, state_starts  # noqa: E402

from validator.ports import free_ports  # noqa: E402

CONFIG = REPO / "tests" / "client" / "testnet" / "config" / "tiny-three"
SKIPPED_ROUNDS = 2
LAUNCHERS = {
    "validator": ["client.testnet.cli", "start", "--validator", "process"],
    "centralized": ["client.testnet.centralized_cli", "start", "--server-port"],
}


def run(mode: str, config: Path, log_dir: Path, timeout_s: float) -> list[float]:
    """Start the ``mode`` testnet to the run's end; the step times (s) of its steps after the skipped rounds."""
    command = [sys.executable, "-m", *LAUNCHERS[mode]]
    if mode == "centralized":
        command.append(str(free_ports(1)[0]))
    command += ["--headless", "--num-clients", "3", "--config-path", str(config), "--write-log", str(log_dir)]
    command += ["--headless-exit-after-secs", str(timeout_s)]
    env = {**os.environ, "OMP_NUM_THREADS": str(max(1, (os.cpu_count() or 1) // 3))}
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout_s + 120, env=env)
    events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    summary = next((event for event in events if event.get("event") == "summary"), {})
    if (reason := summary.get("reason")) != "Finished":
        detail = result.stderr[-3000:]
        raise SystemExit(f"the {mode} run ended {reason} (exit {result.returncode}), not Finished: {detail}")
    starts = state_starts(sorted(log_dir.rglob("client-*.jsonl")), "RoundTrain")
    steps = sorted(starts)[SKIPPED_ROUNDS:]
    return [starts[b] - starts[a] for a, b in zip(steps, steps[1:], strict=False) if b == a + 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, default=CONFIG, help="a 3-client config directory")
    parser.add_argument("--timeout", type=float, default=600, help="seconds each run may take")
    args = parser.parse_args()
    print(f"same 3-client run ({args.config.relative_to(REPO) if args.config.is_relative_to(REPO) else args.config})")
    print(f"{os.cpu_count()} CPUs; step = RoundTrain to RoundTrain, median (p10-p90) in s, first 2 rounds left out")
    medians = {}
    with tempfile.TemporaryDirectory() as work:
        for mode in ("validator", "centralized"):
            print(f"  running the {mode} testnet...", flush=True)
            times = run(mode, args.config, Path(work) / mode, args.timeout)
            medians[mode] = statistics.median(times)
            print(f"  {mode:<12} {percentiles(times)}  ({len(times)} steps)")
    print(f"  ratio centralized / validator: {medians['centralized'] / medians['validator']:.2f}")


if __name__ == "__main__":
    main()
