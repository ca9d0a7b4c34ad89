"""The ComputeBudget program: its instructions are read before execution, so executing them does nothing."""

from __future__ import annotations

from emulator.account import AccountInfo
from emulator.constants import COMPUTE_BUDGET_PROGRAM_ID
from emulator.program import InvokeContext, ProgramSpec


def process_instruction(ctx: InvokeContext, accounts: list[AccountInfo], data: bytes) -> None:
    """Validated by :func:`emulator.compute_budget.compute_budget_of` before the transaction runs."""


PROGRAM_SPEC = ProgramSpec(COMPUTE_BUDGET_PROGRAM_ID, process_instruction, "compute_budget_program", builtin=True)
