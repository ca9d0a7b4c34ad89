"""How long ``psyche-solana-client`` takes to answer, per command, against the goals and against eager imports.

Each command runs as a fresh process (the console script, as a shell runs it) ``--repeat`` times; the median wall
time is printed next to its goal (``--help`` and ``keygen`` 0.5 s, ``json-dump-*`` 1 s, a refused RPC 1 s) and
next to two references measured in the same invocation: a bare ``python -c pass`` (the floor), and importing every
command's module up front, which is what every command paid before the group loaded them on demand. The
``json-dump-*`` rows read a run on an embedded ledger made once beforehand.

Run: ``.venv/bin/python benchmarks/bench_cli_startup.py [--repeat 7]``.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

SCRIPT = Path(sys.executable).with_name("psyche-solana-client")
EVERY_COMMAND_MODULE = (
    "import client.cli.app, client.cli.run_admin, client.cli.run_activity, client.cli.authorization, "
    "client.cli.inspection, client.cli.treasurer, client.cli.local_chain, client.cli.train, client.simulate.command"
)


def median_seconds(argv: Sequence[str], cwd: Path, repeat: int, ok_codes: tuple[int, ...] = (0,)) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if result.returncode not in ok_codes:
            raise SystemExit(f"{' '.join(argv)} failed ({result.returncode}): {result.stderr[-500:]}")
    return statistics.median(times)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs per command (the median is shown)")
    args = parser.parse_args()
    cli = [str(SCRIPT)]
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        subprocess.run([*cli, "keygen", "new", "-o", "owner.json"], cwd=work, check=True, capture_output=True)
        subprocess.run([*cli, "airdrop", "10", "-w", "owner.json"], cwd=work, check=True, capture_output=True)
        subprocess.run([*cli, "create-run", "-r", "bench", "-c", "test", "-w", "owner.json"], cwd=work, check=True,
                       capture_output=True)  # fmt: skip
        owner = subprocess.run([*cli, "keygen", "pubkey", "owner.json"], cwd=work, check=True, capture_output=True,
                               text=True).stdout.strip()  # fmt: skip
        refused = f"http://127.0.0.1:{closed_port()}"
        rows = [
            ("python -c pass (the floor)", [sys.executable, "-c", "pass"], None, (0,)),
            ("import every command module", [sys.executable, "-c", EVERY_COMMAND_MODULE], None, (0,)),
            ("--help", [*cli, "--help"], 0.5, (0,)),
            ("keygen new", [*cli, "keygen", "new", "-o", "k.json", "--force"], 0.5, (0,)),
            ("keygen pubkey", [*cli, "keygen", "pubkey", "owner.json"], 0.5, (0,)),
            ("json-dump-run (embedded ledger)", [*cli, "json-dump-run", "-r", "bench"], 1.0, (0,)),
            (
                "json-dump-user (embedded ledger)",
                [*cli, "json-dump-user", "-r", "bench", "--address", owner],
                1.0,
                (0,),
            ),  # fmt: skip
            ("json-dump-run, RPC refused", [*cli, "json-dump-run", "-r", "bench", "--rpc", refused], 1.0, (1,)),
        ]
        measured = {name: median_seconds(argv, work, args.repeat, codes) for name, argv, _, codes in rows}
    eager = measured["import every command module"]
    print(f"{'command':36} {'median s':>9} {'goal s':>7} {'vs goal':>8} {'vs eager imports':>17}")
    for name, _, goal, _ in rows:
        seconds = measured[name]
        goal_text = "" if goal is None else f"{goal:.1f}"
        ratio = "" if goal is None else f"{seconds / goal:.2f}x"
        print(f"{name:36} {seconds:9.3f} {goal_text:>7} {ratio:>8} {seconds / eager:16.2f}x")


if __name__ == "__main__":
    main()
