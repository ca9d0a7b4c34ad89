"""The treasurer program: its id, its declared interface, and the spec the runtime registers.

An escrow that owns a coordinator run (see :mod:`treasurer.state.run`) so that a token pool pays 1
base unit per point the coordinator credits. The entry point is the Anchor dispatcher over the four
instructions of ``logic/``. Funding the vault is a plain SPL transfer; there is no withdraw, close or
sweep instruction. ``idl.json`` next to this file is what anchorpy clients load: :func:`idl_document`
written out (``python -m treasurer.program > treasurer/idl.json``); a test fails while the two differ.
"""

from __future__ import annotations

import sys
from pathlib import Path

from emulator.anchor import ProgramInterface, entrypoint, idl_json
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
    "0.1.0",
    instructions=(RUN_CREATE, RUN_UPDATE, PARTICIPANT_CREATE, PARTICIPANT_CLAIM),
    accounts=(Run, Participant),
    errors=TreasurerError,
)

PROGRAM_SPEC = ProgramSpec(PROGRAM_ID, entrypoint(INTERFACE), "psyche_solana_treasurer")
IDL_PATH = Path(__file__).with_name("idl.json")

__all__ = ["PROGRAM_ID", "INTERFACE", "PROGRAM_SPEC", "IDL_PATH", "idl_document"]


def idl_document() -> str:
    """The legacy IDL JSON, as ``anchor build`` writes ``target/idl/psyche_solana_treasurer.json``."""
    return idl_json(INTERFACE, PROGRAM_ID)


if __name__ == "__main__":
    sys.stdout.write(idl_document())
