"""What the driver's clock schedules: the run's phase as last read, and the events clients act on.

An event carries the phase (and, for plans that a departing client can spoil, the plan number) it was scheduled
for; the driver drops it when the run has moved on since.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from coordinator_program.core import current_round
from coordinator_program.core.queries import run_state_of
from coordinator_program.core.types import Coordinator, RunState

__all__ = [
    "Phase",
    "GoOffline",
    "ComeOnline",
    "Join",
    "TickDue",
    "ModelsLoaded",
    "TrainingFinished",
    "HealthChecks",
    "LateWitnesses",
    "Event",
]


class Phase(NamedTuple):
    """Where the run is: two reads with the same phase saw no transition in between. A named tuple: the driver
    reads one after every transaction, and a frozen dataclass cost more to build than the reading."""

    state: RunState
    started: int
    epoch: int
    step: int
    height: int

    @classmethod
    def of(cls, coordinator: Coordinator) -> Phase:
        round_ = current_round(coordinator)
        return cls(
            run_state_of(coordinator),
            int(coordinator.run_state_start_unix_timestamp),
            int(coordinator.progress.epoch),
            int(coordinator.progress.step),
            0 if round_ is None else int(round_.height),
        )


@dataclass(frozen=True)
class GoOffline:
    client: int
    generation: int


@dataclass(frozen=True)
class ComeOnline:
    client: int
    generation: int


@dataclass(frozen=True)
class Join:
    client: int


@dataclass(frozen=True)
class TickDue:
    phase: Phase


@dataclass(frozen=True)
class ModelsLoaded:
    """Every epoch client has the model (and gossiped it): the warmup witnesses go out."""

    phase: Phase
    plan: int


@dataclass(frozen=True)
class TrainingFinished:
    """Every epoch client finished the round: the elected witnesses attest early."""

    phase: Phase
    plan: int


@dataclass(frozen=True)
class HealthChecks:
    phase: Phase


@dataclass(frozen=True)
class LateWitnesses:
    """The witness phase began: elected witnesses that have not attested yet do it now."""

    phase: Phase


Event = GoOffline | ComeOnline | Join | TickDue | ModelsLoaded | TrainingFinished | HealthChecks | LateWitnesses
