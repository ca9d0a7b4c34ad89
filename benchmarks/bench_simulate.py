"""How fast ``simulate`` rehearses a run: simulated seconds per wall second for 16, 64 and 256 clients, and the wall
time of a 24-hour run of 256 clients (the goal: under a minute).

The run is a mid-sized one (below): 2-minute training deadline, 15 s witness phase, 1-hour epochs, every client a
witness candidate (``witness_nodes = 0``: 32 witnesses a round), no churn. Clients train in half the deadline, so
a round takes ~75 s: a day is ~1,100 rounds, ~35,000 witness transactions and ~6,000 joins, all executed by the
real programs on the runtime.

Run: ``.venv/bin/python benchmarks/bench_simulate.py [--hours H] [--extrapolate]``; ``--hours`` sets the simulated
time of the per-size measurements (default 2), ``--extrapolate`` estimates the 24-hour run from the 256-client rate
instead of running it.
"""

from __future__ import annotations

import argparse
import time

import tomli_w

from client.run_config import parse_run_config
from client.run_config.small_run import constant_lr, small_run
from client.simulate import SimulationSettings, build_report, run_simulation

BENCH_CONFIG = tomli_w.dumps(
    small_run(
        config={
            "warmup_time": 60,
            "cooldown_time": 60,
            "max_round_train_time": 120,
            "round_witness_time": 15,
            "epoch_time": 3600,
            "waiting_for_members_extra_time": 30,
            "min_clients": 16,
            "init_min_clients": 16,
            "global_batch_size_start": 512,
            "global_batch_size_end": 512,
            "total_steps": 1_000_000,
        },
        llm={"max_seq_len": 2048, "lr_schedule": constant_lr(4.0e-4, warmup_steps=2)},
    )
)
DAY = 24 * 3600


def measure(clients: int, duration_s: int) -> tuple[float, float, int, int]:
    """Wall seconds, CPU seconds (the figure that does not depend on other load), rounds and transactions."""
    settings = SimulationSettings(
        run_config=parse_run_config(BENCH_CONFIG, "bench config"),
        clients=clients,
        duration_s=duration_s,
        earning_rate=1_000_000,
        config_name="bench",
    )
    started, cpu_started = time.perf_counter(), time.process_time()
    run = run_simulation(settings)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    figures = build_report(run).figures
    return wall, cpu, figures.rounds, sum(figures.transactions_sent.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=2.0, help="simulated hours per measurement")
    parser.add_argument("--extrapolate", action="store_true", help="do not run the 24-hour, 256-client simulation")
    args = parser.parse_args()
    duration = round(args.hours * 3600)
    print(f"simulated {args.hours:g} h per size; config: train deadline 120 s, witness 15 s, epoch 1 h")
    print(f"{'clients':>8} {'wall s':>8} {'cpu s':>8} {'rounds':>7} {'txs':>7} {'txs/s':>7} {'sim s / wall s':>15}")
    rate_256 = 0.0
    for clients in (16, 64, 256):
        wall, cpu, rounds, txs = measure(clients, duration)
        rate_256 = duration / wall
        print(f"{clients:>8} {wall:>8.2f} {cpu:>8.2f} {rounds:>7} {txs:>7} {txs / wall:>7.0f} {rate_256:>15,.0f}")
    if args.extrapolate:
        print(f"24 h with 256 clients: ~{DAY / rate_256:.0f} s wall (extrapolated from the 256-client rate)")
        return
    wall, cpu, rounds, txs = measure(256, DAY)
    verdict = "under" if wall < 60 else "OVER"
    print(
        f"24 h with 256 clients: {wall:.1f} s wall, {cpu:.1f} s CPU ({rounds} rounds, {txs} transactions); "
        f"{verdict} the 60 s goal"
    )


if __name__ == "__main__":
    main()
