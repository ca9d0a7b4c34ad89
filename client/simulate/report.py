"""The figures a run owner asks for, computed from what a simulation observed; and their JSON form.

Everything here is deterministic for a given seed except the wall-clock figures, which are kept apart in
:class:`Performance` so two runs of one seed give identical :attr:`SimulationReport.figures`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from enum import Enum
from typing import Any

from client.json_dump import ui_amount
from client.simulate.driver import SimulationRun
from client.simulate.findings import Finding, findings_of
from client.simulate.record import RoundRecord
from coordinator_program.core.types import RunState

__all__ = [
    "StateTime",
    "EventCounts",
    "EpochSummary",
    "ClientSummary",
    "Treasury",
    "Figures",
    "Performance",
    "SimulationReport",
    "build_report",
]


@dataclass(frozen=True)
class StateTime:
    state: str
    seconds: float
    share: float


@dataclass(frozen=True)
class EpochSummary:
    epoch: int
    started_s: float
    ended_s: float | None
    clients: int
    rounds: int
    steps_trained: int
    end: str | None
    points_credited: int
    clients_paid: int


@dataclass(frozen=True)
class ClientSummary:
    index: int
    pubkey: str
    slow: bool
    points: int
    health_check_dropped: bool
    refused: str | None


@dataclass(frozen=True)
class Treasury:
    """Points are paid 1 base unit of the collateral mint each by the treasurer; the buffer covers a luckier run.

    The integer amounts are base units (points), what the chain stores; the ``*_ui`` ones are the same amounts in
    UI units of a mint with ``decimals`` decimals, what ``set-future-epoch-rates`` and ``treasurer-top-up-rewards``
    take on the command line.
    """

    earning_rate: int
    slashing_rate: int
    points_credited: int
    most_payable: int
    safety_buffer: float
    needed: int
    decimals: int
    earning_rate_ui: float
    slashing_rate_ui: float
    points_credited_ui: float
    needed_ui: float


@dataclass(frozen=True)
class Figures:
    config: str
    clients: int
    duration_s: int
    simulated_s: float
    """What the simulation covered: ``duration_s``, or less when the run finished (nothing happens after)."""
    seed: int
    final_state: str
    time_in_states: list[StateTime]
    epochs_completed: int
    mean_epoch_s: float | None
    steps_completed: int
    steps_trained: int
    steps_per_hour: float
    tokens_per_step: int
    tokens_trained: int
    rounds: int
    rounds_ended_early: int
    mean_round_s: float | None
    most_clients_in_epoch: int
    mean_clients_per_round: float | None
    dropouts: int
    returns: int
    health_check_drops: int
    clients_refused: int
    points_min: int
    points_mean: float
    points_max: int
    treasury: Treasury
    transactions_sent: dict[str, int]
    transactions_refused: dict[str, int]
    epochs: list[EpochSummary]
    clients_detail: list[ClientSummary]
    findings: list[Finding]


@dataclass(frozen=True)
class Performance:
    wall_seconds: float
    simulated_seconds_per_wall_second: float


@dataclass(frozen=True)
class EventCounts:
    """How many events lie behind the figures (their detail is in the JSON report with ``--events``)."""

    rounds: int
    state_changes: int
    client_count_changes: int


@dataclass(frozen=True)
class SimulationReport:
    """The figures, what they cost to compute, and the timelines behind them (every round, state and client count)."""

    figures: Figures
    performance: Performance
    rounds: list[RoundRecord]
    timeline_states: list[tuple[float, str]]
    timeline_clients: list[tuple[float, int, int]]

    def to_json(self, *, events: bool = False) -> dict[str, Any]:
        """Plain JSON values for ``report.json``: the figures and how many events lie behind them, and with
        ``events`` every round, state change and client count too (a week of a large run is ~20 000 rounds, so
        they are left out unless asked for)."""
        document: dict[str, Any] = {
            "figures": _jsonable(asdict(self.figures)),
            "performance": asdict(self.performance),
            "events": asdict(EventCounts(len(self.rounds), len(self.timeline_states), len(self.timeline_clients))),
        }
        if events:
            document["rounds"] = [_jsonable(asdict(record)) for record in self.rounds]
            document["timeline_states"] = [{"at_s": at, "state": state} for at, state in self.timeline_states]
            document["timeline_clients"] = [
                {"at_s": at, "online": online, "in_epoch": in_epoch} for at, online, in_epoch in self.timeline_clients
            ]
        return document


def _jsonable(value: Any) -> Any:
    """``asdict`` output with enums replaced by their values."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


