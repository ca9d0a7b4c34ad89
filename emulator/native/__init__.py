"""The native programs every bank starts with."""

from emulator.native import compute_budget, system_program
from emulator.program import ProgramSpec

DEFAULT_PROGRAMS: tuple[ProgramSpec, ...] = (system_program.PROGRAM_SPEC, compute_budget.PROGRAM_SPEC)

__all__ = ["DEFAULT_PROGRAMS"]
