"""The coordinator a ledger runs, faithful or hardened: chosen at genesis, recorded in the ledger, then binding.

A run's history only makes sense under one set of rules, so a ledger created with ``--hardened`` is refused
without it and the other way round. Ledgers from before the mode was recorded ran the faithful coordinator.
Shared by ``psyche-validator`` and the CLI's embedded chain, which open the same ledgers.
"""

from __future__ import annotations

from coordinator_program.mode import ProgramMode
from coordinator_program.program import HARDENED_PROGRAM_SPEC, PROGRAM_SPEC
from emulator import ProgramSpec
from emulator.ledger_sqlite import SqliteLedgerStore
from validator.errors import ValidatorError
from validator.genesis import PROGRAMS

__all__ = ["LedgerModeMismatch", "MODE_SETTING", "genesis_programs"]

MODE_SETTING = "coordinator_mode"


class LedgerModeMismatch(ValidatorError, RuntimeError):
    """The ledger was created in the other mode than the one asked for."""


def _flag(mode: ProgramMode) -> str:
    return "with --hardened" if mode is ProgramMode.HARDENED else "without --hardened"


def genesis_programs(store: SqliteLedgerStore, mode: ProgramMode) -> tuple[ProgramSpec, ...]:
    """The programs to build the ledger's bank with; records ``mode`` in a new ledger, refuses a mismatch."""
    recorded = store.genesis_setting(MODE_SETTING)
    if recorded is None:
        ledger_mode = ProgramMode.FAITHFUL if store.recent_blocks(1) else mode
        store.record_genesis_setting(MODE_SETTING, ledger_mode.value)
    else:
        try:
            ledger_mode = ProgramMode(recorded)
        except ValueError:
            unknown = f"the ledger {store.path.parent} records an unknown coordinator {recorded!r}"
            raise LedgerModeMismatch(unknown) from None
    if ledger_mode is not mode:
        raise LedgerModeMismatch(
            f"the ledger {store.path.parent} runs the {ledger_mode.value} coordinator, fixed at its genesis: "
            f"open it {_flag(ledger_mode)}, or start a new ledger to run {_flag(mode)}"
        )
    coordinator = HARDENED_PROGRAM_SPEC if mode is ProgramMode.HARDENED else PROGRAM_SPEC
    return tuple(coordinator if spec.program_id == PROGRAM_SPEC.program_id else spec for spec in PROGRAMS)
