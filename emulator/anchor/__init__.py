"""Anchor for Python programs: declare an interface once, get the IDL, the entry point and Anchor's errors.

A program built on this package behaves, byte for byte, as the same program built with Anchor
(0.30-era): 8-byte discriminators, Borsh arguments and accounts, Anchor's error numbers and log
lines, ``Program data:`` events, and a legacy IDL that anchorpy 0.21 drives.

Declaring (see :mod:`emulator.anchor.interface` and :mod:`emulator.anchor.borsh`)::

    @dataclass(frozen=True)
    class Counter:                                   # an account type
        authority: Pubkey = borsh_field(PUBKEY)
        count: int = borsh_field(U64)

    class CounterError(ErrorCodeEnum):
        Overflow = 6000, "Counter would overflow"

    def increment(ctx: InvokeContext, accounts: Accounts, amount: int) -> None:
        counter = load_account(accounts.counter, Counter, ctx.program_id)
        if counter.count + amount > U64_MAX:
            raise AnchorError(CounterError.Overflow)
        store_account(accounts.counter, replace(counter, count=counter.count + amount))
        emit(ctx, Incremented(counter.count + amount))

    INTERFACE = ProgramInterface(
        "counter", "0.1.0",
        instructions=(
            Instruction("increment", (InstructionAccount("counter", mut=True),), {"amount": U64}, increment),
        ),
        accounts=(Counter,), events=(Incremented,), errors=CounterError,
    )

Using: ``ProgramSpec(PROGRAM_ID, entrypoint(INTERFACE), "counter")`` registers it with the runtime;
``idl_json(INTERFACE, PROGRAM_ID)`` is the IDL for anchorpy.
"""

from emulator.anchor.accounts import (
    account_bytes,
    check_program,
    check_system_account,
    close_account,
    decode_account,
    init_account,
    load_account,
    load_unchanging_account,
    realloc_account,
    store_account,
)
from emulator.anchor.borsh import (
    BOOL,
    BYTES,
    F32,
    F64,
    I8,
    I16,
    I32,
    I64,
    I128,
    PUBKEY,
    STRING,
    U8,
    U16,
    U32,
    U64,
    U128,
    Array,
    BorshDecodeError,
    BorshEncodeError,
    BorshEndOfData,
    BorshEnum,
    BorshError,
    BorshInvalidBool,
    BorshInvalidEnumTag,
    BorshInvalidFloat,
    BorshInvalidOption,
    BorshInvalidUtf8,
    BorshTrailingData,
    BorshType,
    Option,
    Vec,
    borsh_field,
    decode,
    decode_prefix,
    encode,
)
from emulator.anchor.discriminator import account_discriminator, event_discriminator, instruction_discriminator
from emulator.anchor.dispatch import Accounts, entrypoint
from emulator.anchor.errors import ERROR_CODE_OFFSET, AnchorError, ErrorCode, ErrorCodeEnum, panic
from emulator.anchor.events import emit, event_bytes
from emulator.anchor.idl import idl, idl_json
from emulator.anchor.interface import Instruction, InstructionAccount, ProgramInterface
from emulator.anchor.spl import (
    check_associated_token_account,
    init_associated_token_account,
    load_mint,
    load_token_account,
)

__all__ = [
    # declaring
    "ProgramInterface",
    "Instruction",
    "InstructionAccount",
    "ErrorCodeEnum",
    "ERROR_CODE_OFFSET",
    # Borsh types and codec
    "borsh_field",
    "BorshEnum",
    "BorshType",
    "U8",
    "U16",
    "U32",
    "U64",
    "U128",
    "I8",
    "I16",
    "I32",
    "I64",
    "I128",
    "BOOL",
    "F32",
    "F64",
    "PUBKEY",
    "STRING",
    "BYTES",
    "Vec",
    "Option",
    "Array",
    "encode",
    "decode",
    "decode_prefix",
    "BorshError",
    "BorshDecodeError",
    "BorshEncodeError",
    "BorshEndOfData",
    "BorshTrailingData",
    "BorshInvalidBool",
    "BorshInvalidOption",
    "BorshInvalidEnumTag",
    "BorshInvalidFloat",
    "BorshInvalidUtf8",
    # running
    "entrypoint",
    "Accounts",
    "AnchorError",
    "ErrorCode",
    "panic",
    "load_account",
    "load_unchanging_account",
    "decode_account",
    "store_account",
    "account_bytes",
    "init_account",
    "realloc_account",
    "close_account",
    "check_program",
    "check_system_account",
    "load_mint",
    "load_token_account",
    "check_associated_token_account",
    "init_associated_token_account",
    "emit",
    "event_bytes",
    # identifying
    "instruction_discriminator",
    "account_discriminator",
    "event_discriminator",
    "idl",
    "idl_json",
]
