"""A failed transaction as one clear message: which error of which program, its code, and what to do about it.

The program that raised the error is the innermost one that failed (a coordinator error inside a treasurer CPI is
the coordinator's), and its code is read against that program's own error enum: 6000+ for a Psyche program's
errors, below for Anchor's framework errors; the native programs (System, SPL Token, Associated Token) number
theirs from 0. Hints come from :data:`HINTS`; a command can override them where one code means something
specific in its context (``ConstraintRaw`` is a wrong signer for an owner command, a wrong token account for a
claim), through a ``Hints`` mapping of error names. Without a hint, the failing program's last log line stands in
(for a panic, its message).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum

from solders.pubkey import Pubkey
from solders.transaction_status import (
    InstructionErrorFieldless,
    TransactionErrorFieldless,
    TransactionErrorInstructionError,
)

from authorizer.errors import AuthorizerError
from authorizer.program import PROGRAM_ID as AUTHORIZER_PROGRAM_ID
from client.chain.backend import TransactionFailed
from coordinator_program.core.types import RunState
from coordinator_program.errors import CoordinatorProgramError
from coordinator_program.program import PROGRAM_ID as COORDINATOR_PROGRAM_ID
from emulator.anchor import ERROR_CODE_OFFSET, ErrorCode, ErrorCodeEnum
from emulator.constants import ASSOCIATED_TOKEN_PROGRAM_ID, SYSTEM_PROGRAM_ID, TOKEN_PROGRAM_ID
from emulator.native.associated_token import AssociatedTokenError
from emulator.native.spl_token import TokenError
from emulator.native.system_program import SystemError as SystemProgramError
from treasurer.errors import TreasurerError
from treasurer.program import PROGRAM_ID as TREASURER_PROGRAM_ID

__all__ = ["Hints", "Failure", "HINTS", "identify", "describe_failure", "run_state_hints"]

Hints = Mapping[str, str]
"""Error name -> one-line hint, for the errors whose meaning depends on the command."""


_ANCHOR_PROGRAMS: dict[Pubkey, tuple[str, type[ErrorCodeEnum]]] = {
    COORDINATOR_PROGRAM_ID: ("coordinator", CoordinatorProgramError),
    AUTHORIZER_PROGRAM_ID: ("authorizer", AuthorizerError),
    TREASURER_PROGRAM_ID: ("treasurer", TreasurerError),
}
_NATIVE_PROGRAMS: dict[Pubkey, tuple[str, type[IntEnum]]] = {
    SYSTEM_PROGRAM_ID: ("System", SystemProgramError),
    TOKEN_PROGRAM_ID: ("SPL Token", TokenError),
    ASSOCIATED_TOKEN_PROGRAM_ID: ("Associated Token", AssociatedTokenError),
}

_NO_SOL = "the wallet has no SOL to pay the fee: fund it first (`airdrop` on a local chain)"
_HALTED = (
    "the run is halted (Uninitialized, Paused or Finished; json-dump-run shows which): its owner starts an "
    "Uninitialized or Paused run with `set-paused --resume`; a Finished run stays finished"
)
_BAD_STATE = "the run is not in a state that accepts this now; `json-dump-run` shows status.state"

HINTS: Mapping[str, str] = {
    # coordinator
    "UpdateConfigFinished": "the run is Finished: its settings can no longer change",
    "UpdateConfigNotHalted": "config, model and progress change only while the run is halted: pause it first "
    "(`set-paused`) and wait until json-dump-run shows Paused",
    "CoordinatorAccountIncorrectSize": "the coordinator account is not 119,160 bytes",
    "ClientsFull": "the run already has 256 registered clients",
    "ConfigSanityCheckFailed": "the run's config breaks a coordinator rule: send a valid one with "
    "`update-config --config-path` (it names the field)",
    "ModelSanityCheckFailed": "the run's model breaks a coordinator rule: send a valid one with "
    "`update-config --config-path` (it names the field)",
    "ProgressSanityCheckFailed": "the run's progress (epoch, step, data index) is not valid for its config",
    "SignerNotAClient": "the wallet is not a client of the run's current epoch",
    "SignerMismatch": "the client id's signer is not the wallet that signs",
    "CloseCoordinatorNotHalted": "only a halted run (Uninitialized, Paused or Finished) can be closed: pause it first",
    "CoordinatorErrorNoActiveRound": "the run has no active round",
    "CoordinatorErrorInvalidWitness": "the witness proof does not match the round's committee",
    "CoordinatorErrorInvalidRunState": _BAD_STATE,
    "CoordinatorErrorDuplicateWitness": "this client already witnessed the round",
    "CoordinatorErrorInvalidHealthCheck": "the health check does not hold for that client",
    "CoordinatorErrorHalted": _HALTED,
    "CoordinatorErrorInvalidCheckpoint": "the checkpoint is not valid for this run",
    "CoordinatorErrorWitnessesFull": "the round already has 32 witnesses",
    "CoordinatorErrorCannotResume": "only a Paused (or Uninitialized) run can be resumed; a Finished run stays "
    "finished",
    "CoordinatorErrorInvalidWithdraw": "that client cannot be withdrawn now",
    "CoordinatorErrorInvalidCommitteeSelection": "the committee selection does not match the round",
    "CoordinatorErrorInvalidCommitteeProof": "the committee proof does not match the round",
    "MoreClientsThanBatches": "as many clients as global_batch_size_end are registered: no room for another",
    "RunIdInvalidLength": "a run id is at most 32 bytes",
    # authorizer
    "AuthorizationActiveIsTrue": "deactivate the authorization first (`join-authorization-deactivate`)",
    "AuthorizationClosingConditionsNotReachedYet": "it still has delegates and its grantor updated it less than "
    "30 days ago: have the grantee clear them (`join-authorization-set-delegates --delegates-clear`) or wait",
    # treasurer
    "InvalidParameter": "the claim is larger than the points earned and not yet claimed",
    # Anchor
    "ConstraintRaw": "an account or signer is not the one the program expects",
    "ConstraintSeeds": "an account is not at the address the program derives for it",
    "ConstraintAssociated": "the token account is not the associated token account the program expects",
    "ConstraintTokenOwner": "the token account belongs to someone else",
    "ConstraintTokenMint": "the token account is not of the run's collateral mint",
    "AccountNotInitialized": "an account the instruction needs does not exist yet",
    "AccountOwnedByWrongProgram": "an account is owned by another program than expected",
    "AccountDiscriminatorAlreadySet": "the account is already initialized",
    "AccountDiscriminatorMismatch": "an account holds another type than the instruction expects",
    # native programs
    "AccountAlreadyInUse": "the account already exists",
    "ResultWithNegativeLamports": "the wallet has too little SOL for this",
    "InsufficientFunds": "the source token account holds less than the amount",
    "OwnerMismatch": "the token account belongs to someone else",
    "MintMismatch": "the token accounts are of different mints",
    # transaction-level
    "AccountNotFound": _NO_SOL,
    "InsufficientFundsForFee": _NO_SOL,
    "InsufficientFundsForRent": "an account would be left below its rent-exempt minimum: the wallet needs more SOL",
}


_HALTED_BY_STATE: Mapping[RunState, str] = {
    RunState.Uninitialized: "the run has not started: its owner starts it with `set-paused --resume` (after "
    "`update-config --config-path` if it has no config yet)",
    RunState.Paused: "the run is Paused: its owner resumes it with `set-paused --resume`",
    RunState.Finished: "the run is Finished: it has trained all its steps, and nothing (a tick, a join, a resume) "
    "starts it again",
}


def run_state_hints(state: RunState) -> Hints:
    """The hints for a run known to be in ``state``, where the remedy depends on it (a Halted error on a Finished
    run must not say to resume it, since resuming fails with CannotResume).

    >>> run_state_hints(RunState.Finished)["CoordinatorErrorHalted"]
    'the run is Finished: it has trained all its steps, and nothing (a tick, a join, a resume) starts it again'
    >>> run_state_hints(RunState.RoundTrain)
    {}
    """
    hint = _HALTED_BY_STATE.get(state)
    if hint is None:
        return {}
    return {"CoordinatorErrorHalted": hint, "CoordinatorErrorCannotResume": hint}


@dataclass(frozen=True)
class Failure:
    """What went wrong: the error's name, its custom code (if it has one), the program and its message."""

    name: str
    code: int | None
    program: str | None
    message: str

    def headline(self) -> str:
        """``Name (error N from the P program): message``, leaving out what is unknown."""
        origin = [f"error {self.code}" if self.code is not None else None]
        if self.program is not None:
            origin.append(f"from the {self.program} program")
        where = " ".join(part for part in origin if part)
        return f"{self.name} ({where}): {self.message}" if where else f"{self.name}: {self.message}"


