"""The coordinator program: its id, its declared interface, the runtime registration and the legacy IDL.

The entry point is Anchor's dispatch over the instructions of ``logic/`` (8-byte discriminator, Borsh args,
account privileges); everything else is in the handlers. ``idl.json`` next to this file is :func:`idl_document`
written out (``python -m coordinator_program.program > coordinator_program/idl.json``). The zero-copy
``CoordinatorAccount`` is not in the IDL: it is raw ``repr(C)`` memory, read with
:mod:`coordinator_program.state.coordinator_account`, not with an IDL coder.
"""

from __future__ import annotations

import sys

from coordinator_program.errors import ProgramError
from coordinator_program.logic import (
    checkpoint,
    free_coordinator,
    health_check,
    init_coordinator,
    join_run,
    set_future_epoch_rates,
    set_paused,
    tick,
    update,
    update_client_version,
    warmup_witness,
    witness,
)
from coordinator_program.mode import ModeContext, ProgramMode
from coordinator_program.program_id import PROGRAM_ID
from coordinator_program.state.coordinator_instance import CoordinatorInstance
from emulator.account import AccountInfo
from emulator.anchor import ProgramInterface, entrypoint, idl_json
from emulator.program import InvokeContext, ProgramSpec

__all__ = [
    "PROGRAM_ID",
    "INTERFACE",
    "PROGRAM_SPEC",
    "HARDENED_PROGRAM_SPEC",
    "program_spec",
    "process_instruction",
    "idl_document",
]

INTERFACE = ProgramInterface(
    "psyche_solana_coordinator",
    "0.1.0",
    instructions=(
        init_coordinator.INSTRUCTION,
        free_coordinator.INSTRUCTION,
        update.INSTRUCTION,
        update_client_version.INSTRUCTION,
        set_future_epoch_rates.INSTRUCTION,
        join_run.INSTRUCTION,
        set_paused.INSTRUCTION,
        tick.INSTRUCTION,
        witness.INSTRUCTION,
        warmup_witness.INSTRUCTION,
        health_check.INSTRUCTION,
        checkpoint.INSTRUCTION,
    ),
    accounts=(CoordinatorInstance,),
    errors=ProgramError,
)

_dispatch = entrypoint(INTERFACE)


def program_spec(mode: ProgramMode) -> ProgramSpec:
    """The coordinator to register with a runtime, faithful to the reference or hardened (see :mod:`.mode`)."""

    def process_instruction(ctx: InvokeContext, infos: list[AccountInfo], data: bytes) -> None:
        _dispatch(ModeContext(ctx, mode), infos, data)

    return ProgramSpec(PROGRAM_ID, process_instruction, "psyche_solana_coordinator")


PROGRAM_SPEC = program_spec(ProgramMode.FAITHFUL)
HARDENED_PROGRAM_SPEC = program_spec(ProgramMode.HARDENED)
process_instruction = PROGRAM_SPEC.entrypoint


def idl_document() -> str:
    """The legacy IDL JSON of the program, as checked in at ``coordinator_program/idl.json``."""
    return idl_json(INTERFACE, PROGRAM_ID)


if __name__ == "__main__":
    sys.stdout.write(idl_document())
