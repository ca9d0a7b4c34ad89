"""What a fresh ledger holds: the programs at their ids (beyond the runtime's own), and ``--account`` files.

The bank itself brings System, ComputeBudget, SPL Token, Associated Token, the Clock and Rent
sysvars and the faucet; the validator adds the three Psyche programs.
"""

from __future__ import annotations

from collections.abc import Sequence

from authorizer.program import PROGRAM_SPEC as AUTHORIZER
from coordinator_program.program import PROGRAM_SPEC as COORDINATOR
from emulator import Bank, ProgramSpec
from treasurer.program import PROGRAM_SPEC as TREASURER
from validator.accounts_file import AccountOverride

__all__ = ["PROGRAMS", "apply_account_overrides"]

PROGRAMS: tuple[ProgramSpec, ...] = (COORDINATOR, AUTHORIZER, TREASURER)


def apply_account_overrides(bank: Bank, overrides: Sequence[AccountOverride]) -> None:
    """Write the ``--account`` accounts into a fresh ledger, as solana-test-validator adds them to genesis."""
    for override in overrides:
        bank.set_account(override.address, override.account)
