"""The SPL Token program, byte-compatible with ``spl_token`` (state layouts, instruction encoding, errors)."""

from emulator.native.spl_token.error import TokenError
from emulator.native.spl_token.instruction import AuthorityType, TokenInstruction, parse_instruction
from emulator.native.spl_token.processor import PROGRAM_SPEC, amount_to_ui_amount, process_instruction
from emulator.native.spl_token.state import NATIVE_MINT_ID, AccountState, Mint, Multisig, TokenAccount

__all__ = [
    "amount_to_ui_amount",
    "PROGRAM_SPEC",
    "NATIVE_MINT_ID",
    "AccountState",
    "AuthorityType",
    "Mint",
    "Multisig",
    "TokenAccount",
    "TokenError",
    "TokenInstruction",
    "parse_instruction",
    "process_instruction",
]