def _variant_name(value: object) -> str:
    """``InstructionErrorFieldless.ProgramFailedToComplete`` -> ``ProgramFailedToComplete``."""
    return str(value).rsplit(".", 1)[-1]


def _custom(program_id: Pubkey | None, code: int) -> Failure:
    if program_id in _ANCHOR_PROGRAMS:
        program, errors = _ANCHOR_PROGRAMS[program_id]
        enum: type[ErrorCodeEnum] = errors if code >= ERROR_CODE_OFFSET else ErrorCode
        try:
            error = enum(code)
        except ValueError:
            return Failure("Custom", code, program, f"custom program error: {code:#x}")
        return Failure(error.name, code, program, error.message)
    if program_id in _NATIVE_PROGRAMS:
        program, native = _NATIVE_PROGRAMS[program_id]
        try:
            name = native(code).name
        except ValueError:
            name = "Custom"
        return Failure(name, code, program, f"custom program error: {code:#x}")
    return Failure("Custom", code, None if program_id is None else str(program_id), f"custom program error: {code:#x}")


def identify(exc: TransactionFailed) -> Failure:
    """Name the error of a failed transaction."""
    code = exc.custom_code
    if code is not None:
        return _custom(exc.failed_program, code)
    error = exc.error
    if isinstance(error, TransactionErrorInstructionError):
        if isinstance(error.err, InstructionErrorFieldless):
            name = _variant_name(error.err)
            program = exc.failed_program
            label = _ANCHOR_PROGRAMS.get(program, _NATIVE_PROGRAMS.get(program, (None,)))[0] if program else None
            return Failure(name, None, label, f"instruction {error.index} failed")
        return Failure(type(error.err).__name__, None, None, str(error.err))
    if isinstance(error, TransactionErrorFieldless):
        return Failure(_variant_name(error), None, None, "the transaction was refused")
    return Failure(type(error).__name__, None, None, str(error))


def _last_program_log(logs: list[str]) -> str | None:
    lines = [line.removeprefix("Program log: ") for line in logs if line.startswith("Program log: ")]
    return lines[-1] if lines else None


def describe_failure(exc: TransactionFailed, hints: Hints | None = None) -> str:
    """Two lines: the error (name, code, program, message) and a hint."""
    failure = identify(exc)
    hint = (hints or {}).get(failure.name) or HINTS.get(failure.name) or _last_program_log(exc.logs)
    return failure.headline() if hint is None else f"{failure.headline()}\nHint: {hint}"
