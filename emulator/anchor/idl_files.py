"""The two IDL files a program ships, written by one generator from its declared interface.

``idl.json`` is the Anchor 0.30 IDL (what the reference's ``anchor build`` emits; TypeScript
``@coral-xyz/anchor`` 0.30+ reads it) and ``idl.legacy.json`` the pre-0.30 IDL that anchorpy 0.21
reads. Each program package regenerates its pair with ``python -m <package>.program``; a test
fails while a checked-in file differs from what this writes.
"""

from __future__ import annotations

from pathlib import Path

from solders.pubkey import Pubkey

from emulator.anchor.idl import idl_json
from emulator.anchor.idl_v030 import idl_v030_json
from emulator.anchor.interface import ProgramInterface

__all__ = ["IDL_FILE", "LEGACY_IDL_FILE", "idl_files", "idl_paths", "write_idl_files"]

IDL_FILE = "idl.json"
LEGACY_IDL_FILE = "idl.legacy.json"


def idl_files(interface: ProgramInterface, address: Pubkey) -> dict[str, str]:
    """File name -> JSON text, for both formats."""
    return {IDL_FILE: idl_v030_json(interface, address), LEGACY_IDL_FILE: idl_json(interface, address)}


def idl_paths(module_file: str) -> tuple[Path, Path]:
    """Where a program package keeps its two IDLs: beside its ``program.py`` (0.30 first, then legacy)."""
    directory = Path(module_file).parent
    return directory / IDL_FILE, directory / LEGACY_IDL_FILE


def write_idl_files(interface: ProgramInterface, address: Pubkey, directory: Path) -> None:
    """Write both files into ``directory``, saying which (``python -m <package>.program``)."""
    for name, text in idl_files(interface, address).items():
        path = directory / name
        path.write_text(text)
        print(f"wrote {path}")
