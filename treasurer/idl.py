"""The treasurer's legacy Anchor IDL, generated from :data:`treasurer.program.INTERFACE`.

The checked-in ``idl.json`` next to this module is what anchorpy clients load; regenerate it with
``python -m treasurer.idl`` after changing the interface (a test fails while the two differ).
"""

from __future__ import annotations

from pathlib import Path

from emulator.anchor import idl_json
from treasurer.program import INTERFACE, PROGRAM_ID

IDL_PATH = Path(__file__).with_name("idl.json")


def generate_idl() -> str:
    """The IDL JSON text, as ``anchor build`` would write ``target/idl/psyche_solana_treasurer.json``."""
    return idl_json(INTERFACE, PROGRAM_ID)


def main() -> None:
    IDL_PATH.write_text(generate_idl())


if __name__ == "__main__":
    main()
