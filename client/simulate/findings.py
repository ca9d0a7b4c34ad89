"""What happened in a simulated run, in plain words: why it waited, why epochs ended, who was dropped and why.

Each finding names the config fields involved, so a run owner knows what to change. The reasons come from the
coordinator's own checks, observed on the chain (spec coordinator.md §1.3, §5).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from client.simulate.durations import format_duration
from client.simulate.record import EpochEnd, EpochRecord, RoundRecord
from coordinator_program.core.types import CoordinatorConfig, RunState

if TYPE_CHECKING:
    from client.simulate.driver import SimulationRun

__all__ = ["FindingKind", "Finding", "findings_of"]


class FindingKind(Enum):
    NEVER_STARTED = "never_started"
    STUCK_WAITING = "stuck_waiting"
    STALLED = "stalled"
    FINISHED = "finished"
    EPOCH_TIME = "epoch_time"
    NO_QUORUM = "no_quorum"
    NO_WITNESSES = "no_witnesses"
    TOO_FEW_CLIENTS = "too_few_clients"
    WARMUP_TOO_FEW_CLIENTS = "warmup_too_few_clients"
    SLOW_CLIENTS = "slow_clients"
    ROUNDS_TO_DEADLINE = "rounds_to_deadline"
    HEALTH_CHECK_DROPS = "health_check_drops"
    BATCH_SMALLER_THAN_CLIENTS = "batch_smaller_than_clients"
    REGISTRATION_REFUSED = "registration_refused"
    NO_EARNING_RATE = "no_earning_rate"
    REFUSED_TRANSACTIONS = "refused_transactions"


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    text: str


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one}" if count == 1 else f"{count} {many or one + 's'}"


def _at(seconds: float) -> str:
    return format_duration(seconds)


def _last_round(rounds: list[RoundRecord], epoch: int) -> RoundRecord | None:
    completed = [r for r in rounds if r.epoch == epoch and r.completed]
    return completed[-1] if completed else None


def _waiting(run: SimulationRun, config: CoordinatorConfig) -> Finding | None:
    """The run ended in Waiting for members, longer than it ever has to: it lacked clients."""
    record = run.record
    started, state = record.states[-1]
    if state is not RunState.WaitingForMembers or record.ended_s - started <= config.waiting_for_members_extra_time:
        return None
    need, most = int(config.init_min_clients), record.most_pending
    why, advice = [], []
    if run.settings.clients < need:
        why.append(f"only {_plural(run.settings.clients, 'client was', 'clients were')} simulated")
        advice.append(f"bring at least {need} clients")
    if record.refused_joins:
        advice.append(f"raise global_batch_size_end above {config.global_batch_size_end} so more can register")
        why.append(
            f"{_plural(len(record.refused_joins), 'client')} could never register, because the program refuses a new "
            f"client once global_batch_size_end = {config.global_batch_size_end} clients have registered "
            "(MoreClientsThanBatches)"
        )
    offline = sum(1 for client in run.clients if not client.online)
    if offline:
        why.append(f"{_plural(offline, 'was', 'were')} offline at the end")
    reasons = "; ".join(why) or "clients came and went without ever being enough at once"
    if most:
        both = f" (and min_clients, now {config.min_clients})" if most < config.min_clients else ""
        advice.append(f"lower init_min_clients to {most}{both}")
    if not record.epochs:
        return Finding(
            FindingKind.NEVER_STARTED,
            f"The run never left Waiting for members. It starts an epoch only when init_min_clients = {need} "
            f"clients are waiting to join at the same time, and at most {most} ever were: {reasons}. To start it, "
            + " or ".join(advice)
            + ".",
        )
    return Finding(
        FindingKind.STUCK_WAITING,
        f"From {_at(started)} to the end the run waited for members: it needs init_min_clients = {need} clients "
        f"waiting to join at once, and at most {most} were: {reasons}.",
    )


def _stalled(run: SimulationRun, config: CoordinatorConfig) -> Finding | None:
    started, state = run.record.states[-1]
    timeouts = {
        RunState.Warmup: config.warmup_time,
        RunState.RoundTrain: config.max_round_train_time,
        RunState.RoundWitness: config.round_witness_time,
        RunState.Cooldown: config.cooldown_time,
    }
    timeout = timeouts.get(state)
    if timeout is None or any(c.online for c in run.clients) or run.record.ended_s - started <= timeout + 1:
        return None
    return Finding(
        FindingKind.STALLED,
        f"From {_at(started)} no client was online to send a tick, so the run stood still in {state.display_name} "
        "(the coordinator only moves when a transaction reaches it).",
    )


def _epoch_ends(run: SimulationRun, config: CoordinatorConfig) -> list[Finding]:
    by_end: dict[EpochEnd, list[EpochRecord]] = defaultdict(list)
    for epoch in run.record.epochs:
        if epoch.end is not None:
            by_end[epoch.end].append(epoch)
    findings = []
    for end, epochs in by_end.items():
        first = epochs[0]
        last_round = _last_round(run.record.rounds, first.epoch)
        facts = first.end_facts
        step = f"step {facts.step_after - 1}" if facts else "its last round"
        elected = last_round.elected if last_round else 0
        missing = last_round.elected_missing if last_round else 0
        count = _plural(len(epochs), "epoch")
        match end:
            case EpochEnd.EPOCH_TIME:
                ended = [e for e in epochs if e.ended_s is not None]
                mean = sum(e.ended_s - e.started_s for e in ended if e.ended_s) / len(ended) if ended else 0
                findings.append(
                    Finding(
                        FindingKind.EPOCH_TIME,
                        f"{count} ended normally: the epoch timer (epoch_time = {config.epoch_time} s, counted from "
                        "Warmup) ran out, then two more rounds ran without training, as the coordinator does. "
                        f"An epoch took {_at(mean)} on average, Warmup to the end of Cooldown.",
                    )
                )
            case EpochEnd.NO_QUORUM:
                quorum = facts.quorum if facts else 0
                reported = facts.witnesses if facts else 0
                findings.append(
                    Finding(
                        FindingKind.NO_QUORUM,
                        f"{count} cooled down early for lack of witnesses: at the witness deadline fewer elected "
                        f"witnesses had reported than the quorum (epoch {first.epoch}, {step}: {reported} of "
                        f"{elected} elected witnesses reported, quorum {quorum}; {missing} had gone offline or been "
                        "dropped by a health check in that round). The epoch ends there (its remaining clients are "
                        "still paid) and the run goes back to Waiting for members. With witness_nodes = "
                        f"{config.witness_nodes}, one missing witness can stop an epoch; with witness_nodes = 0 every "
                        "client (up to 32) witnesses and the quorum is over those who report, so it cannot fail.",
                    )
                )
            case EpochEnd.NO_WITNESSES:
                findings.append(
                    Finding(
                        FindingKind.NO_WITNESSES,
                        f"{count} ended because not one elected witness reported in a round (epoch {first.epoch}, "
                        f"{step}: 0 of {elected}; they had gone offline or been dropped by a health check). The "
                        "coordinator then withdraws every client and cools down, so that epoch paid nobody.",
                    )
                )
            case EpochEnd.TOO_FEW_CLIENTS:
                left = facts.healthy_clients if facts else 0
                findings.append(
                    Finding(
                        FindingKind.TOO_FEW_CLIENTS,
                        f"{count} ended early because fewer than min_clients = {config.min_clients} clients were "
                        f"still healthy at a witness deadline (epoch {first.epoch}, {step}: {left} left). Clients "
                        "leave an epoch when health checks drop them (offline, slow, or without data).",
                    )
                )
            case EpochEnd.WARMUP_TOO_FEW_CLIENTS:
                findings.append(
                    Finding(
                        FindingKind.WARMUP_TOO_FEW_CLIENTS,
                        f"{count} ended in Warmup with fewer than min_clients = {config.min_clients} clients, and "
                        "the run went back to Waiting for members.",
                    )
                )
            case EpochEnd.TOTAL_STEPS:
                ended_at = first.ended_s if first.ended_s is not None else run.record.ended_s
                findings.append(
                    Finding(
                        FindingKind.FINISHED,
                        f"The run reached total_steps = {config.total_steps} ({config.total_steps - 1} trained "
                        f"steps) and finished at {_at(ended_at)}, where the simulation stopped "
                        f"({_at(run.record.ended_s)} of the {_at(run.settings.duration_s)} asked for).",
                    )
                )
    return findings


def _clients(run: SimulationRun, config: CoordinatorConfig, explained_refusals: bool) -> list[Finding]:
    """Slow clients, rounds that ran to their deadline, health-check drops, refused registrations."""
    settings, record = run.settings, run.record
    findings = []
    train_s = settings.timing.train_fraction * config.max_round_train_time
    if settings.slow_clients:
        slow_s = train_s * settings.slow_factor
        late = slow_s >= config.max_round_train_time
        consequence = (
            "they never deliver in time, so rounds wait for the training deadline and health checks drop them "
            "(a dropped client earns nothing for the epoch)"
            if late
            else f"rounds last as long as the slowest client's training plus round_witness_time = "
            f"{config.round_witness_time} s"
        )
        findings.append(
            Finding(
                FindingKind.SLOW_CLIENTS,
                f"The {settings.slow_clients} slow clients need about {slow_s:.0f} s to train a round (normal clients "
                f"{train_s:.0f} s), {'more' if late else 'less'} than max_round_train_time = "
                f"{config.max_round_train_time} s: {consequence}.",
            )
        )
    trained = [r for r in record.rounds if r.completed and r.trained]
    to_deadline = [r for r in trained if not r.ended_early]
    if to_deadline:
        findings.append(
            Finding(
                FindingKind.ROUNDS_TO_DEADLINE,
                f"{len(to_deadline)} of {len(trained)} training rounds ran to the training deadline "
                f"(max_round_train_time = {config.max_round_train_time} s) because some epoch client never "
                "finished (offline, or too slow); the others ended as soon as every client was done.",
            )
        )
    if record.health_check_drops:
        slow = sum(1 for index in record.dropped_clients if run.clients[index].slow)
        findings.append(
            Finding(
                FindingKind.HEALTH_CHECK_DROPS,
                f"Health checks dropped clients {_plural(record.health_check_drops, 'time')} "
                f"({len(record.dropped_clients)} distinct clients, {slow} of them slow): their result for a round "
                "never reached the witnesses. A dropped client exits, earns nothing for that epoch, and joins "
                "again at the next Waiting for members if it comes back (--join-rate).",
            )
        )
    short = [r for r in trained if r.batch_size < r.clients]
    if short:
        findings.append(
            Finding(
                FindingKind.BATCH_SMALLER_THAN_CLIENTS,
                f"In {_plural(len(short), 'round')} the batch ({short[0].batch_size} sequences) was smaller than the "
                f"clients ({short[0].clients}): clients given no data publish nothing, so the witnesses miss them "
                "and health checks drop them. Keep global_batch_size_start at least the number of clients.",
            )
        )
    if record.refused_joins and not explained_refusals:
        reasons = {
            "MoreClientsThanBatches": f"the program refuses a new client once global_batch_size_end = "
            f"{config.global_batch_size_end} clients have ever registered",
            "ClientsFull": "the program's registry holds at most 256 clients, ever",
        }
        kinds = sorted(set(record.refused_joins.values()))
        findings.append(
            Finding(
                FindingKind.REGISTRATION_REFUSED,
                f"{_plural(len(record.refused_joins), 'client')} could never register ("
                + "; ".join(f"{kind}: {reasons.get(kind, kind)}" for kind in kinds)
                + ").",
            )
        )
    return findings


def findings_of(run: SimulationRun) -> list[Finding]:
    """Every finding of a simulated run, the most important first."""
    config = run.account.state.coordinator.config
    waiting = _waiting(run, config)
    findings = [f for f in (waiting, _stalled(run, config)) if f is not None]
    findings += _epoch_ends(run, config)
    findings += _clients(run, config, explained_refusals=waiting is not None)
    if run.settings.earning_rate == 0:
        findings.append(
            Finding(
                FindingKind.NO_EARNING_RATE,
                "No --earning-rate was given, so no points were credited and the treasury needed is 0.",
            )
        )
    refused = run.record.transactions.failed
    if refused:
        listed = ", ".join(f"{name} {error} x{count}" for (name, error), count in sorted(refused.items()))
        halted = (
            " Ticks sent in the same instant as the one that finished the run are refused with CoordinatorErrorHalted."
            if ("tick", "CoordinatorErrorHalted") in refused
            else ""
        )
        findings.append(
            Finding(
                FindingKind.REFUSED_TRANSACTIONS,
                f"The programs refused {_plural(sum(refused.values()), 'transaction')}: {listed}.{halted}",
            )
        )
    return findings
