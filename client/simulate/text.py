"""The report as text: the figures a run owner reads first, then the epochs, then what happened in plain words."""

from __future__ import annotations

import textwrap

from client.amounts import ui_text
from client.simulate.durations import format_duration
from client.simulate.report import SimulationReport

__all__ = ["render_text"]

WIDTH = 119
LISTED_CLIENTS = 16
_ENDS = {
    "epoch_time": "epoch timer",
    "no_witnesses": "no witness reported",
    "no_quorum": "witness quorum missed",
    "too_few_clients": "too few clients",
    "total_steps": "total_steps reached",
    "warmup_too_few_clients": "too few clients in Warmup",
}


def _row(label: str, value: str) -> str:
    return f"  {label:<25}{value}"


def _covered(simulated_s: float, duration_s: int) -> str:
    """The simulated time, and the window asked for when the run finished before its end."""
    if simulated_s >= duration_s:
        return format_duration(duration_s)
    return f"{format_duration(simulated_s)} (the run finished; {format_duration(duration_s)} asked for)"


def _optional_duration(seconds: float | None) -> str:
    return "-" if seconds is None else format_duration(seconds)


def _points_by_client(report: SimulationReport) -> list[str]:
    """Each client's points (and whether it is slow), for runs small enough to list."""
    clients = report.figures.clients_detail
    if len(clients) > LISTED_CLIENTS:
        return []
    listed = ", ".join(f"#{c.index}{' (slow)' if c.slow else ''} {c.points:,}" for c in clients)
    return textwrap.wrap(listed, WIDTH, initial_indent=_row("", ""), subsequent_indent=_row("", ""))


def render_text(report: SimulationReport) -> str:
    """The whole text report, ending with a newline."""
    f, p = report.figures, report.performance
    t = f.treasury
    per_round = "-" if f.mean_clients_per_round is None else f"{f.mean_clients_per_round:.1f}"
    lines = [
        f"Simulated {_covered(f.simulated_s, f.duration_s)} of {f.config} with {f.clients} clients (seed {f.seed}) in "
        f"{p.wall_seconds:.1f} s: {p.simulated_seconds_per_wall_second:,.0f} simulated seconds per second.",
        "",
        "Run",
        _row("final state", f.final_state),
        _row("epochs completed", f"{f.epochs_completed} (mean epoch {_optional_duration(f.mean_epoch_s)})"),
        _row("steps completed", f"{f.steps_completed}"),
        _row("steps trained", f"{f.steps_trained} ({f.steps_per_hour:,.1f} per hour)"),
        _row(
            "rounds",
            f"{f.rounds} ({f.rounds_ended_early} ended before the training deadline; "
            f"one every {_optional_duration(f.mean_round_s)})",
        ),
        _row("tokens trained", f"{f.tokens_trained:,} ({f.tokens_per_step:,} per step at full batch)"),
        "",
        "Time in each run state",
        *(_row(s.state, f"{format_duration(s.seconds):>15} {s.share:7.1%}") for s in f.time_in_states),
        "",
        "Clients",
        _row("most in one epoch", f"{f.most_clients_in_epoch} (mean per round {per_round})"),
        _row("dropped out", f"{f.dropouts} times"),
        _row("dropped by health checks", f"{f.health_check_drops} times"),
        _row("came back", f"{f.returns} times"),
        _row("could never register", f"{f.clients_refused}"),
        _row(
            "points per client",
            f"min {f.points_min:,} / mean {f.points_mean:,.1f} / max {f.points_max:,} (base units)",
        ),
        *_points_by_client(report),
        "",
        "Treasury (1 point = 1 base unit of the collateral mint; the CLI takes UI units)",
        _row(
            "collateral mint",
            f"{t.decimals} decimals (--decimals): 1 UI unit = {10**t.decimals:,} base units",
        ),
        _row(
            "earning rate",
            f"{t.earning_rate:,} base units = {ui_text(t.earning_rate_ui)} UI units per epoch, shared by the clients "
            "that finish it",
        ),
        _row("", f"(set-future-epoch-rates --earning-rate-total-shared {ui_text(t.earning_rate_ui)})"),
        _row(
            "slashing rate",
            f"{t.slashing_rate:,} base units = {ui_text(t.slashing_rate_ui)} UI units per client (never charged: "
            "nothing ejects a client)",
        ),
        _row(
            "points credited",
            f"{t.points_credited:,} base units = {ui_text(t.points_credited_ui)} UI units (at most "
            f"{t.most_payable:,} base units: {t.earning_rate:,} for each completed epoch)",
        ),
        _row(
            "treasury needed",
            f"{t.needed:,} base units = {ui_text(t.needed_ui)} UI units (credited points + {t.safety_buffer:.0%} "
            "safety buffer)",
        ),
        _row("", f"(treasurer-top-up-rewards --collateral-amount {ui_text(t.needed_ui)})"),
        "",
        "Epochs",
        f"  {'epoch':>5} {'start':>13} {'length':>13} {'clients':>7} {'rounds':>6} {'trained':>7} {'points':>12}"
        "  ended because",
    ]
    for e in f.epochs:
        length = None if e.ended_s is None else e.ended_s - e.started_s
        ended = _ENDS.get(e.end or "", "still running")
        lines.append(
            f"  {e.epoch:>5} {format_duration(e.started_s):>13} {_optional_duration(length):>13} {e.clients:>7} "
            f"{e.rounds:>6} {e.steps_trained:>7} {e.points_credited:>12,}  {ended}"
        )
    if not f.epochs:
        lines.append("  (none)")
    lines += ["", "What happened"]
    for finding in f.findings:
        lines += textwrap.wrap(finding.text, WIDTH, initial_indent="  - ", subsequent_indent="    ")
    sent = ", ".join(f"{name} {count:,}" for name, count in f.transactions_sent.items())
    refused = sum(f.transactions_refused.values())
    lines += ["", f"Transactions: {sum(f.transactions_sent.values()):,} sent ({sent}); {refused:,} refused."]
    return "\n".join(lines) + "\n"
