"""What one lying participant costs two honest clients: run time and peak memory, attack beside honest run.

Each row runs the same small run (the Dummy ~0.8M-parameter model, 12 sequences of 64 tokens per step, in-process
clients on one bank, ``tests/client/participant/train_harness.py``) with three clients: twice with all three honest
and once with the third misbehaving as ``train --adversary NAME`` does. It prints the wall time of the run, its ratio
to the honest runs' mean, the growth of this process's peak RSS (all three clients live in it), and whether the two
honest clients ended bit-identical. The issue's figures for the old client: a 1 byte/s peer made a 40-step run take
66-73 s instead of 22-31 s; a 1 GiB blob added 2.1 GB RSS per download.

Run: ``.venv/bin/python benchmarks/bench_attacks.py [--steps 40] [--attack slow-blob --attack oversized-blob ...]``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from client.participant.adversary import ADVERSARIES  # noqa: E402
from tests.client.participant.train_harness import TrainRun, peak_rss_growth, run_toml  # noqa: E402


def run_once(adversary: str | None, steps: int) -> tuple[float, int, bool]:
    """Seconds, peak RSS growth in bytes, and whether the honest clients' final weights agree."""
    run = TrainRun(run_toml(epoch_time=600, total_steps=steps, deadline=8))
    clients = [run.client(0), run.client(1), run.client(2, adversary=adversary)]
    began = time.monotonic()
    with peak_rss_growth() as growth:
        asyncio.run(run.run_all(clients, timeout=max(300, 10 * steps)))
    seconds = time.monotonic() - began
    last = [c.rounds[-1].parameter_hash for c in clients[:2]]
    return seconds, growth[0], last[0] == last[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--attack", action="append", choices=sorted(set(ADVERSARIES) - {"honest"}))
    args = parser.parse_args()
    attacks = args.attack or ["slow-blob", "oversized-blob", "equivocate", "scaled-flipped", "early-flood"]
    honest = []
    for attempt in (1, 2):
        seconds, growth, same = run_once(None, args.steps)
        honest.append(seconds)
        print(f"honest run {attempt}: {seconds:6.1f} s  peak RSS +{growth / 2**20:5.0f} MiB  honest identical {same}")
    baseline = statistics.mean(honest)
    for attack in attacks:
        seconds, growth, same = run_once(attack, args.steps)
        print(
            f"{attack:>16}: {seconds:6.1f} s ({seconds / baseline:4.2f}x honest)  "
            f"peak RSS +{growth / 2**20:5.0f} MiB  "
            f"honest identical {same}",
            flush=True,
        )


if __name__ == "__main__":
    main()
