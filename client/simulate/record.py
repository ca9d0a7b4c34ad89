"""What a simulation observed, in the order it happened: the run's states, rounds, epochs, clients and transactions.

The driver appends to a :class:`RunRecord` as it goes; the report only reads it. Times are seconds since the
simulation started: chain seconds (``run_state_start_unix_timestamp``) for run states, so they are the
coordinator's own view, and the event's time for client counts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import Enum

from coordinator_program.core import coordinator_witness_quorum, current_round
from coordinator_program.core.transitions import epoch_timed_out
from coordinator_program.core.types import Client, ClientState, Coordinator, RunState

__all__ = [
    "EpochEnd",
    "WitnessDeadlineFacts",
    "RoundRecord",
    "EpochRecord",
    "TransactionTally",
    "RunRecord",
]

_CLIENT_STATE_OFFSET = Client.state.offset


class EpochEnd(Enum):
    """Why an epoch ended, in the order the coordinator checks at a witness deadline (spec §1.3), plus Warmup's."""

    NO_WITNESSES = "no_witnesses"
    EPOCH_TIME = "epoch_time"
    TOO_FEW_CLIENTS = "too_few_clients"
    NO_QUORUM = "no_quorum"
    TOTAL_STEPS = "total_steps"
    WARMUP_TOO_FEW_CLIENTS = "warmup_too_few_clients"


@dataclass(frozen=True)
class WitnessDeadlineFacts:
    """The chain's state just before the tick that ends a round's witness phase: what decides how it ends."""

    witnesses: int
    quorum: int
    healthy_clients: int
    min_clients: int
    step_after: int
    last_step: int
    total_steps: int

    @classmethod
    def of(cls, coordinator: Coordinator, now: int) -> WitnessDeadlineFacts:
        """The facts of ``coordinator`` (in RoundWitness) as a tick at unix second ``now`` will see them."""
        round_ = current_round(coordinator)
        assert round_ is not None, "a coordinator in RoundWitness has a current round"
        witnesses = len(round_.witnesses)
        step_after = int(coordinator.progress.step) + 1
        timed_out = epoch_timed_out(coordinator, now)
        return cls(
            witnesses=witnesses,
            quorum=coordinator_witness_quorum(coordinator, witnesses) if witnesses else 0,
            healthy_clients=coordinator.epoch_state.clients.field_values(_CLIENT_STATE_OFFSET, "B").count(
                ClientState.Healthy
            ),
            min_clients=int(coordinator.config.min_clients),
            step_after=step_after,
            # The tick sets last_step = step + 2 when the epoch timer ran out and it was not set yet.
            last_step=int(coordinator.epoch_state.last_step) or (step_after + 2 if timed_out else 0),
            total_steps=int(coordinator.config.total_steps),
        )

    def epoch_end(self) -> EpochEnd | None:
        """Whether (and why) the coordinator cools down at this deadline, checking in its order (spec §1.3)."""
        if self.witnesses == 0:
            return EpochEnd.NO_WITNESSES
        if self.last_step and self.step_after == self.last_step:
            return EpochEnd.EPOCH_TIME
        if self.healthy_clients < self.min_clients:
            return EpochEnd.TOO_FEW_CLIENTS
        if self.witnesses < self.quorum:
            return EpochEnd.NO_QUORUM
        if self.step_after >= self.total_steps:
            return EpochEnd.TOTAL_STEPS
        return None


@dataclass
class RoundRecord:
    """One training round: ``trained`` is False for the two rounds after the epoch timer (no data is trained)."""

    epoch: int
    height: int
    step: int
    trained: bool
    batch_size: int
    started_s: float
    clients: int
    elected: int
    training_ended_s: float | None = None
    ended_early: bool = False
    delivered: int = 0
    elected_missing: int = 0
    witnesses: int | None = None
    completed: bool = False


@dataclass
class EpochRecord:
    """One epoch, from Warmup to the end of Cooldown (or to the end of the simulation)."""

    epoch: int
    started_s: float
    clients: int
    ended_s: float | None = None
    end: EpochEnd | None = None
    end_facts: WitnessDeadlineFacts | None = None
    rounds: int = 0
    steps_trained: int = 0
    points_credited: int = 0
    clients_paid: int = 0


@dataclass
class TransactionTally:
    """Transactions sent per instruction, and the refused ones per (instruction, error)."""

    sent: Counter[str] = field(default_factory=Counter)
    failed: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, instruction: str, error: str | None) -> None:
        self.sent[instruction] += 1
        if error is not None:
            self.failed[(instruction, error)] += 1


@dataclass
class RunRecord:
    """Everything the driver observed; appended to in time order."""

    states: list[tuple[float, RunState]] = field(default_factory=list)
    client_counts: list[tuple[float, int, int]] = field(default_factory=list)
    rounds: list[RoundRecord] = field(default_factory=list)
    epochs: list[EpochRecord] = field(default_factory=list)
    transactions: TransactionTally = field(default_factory=TransactionTally)
    dropouts: int = 0
    returns: int = 0
    health_check_drops: int = 0
    dropped_clients: set[int] = field(default_factory=set)
    refused_joins: dict[int, str] = field(default_factory=dict)
    most_pending: int = 0
    """The most clients ever waiting to join at once, over the Waiting-for-members stretches that led nowhere."""
    ended_s: float = 0.0
    """Where the simulation stopped: when the run became Finished, else the end of the simulated duration."""

    def state(self, at_s: float, state: RunState) -> None:
        self.states.append((at_s, state))

    def clients(self, at_s: float, online: int, in_epoch: int) -> None:
        if self.client_counts and self.client_counts[-1][1:] == (online, in_epoch):
            return
        self.client_counts.append((at_s, online, in_epoch))
