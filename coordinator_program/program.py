"""The coordinator program: its id, its declared interface, the runtime registration and its IDLs.

The entry point is Anchor's dispatch over the instructions of ``logic/`` (8-byte discriminator, Borsh args,
account privileges); everything else is in the handlers. ``idl.json`` (Anchor 0.30) and ``idl.legacy.json``
(anchorpy 0.21) next to this file are written from :data:`INTERFACE` by ``python -m coordinator_program.program``.
The zero-copy ``CoordinatorAccount`` is raw ``repr(C)`` memory, read with
:mod:`coordinator_program.state.coordinator_account`; the 0.30 IDL lists it with its version and nonce around
the instance state, which it gives as bytes.
"""

from __future__ import annotations

import ctypes

from coordinator_program.core import state_discarded_on_panic
from coordinator_program.errors import CoordinatorProgramError
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
from coordinator_program.state.coordinator_account import CoordinatorAccount
from coordinator_program.state.coordinator_instance import CoordinatorInstance
from emulator.account import AccountInfo
from emulator.anchor import ProgramInterface, entrypoint
from emulator.anchor.idl_files import idl_paths, write_idl_files
from emulator.anchor.interface import ZeroCopyAccount
from emulator.program import InvokeContext, ProgramSpec

IDL_PATH, LEGACY_IDL_PATH = idl_paths(__file__)

__all__ = [
    "PROGRAM_ID",
    "INTERFACE",
    "PROGRAM_SPEC",
    "HARDENED_PROGRAM_SPEC",
    "program_spec",
    "IDL_PATH",
    "LEGACY_IDL_PATH",
    "process_instruction",
    "NAMED_VARIANT_PAYLOADS",
]

# The reference declares these enum variants with named fields (``AdamW { betas, .. }``,
# ``NumberedFiles { url_template, .. }``, ``Gcp { bucket_name, .. }``); the legacy IDL wraps each in a struct.
NAMED_VARIANT_PAYLOADS = frozenset({"AdamW", "Distro", "NumberedFiles", "GcpLocation"})


def _coordinator_account_layout() -> ZeroCopyAccount:
    """``CoordinatorAccount`` after its discriminator: ``version: u64``, the state as its bytes, ``nonce: u64``."""
    fields = {name: getattr(CoordinatorAccount, name) for name in ("version", "state", "nonce")}
    state_size = fields["nonce"].offset - fields["state"].offset
    assert fields["state"].offset == fields["version"].offset + ctypes.sizeof(ctypes.c_uint64)
    return ZeroCopyAccount(
        "CoordinatorAccount", (("version", "u64"), ("state", {"array": ["u8", state_size]}), ("nonce", "u64"))
    )


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
    errors=CoordinatorProgramError,
    description="Psyche Solana Coordinator",
    zero_copy_accounts=(_coordinator_account_layout(),),
    named_variant_payloads=NAMED_VARIANT_PAYLOADS,
)

_dispatch = entrypoint(INTERFACE)


def program_spec(mode: ProgramMode) -> ProgramSpec:
    """The coordinator to register with a runtime, faithful to the reference or hardened (see :mod:`.mode`)."""

    def process_instruction(ctx: InvokeContext, infos: list[AccountInfo], data: bytes) -> None:
        with state_discarded_on_panic():  # a panic fails the transaction, whose writes the runtime drops
            _dispatch(ModeContext(ctx, mode), infos, data)

    return ProgramSpec(PROGRAM_ID, process_instruction, "psyche_solana_coordinator")


PROGRAM_SPEC = program_spec(ProgramMode.FAITHFUL)
HARDENED_PROGRAM_SPEC = program_spec(ProgramMode.HARDENED)
process_instruction = PROGRAM_SPEC.entrypoint


if __name__ == "__main__":
    write_idl_files(INTERFACE, PROGRAM_ID, IDL_PATH.parent)
