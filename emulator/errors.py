"""Errors as Solana reports them.

Programs fail by raising :class:`ProgramError`; the runtime turns it into the solders
``TransactionErrorInstructionError(index, ...)`` that RPC clients and LiteSVM report, so the same
value compares equal across the emulator, LiteSVM and the JSON-RPC edge.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod

from solders.transaction_status import (
    InstructionErrorCustom,
    InstructionErrorFieldless,
    InstructionErrorType,
    TransactionErrorFieldless,
    TransactionErrorInstructionError,
    TransactionErrorInsufficientFundsForRent,
    TransactionErrorType,
)

__all__ = [
    "EmulatorError",
    "ProgramError",
    "CustomError",
    "InstructionFailure",
    "TransactionFailure",
    "InstructionErrorFieldless",
    "TransactionErrorFieldless",
    "instruction_error_message",
    "transaction_error_json",
    "transaction_error_value",
    "instruction_error",
    "rent_error",
    "custom_error_code",
]


class EmulatorError(Exception):
    """Base of every error the emulator package raises."""


class ProgramError(EmulatorError, ABC):
    """An instruction failed; carries the solders ``InstructionErrorType`` it reports as."""

    @abstractmethod
    def as_instruction_error(self) -> InstructionErrorType:
        """The variant of ``InstructionError`` this failure reports as."""


class CustomError(ProgramError):
    """``InstructionError::Custom(code)``: a program's own error number (Anchor: 6000+ for user errors)."""

    def __init__(self, code: int, message: str = "") -> None:
        if not 0 <= code <= 0xFFFF_FFFF:
            raise ValueError(f"custom error code {code} is not a u32")
        super().__init__(message or f"custom program error: {code:#x}")
        self.code = code

    def as_instruction_error(self) -> InstructionErrorType:
        return InstructionErrorCustom(self.code)


class InstructionFailure(ProgramError):
    """One of the runtime's own instruction errors (``MissingRequiredSignature``, ``InvalidAccountData``...)."""

    def __init__(self, kind: InstructionErrorFieldless, message: str = "") -> None:
        super().__init__(message or instruction_error_message(kind))
        self.kind = kind

    def as_instruction_error(self) -> InstructionErrorType:
        return self.kind


class TransactionFailure(EmulatorError):
    """A whole transaction was rejected or failed; ``error`` is the solders ``TransactionErrorType``."""

    def __init__(self, error: TransactionErrorType, logs: list[str] | None = None) -> None:
        super().__init__(transaction_error_json(error))
        self.error = error
        self.logs = logs or []


def instruction_error(index: int, error: InstructionErrorType) -> TransactionErrorInstructionError:
    return TransactionErrorInstructionError(index, error)


def rent_error(account_index: int) -> TransactionErrorInsufficientFundsForRent:
    return TransactionErrorInsufficientFundsForRent(account_index)


def custom_error_code(error: TransactionErrorType | str | None) -> int | None:
    """The ``Custom(code)`` an instruction failed with (a program's own error), or None if it failed otherwise.

    Anchor programs number their errors from 6000 and Anchor's own from 100; the SPL and System programs from 0.

    >>> custom_error_code(instruction_error(0, InstructionErrorCustom(6001))), custom_error_code(None)
    (6001, None)
    """
    if isinstance(error, TransactionErrorInstructionError) and isinstance(error.err, InstructionErrorCustom):
        return int(error.err.code)
    return None


def transaction_error_json(error: TransactionErrorType) -> str:
    """The JSON Solana's RPC uses for ``err``: ``"BlockhashNotFound"`` or ``{"InstructionError":[0,{"Custom":1}]}``."""
    return json.dumps(transaction_error_value(error), separators=(",", ":"))


def transaction_error_value(error: TransactionErrorType) -> object:
    """``err`` as a JSON value; solders' own ``to_json`` drops the outer variant name, so it is added here."""
    if isinstance(error, TransactionErrorFieldless):
        return _fieldless_name(error)
    variant = type(error).__name__.removeprefix("TransactionError")
    return {variant: json.loads(error.to_json())}


def _fieldless_name(kind: TransactionErrorFieldless | InstructionErrorFieldless) -> str:
    return str(kind).rsplit(".", 1)[-1]


# Messages as Agave's `Display` for InstructionError prints them in "failed: ..." log lines.
_INSTRUCTION_MESSAGES: dict[str, str] = {
    "GenericError": "generic instruction error",
    "InvalidArgument": "invalid program argument",
    "InvalidInstructionData": "invalid instruction data",
    "InvalidAccountData": "invalid account data for instruction",
    "AccountDataTooSmall": "account data too small for instruction",
    "InsufficientFunds": "insufficient funds for instruction",
    "IncorrectProgramId": "incorrect program id for instruction",
    "MissingRequiredSignature": "missing required signature for instruction",
    "AccountAlreadyInitialized": "instruction requires an uninitialized account",
    "UninitializedAccount": "instruction requires an initialized account",
    "UnbalancedInstruction": "sum of account balances before and after instruction do not match",
    "ModifiedProgramId": "instruction illegally modified the program id of an account",
    "ExternalAccountLamportSpend": "instruction spent from the balance of an account it does not own",
    "ExternalAccountDataModified": "instruction modified data of an account it does not own",
    "ReadonlyLamportChange": "instruction changed the balance of a read-only account",
    "ReadonlyDataModified": "instruction modified data of a read-only account",
    "DuplicateAccountIndex": "instruction contains duplicate accounts",
    "ExecutableModified": "instruction changed executable bit of an account",
    "RentEpochModified": "instruction modified rent epoch of an account",
    "NotEnoughAccountKeys": "insufficient account keys for instruction",
    "AccountDataSizeChanged": "program other than the account's owner changed the size of the account data",
    "AccountNotExecutable": "instruction expected an executable account",
    "AccountBorrowFailed": "instruction tries to borrow reference for an account which is already borrowed",
    "InvalidError": "program returned invalid error code",
    "ExecutableDataModified": "instruction changed executable accounts data",
    "ExecutableLamportChange": "instruction changed the balance of an executable account",
    "UnsupportedProgramId": "Unsupported program id",
    "CallDepth": "Cross-program invocation call depth too deep",
    "MissingAccount": "An account required by the instruction is missing",
    "ReentrancyNotAllowed": "Cross-program invocation reentrancy not allowed for this instruction",
    "MaxSeedLengthExceeded": "Length of the seed is too long for address generation",
    "InvalidSeeds": "Provided seeds do not result in a valid address",
    "InvalidRealloc": "Failed to reallocate account data",
    "ComputationalBudgetExceeded": "Computational budget exceeded",
    "PrivilegeEscalation": "Cross-program invocation with unauthorized signer or writable account",
    "IllegalOwner": "Provided owner is not allowed",
    "InvalidAccountOwner": "Invalid account owner",
    "ArithmeticOverflow": "Program arithmetic overflowed",
    "Immutable": "Account is immutable",
    "IncorrectAuthority": "Incorrect authority provided",
}


def instruction_error_message(error: InstructionErrorType) -> str:
    """The text after ``failed:`` in a ``Program <id> failed: ...`` log line."""
    if isinstance(error, InstructionErrorCustom):
        return f"custom program error: {error.code:#x}"
    if isinstance(error, InstructionErrorFieldless):
        name = _fieldless_name(error)
        return _INSTRUCTION_MESSAGES.get(name, name)
    return str(error)
