"""The treasurer program: its id, its declared interface, and the spec the runtime registers.

An escrow that owns a coordinator run (see :mod:`treasurer.state.run`) so that a token pool pays 1
base unit per point the coordinator credits. The entry point is the Anchor dispatcher over the four
instructions of ``logic/``. Funding the vault is a plain SPL transfer; there is no withdraw, close or
sweep instruction. ``idl.json`` (Anchor 0.30) and ``idl.legacy.json`` (what anchorpy 0.21 loads) next to this
file are written from :data:`INTERFACE` by ``python -m treasurer.program``; a test fails while they differ.
"""

from __future__ import annotations

from coordinator_program.program import NAMED_VARIANT_PAYLOADS
from emulator.anchor import ProgramInterface, entrypoint
from emulator.anchor.idl_files import idl_paths, write_idl_files
from emulator.program import ProgramSpec
from treasurer.errors import TreasurerError
from treasurer.logic.participant_claim import PARTICIPANT_CLAIM
from treasurer.logic.participant_create import PARTICIPANT_CREATE
from treasurer.logic.run_create import RUN_CREATE
from treasurer.logic.run_update import RUN_UPDATE
from treasurer.program_id import PROGRAM_ID
from treasurer.state.participant import Participant
from treasurer.state.run import Run

INTERFACE = ProgramInterface(
    "psyche_solana_treasurer",
    "0.2.0",
    instructions=(RUN_CREATE, RUN_UPDATE, PARTICIPANT_CREATE, PARTICIPANT_CLAIM),
    accounts=(Run, Participant),
    errors=TreasurerError,
    description="Psyche Solana Treasurer",
    named_variant_payloads=NAMED_VARIANT_PAYLOADS,
)

PROGRAM_SPEC = ProgramSpec(PROGRAM_ID, entrypoint(INTERFACE), "psyche_solana_treasurer")

IDL_PATH, LEGACY_IDL_PATH = idl_paths(__file__)

__all__ = ["PROGRAM_ID", "INTERFACE", "PROGRAM_SPEC", "IDL_PATH", "LEGACY_IDL_PATH"]


if __name__ == "__main__":
    write_idl_files(INTERFACE, PROGRAM_ID, IDL_PATH.parent)