def _time_in_states(run: SimulationRun) -> list[StateTime]:
    states = run.record.states
    end = run.record.ended_s
    totals: dict[RunState, float] = {}
    for (at, state), (next_at, _) in zip(states, [*states[1:], (end, RunState.Finished)], strict=True):
        totals[state] = totals.get(state, 0.0) + max(0.0, min(next_at, end) - at)
    return [
        StateTime(state.display_name, seconds, seconds / end if end else 0.0)
        for state, seconds in sorted(totals.items())
        if seconds > 0
    ]


def _treasury(run: SimulationRun, credited: int, epochs_ended: int) -> Treasury:
    settings = run.settings
    decimals = settings.decimals
    needed = math.ceil(credited * (1 + settings.safety_buffer))
    return Treasury(
        earning_rate=settings.earning_rate,
        slashing_rate=settings.slashing_rate,
        points_credited=credited,
        most_payable=settings.earning_rate * epochs_ended,
        safety_buffer=settings.safety_buffer,
        needed=needed,
        decimals=decimals,
        earning_rate_ui=ui_amount(settings.earning_rate, decimals),
        slashing_rate_ui=ui_amount(settings.slashing_rate, decimals),
        points_credited_ui=ui_amount(credited, decimals),
        needed_ui=ui_amount(needed, decimals),
    )


def build_report(run: SimulationRun) -> SimulationReport:
    """Every figure of the report, from one finished simulation."""
    settings, record = run.settings, run.record
    coordinator = run.account.state.coordinator
    seq_len = int(coordinator.model.llm.max_seq_len)
    completed = [r for r in record.rounds if r.completed]
    trained = [r for r in completed if r.trained]
    ended = [e for e in record.epochs if e.ended_s is not None]
    earned = {bytes(c.id.signer): int(c.earned) for c in run.account.state.clients_state.clients}
    clients = [
        ClientSummary(
            index=c.index,
            pubkey=str(c.pubkey),
            slow=c.slow,
            points=earned.get(c.signer, 0),
            health_check_dropped=c.index in record.dropped_clients,
            refused=c.refused,
        )
        for c in run.clients
    ]
    points = [c.points for c in clients]
    credited = sum(points)
    steps_completed = max(0, int(coordinator.progress.step) - 1)
    running_s = record.ended_s
    figures = Figures(
        config=settings.config_name,
        clients=settings.clients,
        duration_s=settings.duration_s,
        simulated_s=record.ended_s,
        seed=settings.seed,
        final_state=RunState(coordinator.run_state).display_name,
        time_in_states=_time_in_states(run),
        epochs_completed=len(ended),
        mean_epoch_s=sum(e.ended_s - e.started_s for e in ended if e.ended_s) / len(ended) if ended else None,
        steps_completed=steps_completed,
        steps_trained=len(trained),
        steps_per_hour=len(trained) * 3600 / running_s if running_s else 0.0,
        tokens_per_step=int(coordinator.config.global_batch_size_end) * seq_len,
        tokens_trained=sum(r.batch_size for r in trained) * seq_len,
        rounds=len(record.rounds),
        rounds_ended_early=sum(1 for r in completed if r.ended_early),
        mean_round_s=_mean_round_s(record.rounds),
        most_clients_in_epoch=max((e.clients for e in record.epochs), default=0),
        mean_clients_per_round=sum(r.clients for r in record.rounds) / len(record.rounds) if record.rounds else None,
        dropouts=record.dropouts,
        returns=record.returns,
        health_check_drops=record.health_check_drops,
        clients_refused=len(record.refused_joins),
        points_min=min(points),
        points_mean=credited / len(points),
        points_max=max(points),
        treasury=_treasury(run, credited, len(ended)),
        transactions_sent=dict(sorted(record.transactions.sent.items())),
        transactions_refused={
            f"{name}: {error}": count for (name, error), count in sorted(record.transactions.failed.items())
        },
        epochs=[
            EpochSummary(
                epoch=e.epoch,
                started_s=e.started_s,
                ended_s=e.ended_s,
                clients=e.clients,
                rounds=e.rounds,
                steps_trained=e.steps_trained,
                end=e.end.value if e.end else None,
                points_credited=e.points_credited,
                clients_paid=e.clients_paid,
            )
            for e in record.epochs
        ],
        clients_detail=clients,
        findings=findings_of(run),
    )
    return SimulationReport(
        figures=figures,
        performance=Performance(run.wall_seconds, record.ended_s / run.wall_seconds if run.wall_seconds else 0),
        rounds=list(record.rounds),
        timeline_states=[(at, state.display_name) for at, state in record.states],
        timeline_clients=list(record.client_counts),
    )


def _mean_round_s(rounds: list[RoundRecord]) -> float | None:
    """Mean time from one round's start to the next's (training plus witness phase), within epochs."""
    gaps = [b.started_s - a.started_s for a, b in zip(rounds, rounds[1:], strict=False) if a.epoch == b.epoch]
    return sum(gaps) / len(gaps) if gaps else None
