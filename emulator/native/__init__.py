"""The native programs every bank starts with."""

from emulator.native import associated_token, compute_budget, memo, spl_token, system_program
from emulator.program import ProgramSpec

DEFAULT_PROGRAMS: tuple[ProgramSpec, ...] = (
    system_program.PROGRAM_SPEC,
    compute_budget.PROGRAM_SPEC,
    spl_token.PROGRAM_SPEC,
    associated_token.PROGRAM_SPEC,
    *memo.PROGRAM_SPECS,
)

__all__ = ["DEFAULT_PROGRAMS"]
