"""How fast ``simulate`` rehearses a run: simulated seconds per wall second for 16, 64 and 256 clients, and the wall
time of a 7-day run of 256 clients with its outputs written (the goal: under a minute), the drawing timed apart.

The run is a mid-sized one (below): 2-minute training deadline, 15 s witness phase, 1-hour epochs, every client a
witness candidate (``witness_nodes = 0``: 32 witnesses a round), no churn. Clients train in half the deadline, so
a round takes ~75 s: a day is ~1,100 rounds, ~35,000 witness transactions and ~6,000 joins, all executed by the
real programs on the runtime.

Run: ``.venv/bin/python benchmarks/bench_simulate.py [--hours H] [--days D] [--runs N] [--extrapolate]``;
``--hours`` sets the simulated time of the per-size measurements (default 2), ``--days`` the long run's (default 7;
the run does not finish inside it), ``--runs N`` makes the long run N times and prints the median,
``--extrapolate`` estimates the long run from the 256-client rate instead of running it. CPU seconds are printed
beside wall seconds, and the load average beside both: on a shared machine the CPU seconds are the figure that
depends least on the load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import tomli_w

from client.simulate import SimulationReport, SimulationSettings, build_report, run_simulation
from client.simulate.command import write_outputs
from client.simulate.timeline import write_timeline
from formats.run_config import parse_run_config
from formats.run_config.small_run import constant_lr, small_run

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


def simulate(clients: int, duration_s: int) -> tuple[float, float, SimulationReport]:
    """Wall and CPU seconds of one simulation and its report."""
    settings = SimulationSettings(
        run_config=parse_run_config(BENCH_CONFIG, "bench config"),
        clients=clients,
        duration_s=duration_s,
        earning_rate=1_000_000,
        config_name="bench",
    )
    started, cpu_started = time.perf_counter(), time.process_time()
    report = build_report(run_simulation(settings))
    return time.perf_counter() - started, time.process_time() - cpu_started, report


def measure(clients: int, duration_s: int) -> tuple[float, float, int, int]:
    """Wall seconds, CPU seconds (the figure that does not depend on other load), rounds and transactions."""
    wall, cpu, report = simulate(clients, duration_s)
    return wall, cpu, report.figures.rounds, sum(report.figures.transactions_sent.values())


def write_timed(report: SimulationReport) -> tuple[float, float]:
    """Wall seconds to write report.txt, report.json and timeline.png, and to draw the PNG alone."""
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        write_outputs(report, Path(out))
        wall = time.perf_counter() - started
        png = Path(out) / "timeline.png"
        png.unlink()
        started = time.perf_counter()
        write_timeline(report, png)
        return wall, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=2.0, help="simulated hours per measurement")
    parser.add_argument("--days", type=float, default=7.0, help="simulated days of the long 256-client run")
    parser.add_argument("--extrapolate", action="store_true", help="do not run the long 256-client simulation")
    parser.add_argument("--runs", type=int, default=1, help="long runs to make (their median is printed)")
    args = parser.parse_args()
    duration = round(args.hours * 3600)
    print(
        f"simulated {args.hours:g} h per size; config: train deadline 120 s, witness 15 s, epoch 1 h; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(f"{'clients':>8} {'wall s':>8} {'cpu s':>8} {'rounds':>7} {'txs':>7} {'txs/s':>7} {'sim s / wall s':>15}")
    rate_256 = 0.0
    for clients in (16, 64, 256):
        wall, cpu, rounds, txs = measure(clients, duration)
        rate_256 = duration / wall
        print(f"{clients:>8} {wall:>8.2f} {cpu:>8.2f} {rounds:>7} {txs:>7} {txs / wall:>7.0f} {rate_256:>15,.0f}")
    long_s = round(args.days * DAY)
    if args.extrapolate:
        print(f"{args.days:g} d with 256 clients: ~{long_s / rate_256:.0f} s wall (extrapolated from 256 clients)")
        return
    totals, cpus = [], []
    for _ in range(args.runs):
        load = os.getloadavg()[0]
        wall, cpu, report = simulate(256, long_s)
        outputs, drawing = write_timed(report)
        figures = report.figures
        total = wall + outputs
        totals.append(total)
        cpus.append(cpu)
        transactions = sum(figures.transactions_sent.values())
        verdict = "under" if total < 60 else "OVER"
        print(
            f"{args.days:g} d with 256 clients: simulation {wall:.1f} s wall / {cpu:.1f} s CPU "
            f"({figures.rounds} rounds, {transactions} transactions, {cpu / transactions * 1e6:.0f} us CPU each, "
            f"final state {figures.final_state}), outputs {outputs:.1f} s (timeline.png alone {drawing:.1f} s); "
            f"{total:.1f} s in all, {verdict} the 60 s goal; load average {load:.1f} -> {os.getloadavg()[0]:.1f}"
        )
    if args.runs > 1:
        median_total, median_cpu = statistics.median(totals), statistics.median(cpus)
        print(f"median of {args.runs}: {median_total:.1f} s wall in all, {median_cpu:.1f} s CPU")


if __name__ == "__main__":
    main()
