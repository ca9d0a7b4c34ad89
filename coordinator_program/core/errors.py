"""Errors of the coordinator's core state machine.

Two kinds of failure exist in the reference and both abort a Solana transaction:

* a ``CoordinatorError`` returned by a method (``CoordinatorFailure`` here). The program maps each one to its
  ``CoordinatorError*`` custom code (6010 + the enum value, see ``program_error_name``). The core guarantees that a
  call raising it changed nothing.
* a Rust panic (``assert!``, an out-of-range index, ``todo!()``, overflow with ``overflow-checks``):
  ``CoordinatorPanic`` here. On chain the runtime reverts everything; the core restores the state's bytes before
  re-raising so callers see the same atomicity.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "CoordinatorError",
    "ConfigError",
    "CoreError",
    "CoordinatorFailure",
    "CoordinatorPanic",
]


class CoordinatorError(IntEnum):
    """The core's error enum, in the reference order (the program's 6010..6021 minus the unused 6016).

    >>> CoordinatorError.Halted.program_error_name
    'CoordinatorErrorHalted'
    >>> CoordinatorError.InvalidCommitteeProof.message
    'Invalid committee proof'
    """

    NoActiveRound = 0
    InvalidWitness = 1
    InvalidRunState = 2
    DuplicateWitness = 3
    InvalidHealthCheck = 4
    Halted = 5
    WitnessesFull = 6
    CannotResume = 7
    InvalidWithdraw = 8
    InvalidCommitteeSelection = 9
    InvalidCommitteeProof = 10

    @property
    def program_error_name(self) -> str:
        """The Solana program's ``ProgramError`` variant this error maps to."""
        return f"CoordinatorError{self.name}"

    @property
    def message(self) -> str:
        """The reference's Display text (the program prefixes it with ``Coordinator error: ``)."""
        return _MESSAGES[self]


_MESSAGES: dict[CoordinatorError, str] = {
    CoordinatorError.NoActiveRound: "No active round",
    CoordinatorError.InvalidWitness: "Invalid witness",
    CoordinatorError.InvalidRunState: "Invalid run state",
    CoordinatorError.DuplicateWitness: "Duplicate witness",
    CoordinatorError.InvalidHealthCheck: "Invalid health check",
    CoordinatorError.Halted: "Halted",
    CoordinatorError.WitnessesFull: "Witnesses full",
    CoordinatorError.CannotResume: "Cannot resume",
    CoordinatorError.InvalidWithdraw: "Invalid withdraw",
    CoordinatorError.InvalidCommitteeSelection: "Invalid committee selection",
    CoordinatorError.InvalidCommitteeProof: "Invalid committee proof",
}


class ConfigError(IntEnum):
    """Why ``CoordinatorConfig.check`` failed; the first failing rule of §2.1 wins."""

    EpochTime = 0
    WarmupTime = 1
    MaxRoundTrainTime = 2
    RoundWitnessTime = 3
    MinClients = 4
    InitMinClients = 5
    GlobalBatchSize = 6
    TotalSteps = 7
    WitnessNodes = 8
    CooldownTime = 9
    WaitingForMembersExtraTime = 10


class CoreError(Exception):
    """Base of every exception the coordinator core raises."""


class CoordinatorFailure(CoreError):
    """A core method returned ``Err(error)``; the state is untouched."""

    def __init__(self, error: CoordinatorError) -> None:
        super().__init__(error.message)
        self.error = error


class CoordinatorPanic(CoreError):
    """The reference would panic here (the whole transaction fails); the state is restored."""
