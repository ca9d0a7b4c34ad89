"""A toy Anchor program declared with emulator.anchor: the fixture the anchor tests drive.

It mirrors a typical Anchor counter: ``initialize`` creates a PDA ``["counter", authority]``,
``increment_by`` checks the authority and overflow and emits an event, ``close`` returns the
rent, ``resize`` reallocates the counter at the payer's expense, and ``configure`` takes one
argument of every kind of Borsh type so the IDL and the coders are exercised on all of them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from typing import ClassVar

from solders.pubkey import Pubkey

from emulator.anchor import (
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
    Accounts,
    AnchorError,
    Array,
    BorshEnum,
    ErrorCodeEnum,
    Instruction,
    InstructionAccount,
    Option,
    ProgramInterface,
    Vec,
    borsh_field,
    close_account,
    emit,
    entrypoint,
    init_account,
    load_account,
    realloc_account,
    store_account,
)
from emulator.program import InvokeContext, ProgramSpec

PROGRAM_ID = Pubkey.from_string("Counter111111111111111111111111111111111111")
U64_MAX = 2**64 - 1
COUNTER_SPACE = 8 + 32 + 8 + 1


@dataclass(frozen=True)
class Counter:
    authority: Pubkey = borsh_field(PUBKEY)
    count: int = borsh_field(U64)
    bump: int = borsh_field(U8)


@dataclass(frozen=True)
class Incremented:
    new_count: int = borsh_field(U64)
    by: Pubkey = borsh_field(PUBKEY)


class Mode(enum.Enum):
    Off = "off"
    Slow = "slow"
    Fast = "fast"


class Shape(BorshEnum):
    pass


@dataclass(frozen=True)
class Empty(Shape):
    pass


@dataclass(frozen=True)
class Circle(Shape):
    radius: int = borsh_field(U32)
    label: str | None = borsh_field(Option(STRING))


@dataclass(frozen=True)
class ShapePair(Shape):
    IDL_NAME: ClassVar[str] = "Pair"
    _0: int = borsh_field(U8)
    _1: int = borsh_field(I16)


@dataclass(frozen=True)
class Inner:
    flag: bool = borsh_field(BOOL)
    small: int = borsh_field(I8)


@dataclass(frozen=True)
class Settings:
    big: int = borsh_field(U128)
    signed_big: int = borsh_field(I128)
    medium: int = borsh_field(U16)
    wide: int = borsh_field(I32)
    long: int = borsh_field(I64)
    ratio: float = borsh_field(F64)
    half: float = borsh_field(F32)
    name: str = borsh_field(STRING)
    blob: bytes = borsh_field(BYTES)
    owners: list[Pubkey] = borsh_field(Vec(PUBKEY))
    maybe: int | None = borsh_field(Option(U64))
    grid: list[list[int]] = borsh_field(Array(Array(U8, 2), 3))
    mode: Mode = borsh_field(Mode)
    shapes: list[Shape] = borsh_field(Vec(Shape))
    inner: Inner = borsh_field(Inner)


class CounterError(ErrorCodeEnum):
    Overflow = 6000, "Counter would overflow"
    WrongAuthority = 6001, "Only the authority may increment"
    Unexplained = 6002


def counter_address(authority: Pubkey) -> Pubkey:
    return Pubkey.find_program_address([b"counter", bytes(authority)], PROGRAM_ID)[0]


def initialize(ctx: InvokeContext, accounts: Accounts, start: int) -> None:
    bump = init_account(
        ctx,
        payer=accounts.payer,
        account=accounts.counter,
        space=COUNTER_SPACE,
        seeds=[b"counter", bytes(accounts.authority.key)],
    )
    assert bump is not None
    store_account(accounts.counter, Counter(accounts.authority.key, start, bump))


def increment(ctx: InvokeContext, accounts: Accounts, amount: int) -> None:
    counter = load_account(accounts.counter, Counter, ctx.program_id)
    if counter.authority != accounts.authority.key:
        raise AnchorError(CounterError.WrongAuthority)
    if counter.count + amount > U64_MAX:
        raise AnchorError(CounterError.Overflow)
    store_account(accounts.counter, replace(counter, count=counter.count + amount))
    emit(ctx, Incremented(counter.count + amount, accounts.authority.key))


def close(ctx: InvokeContext, accounts: Accounts) -> None:
    counter = load_account(accounts.counter, Counter, ctx.program_id)
    if counter.authority != accounts.authority.key:
        raise AnchorError(CounterError.WrongAuthority)
    close_account(accounts.counter, accounts.authority)


def resize(ctx: InvokeContext, accounts: Accounts, space: int) -> None:
    counter = load_account(accounts.counter, Counter, ctx.program_id)
    if counter.authority != accounts.payer.key:
        raise AnchorError(CounterError.WrongAuthority)
    realloc_account(ctx, account=accounts.counter, space=space, payer=accounts.payer)


def configure(
    ctx: InvokeContext, accounts: Accounts, settings: Settings, note: str | None, delegates: list[Pubkey]
) -> None:
    audit = accounts.maybe("audit")
    ctx.log(
        f"configured {settings.name}: {len(settings.shapes)} shapes, {len(delegates)} delegates, "
        f"audit {audit.key if audit else None}, {len(accounts.remaining_accounts)} more accounts, note {note}"
    )


INITIALIZE = Instruction(
    "initialize",
    (
        InstructionAccount("payer", mut=True, signer=True),
        InstructionAccount("authority"),
        InstructionAccount("counter", mut=True),
        InstructionAccount("system_program"),
    ),
    {"start": U64},
    initialize,
)
INCREMENT = Instruction(
    "increment_by",
    (InstructionAccount("counter", mut=True), InstructionAccount("authority", signer=True)),
    {"amount": U64},
    increment,
)
CLOSE = Instruction(
    "close",
    (InstructionAccount("authority", mut=True, signer=True), InstructionAccount("counter", mut=True)),
    {},
    close,
)
RESIZE = Instruction(
    "resize",
    (
        InstructionAccount("payer", mut=True, signer=True),
        InstructionAccount("counter", mut=True),
        InstructionAccount("system_program"),
    ),
    {"space": U32},
    resize,
)
CONFIGURE = Instruction(
    "configure",
    (InstructionAccount("authority", signer=True), InstructionAccount("audit", optional=True)),
    {"settings": Settings, "note": Option(STRING), "delegates": Vec(PUBKEY)},
    configure,
)

INTERFACE = ProgramInterface(
    "counter",
    "0.1.0",
    instructions=(INITIALIZE, INCREMENT, CLOSE, RESIZE, CONFIGURE),
    accounts=(Counter,),
    events=(Incremented,),
    errors=CounterError,
)


def program_spec() -> ProgramSpec:
    return ProgramSpec(PROGRAM_ID, entrypoint(INTERFACE), "counter")
