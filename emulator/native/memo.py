"""The SPL Memo programs solana-test-validator ships: legacy v1 (``Memo1Uhk...``) and current v3 (``MemoSq4g...``).

Both refuse data that is not UTF-8 (InvalidInstructionData). v3 also requires every account it is
given to sign, logs ``Signed by <key>`` for each signer and then ``Memo (len N): "<memo>"``, the memo
written as Rust's ``{:?}`` writes a string; v1 logs nothing. Behaviour pinned against LiteSVM,
which runs the real programs.
"""

from __future__ import annotations

from solders.pubkey import Pubkey

from emulator.account import AccountInfo
from emulator.errors import InstructionErrorFieldless, InstructionFailure
from emulator.program import InvokeContext, ProgramSpec

__all__ = ["MEMO_PROGRAM_IDS", "MEMO_V1_PROGRAM_ID", "MEMO_V3_PROGRAM_ID", "PROGRAM_SPECS", "rust_debug_str"]

MEMO_V1_PROGRAM_ID = Pubkey.from_string("Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo")
MEMO_V3_PROGRAM_ID = Pubkey.from_string("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr")
MEMO_PROGRAM_IDS = frozenset({MEMO_V1_PROGRAM_ID, MEMO_V3_PROGRAM_ID})

# NUL is written \u{0}, as the deployed program (built with an older Rust) writes it.
_ESCAPES = {"\t": "\\t", "\r": "\\r", "\n": "\\n", "\\": "\\\\", '"': '\\"'}


def rust_debug_str(text: str) -> str:
    """``format!("{:?}", text)``: quoted, with quotes, backslashes and control characters escaped.

    >>> print(rust_debug_str('hé "q"\\n'))
    "hé \\"q\\"\\n"
    """
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif not char.isprintable() and char != " ":
            out.append(f"\\u{{{ord(char):x}}}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _utf8(ctx: InvokeContext, data: bytes, log_position: bool) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if log_position:
            ctx.log(f"Invalid UTF-8, from byte {exc.start}")
        raise InstructionFailure(InstructionErrorFieldless.InvalidInstructionData) from exc


def process_v1(ctx: InvokeContext, accounts: list[AccountInfo], data: bytes) -> None:
    """Memo v1: the data must be UTF-8; nothing else is checked or logged."""
    _utf8(ctx, data, log_position=False)


def process_v3(ctx: InvokeContext, accounts: list[AccountInfo], data: bytes) -> None:
    """Memo v3: every account must sign; the memo must be UTF-8; both are logged."""
    missing_signature = False
    for account in accounts:
        if account.is_signer:
            ctx.log(f"Signed by {account.key}")
        else:
            missing_signature = True
    if missing_signature:
        raise InstructionFailure(InstructionErrorFieldless.MissingRequiredSignature)
    memo = _utf8(ctx, data, log_position=True)
    ctx.log(f"Memo (len {len(data)}): {rust_debug_str(memo)}")


PROGRAM_SPECS = (
    ProgramSpec(MEMO_V1_PROGRAM_ID, process_v1, "spl_memo_v1", base_units=300),
    ProgramSpec(MEMO_V3_PROGRAM_ID, process_v3, "spl_memo", base_units=500),
)
