"""Naming a failed transaction's error: the right program's enum, the code, and a hint (context first)."""

from __future__ import annotations

from solders.pubkey import Pubkey
from solders.transaction_status import (
    InstructionErrorCustom,
    InstructionErrorFieldless,
    TransactionErrorFieldless,
    TransactionErrorInstructionError,
)

from client.chain.backend import TransactionFailed
from client.cli.failures import Failure, describe_failure, identify
from coordinator_program.program import PROGRAM_ID as COORDINATOR
from emulator.constants import SYSTEM_PROGRAM_ID, TOKEN_PROGRAM_ID
from treasurer.program import PROGRAM_ID as TREASURER


def _failed(code: int, *programs: Pubkey) -> TransactionFailed:
    """A failure whose logs show ``programs`` failing, innermost first (as a CPI failure logs)."""
    logs = [f"Program {program} failed: custom program error: {code:#x}" for program in programs]
    return TransactionFailed(TransactionErrorInstructionError(0, InstructionErrorCustom(code)), logs)


def test_an_error_inside_a_cpi_belongs_to_the_innermost_program() -> None:
    failed = _failed(6001, COORDINATOR, TREASURER)
    assert failed.failed_program == COORDINATOR
    assert identify(failed) == Failure(
        "UpdateConfigNotHalted", 6001, "coordinator", "Cannot update config when not halted"
    )


def test_the_same_code_means_different_errors_in_different_programs() -> None:
    assert identify(_failed(6000, TREASURER)).name == "InvalidParameter"
    assert identify(_failed(6000, COORDINATOR)).name == "UpdateConfigFinished"
    assert identify(_failed(2003, TREASURER)).name == "ConstraintRaw"  # Anchor's own, below 6000
    assert identify(_failed(1, TOKEN_PROGRAM_ID)) == Failure(
        "InsufficientFunds", 1, "SPL Token", "custom program error: 0x1"
    )
    assert identify(_failed(0, SYSTEM_PROGRAM_ID)).name == "AccountAlreadyInUse"


def test_an_unknown_program_or_code_is_reported_as_it_is() -> None:
    stranger = Pubkey.new_unique()
    assert identify(_failed(7, stranger)) == Failure("Custom", 7, str(stranger), "custom program error: 0x7")
    assert identify(_failed(6999, COORDINATOR)).name == "Custom"


def test_a_command_hint_overrides_the_general_one() -> None:
    failed = _failed(2003, COORDINATOR)
    assert describe_failure(failed).endswith("Hint: an account or signer is not the one the program expects")
    specific = describe_failure(failed, {"ConstraintRaw": "Unauthorized: not yours"})
    assert specific == (
        "ConstraintRaw (error 2003 from the coordinator program): A raw constraint was violated\n"
        "Hint: Unauthorized: not yours"
    )


def test_a_panic_is_explained_by_its_last_log_line() -> None:
    error = TransactionErrorInstructionError(1, InstructionErrorFieldless.ProgramFailedToComplete)
    logs = [
        f"Program {COORDINATOR} invoke [1]",
        "Program log: panicked at 'index out of bounds'",
        f"Program {COORDINATOR} failed: Program failed to complete",
    ]
    text = describe_failure(TransactionFailed(error, logs))
    assert text == (
        "ProgramFailedToComplete (from the coordinator program): instruction 1 failed\n"
        "Hint: panicked at 'index out of bounds'"
    )


def test_a_refused_transaction_has_no_program() -> None:
    failed = TransactionFailed(TransactionErrorFieldless.InsufficientFundsForFee, [])
    assert describe_failure(failed).splitlines() == [
        "InsufficientFundsForFee: the transaction was refused",
        "Hint: the wallet has no SOL to pay the fee: fund it first (`airdrop` on a local chain)",
    ]
