"""A program's interface, declared once: the IDL and the entry point are both derived from it.

An instruction lives in its own module (``logic/increment.py``) and declares what Anchor's
``#[derive(Accounts)]`` struct and handler signature declare::

    INCREMENT = Instruction(
        "increment",
        accounts=(InstructionAccount("counter", mut=True), InstructionAccount("authority", signer=True)),
        args={"amount": U64},
        handler=increment,          # def increment(ctx, accounts, amount: int) -> None
    )

and the program module collects them with its account types, events and errors into a
:class:`ProgramInterface`, from which :func:`emulator.anchor.idl.idl` builds the IDL and
:func:`emulator.anchor.dispatch.entrypoint` the program entry point.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from solders.instruction import AccountMeta
from solders.instruction import Instruction as SoldersInstruction
from solders.pubkey import Pubkey

from emulator.anchor.borsh import BorshType, StructType, borsh_type, idl_name
from emulator.anchor.discriminator import camel_case, instruction_discriminator, snake_case
from emulator.anchor.errors import ErrorCodeEnum

Handler = Callable[..., None]
"""``handler(ctx, accounts, *args)``: the invoke context, the bound :class:`Accounts`, then the args in order."""


@dataclass(frozen=True, slots=True)
class InstructionAccount:
    """One entry of an instruction's account list, as the IDL's ``isMut``/``isSigner``/``isOptional``.

    An optional account is passed as the program id when absent (Anchor's convention).
    """

    name: str
    mut: bool = False
    signer: bool = False
    optional: bool = False


@dataclass(frozen=True, slots=True)
class Instruction:
    """One instruction: its name (snake case, as the Rust function), accounts, Borsh args and handler."""

    name: str
    accounts: tuple[InstructionAccount, ...]
    args: Mapping[str, BorshType[Any] | type]
    handler: Handler
    discriminator: bytes = field(init=False)
    arg_types: tuple[tuple[str, BorshType[Any]], ...] = field(init=False)

    def __post_init__(self) -> None:
        _check_name(self.name, f"instruction {self.name}")
        names = [account.name for account in self.accounts]
        if len(set(names)) != len(names):
            raise ValueError(f"instruction {self.name} declares an account name twice")
        for name in [*names, *self.args]:
            _check_name(name, f"{self.name}.{name}")
        object.__setattr__(self, "discriminator", instruction_discriminator(self.name))
        object.__setattr__(self, "arg_types", tuple((name, borsh_type(t)) for name, t in self.args.items()))

    def data(self, *args: Any) -> bytes:
        """The instruction data: discriminator, then ``args`` Borsh-encoded in declared order."""
        if len(args) != len(self.arg_types):
            raise TypeError(f"{self.name} takes {len(self.arg_types)} arguments, got {len(args)}")
        out = bytearray(self.discriminator)
        for (_, type_), value in zip(self.arg_types, args, strict=True):
            type_.write(value, out)
        return bytes(out)

    def build(self, program_id: Pubkey, keys: Mapping[str, Pubkey], *args: Any) -> SoldersInstruction:
        """A ready instruction: the declared accounts by name, with their declared flags, and ``args``.

        This is what a client (or a calling program, for a CPI) sends; an account missing from
        ``keys`` is a ``KeyError`` naming it.
        """
        return SoldersInstruction(program_id, self.data(*args), self.account_metas(keys))

    def account_metas(self, keys: Mapping[str, Pubkey]) -> list[AccountMeta]:
        """The declared accounts, in order, with their declared signer and writable flags."""
        return [AccountMeta(keys[account.name], account.signer, account.mut) for account in self.accounts]


@dataclass(frozen=True, slots=True)
class ZeroCopyAccount:
    """An ``#[account(zero_copy)]`` account: raw ``repr(C)`` memory, not Borsh, listed in the 0.30 IDL with its
    layout (fields after the discriminator, each an IDL 0.30 type expression, padding included)."""

    name: str
    fields: tuple[tuple[str, Any], ...]


@dataclass(frozen=True, slots=True)
class ProgramInterface:
    """Everything a program exposes: what the legacy IDL lists, plus the handlers behind it.

    ``accounts`` are the struct classes stored in accounts (discriminator ``account:<Name>``);
    ``types`` lists extra user types the IDL must carry beyond those reachable from instructions,
    accounts and events (which are collected automatically); ``errors`` is the program's
    :class:`ErrorCodeEnum`, numbered from 6000. ``version`` and ``description`` are the crate's
    (``Cargo.toml``), as the 0.30 IDL's ``metadata`` carries them; ``zero_copy_accounts`` are the
    accounts that are not Borsh structs; ``named_variant_payloads`` names the structs that stand for an
    enum variant's named fields (the reference's ``AdamW { betas, ... }``), which the 0.30 IDL inlines.
    """

    name: str
    version: str
    instructions: tuple[Instruction, ...]
    accounts: tuple[type, ...] = ()
    types: tuple[type, ...] = ()
    events: tuple[type, ...] = ()
    errors: type[ErrorCodeEnum] | None = None
    description: str = ""
    zero_copy_accounts: tuple[ZeroCopyAccount, ...] = ()
    named_variant_payloads: frozenset[str] = frozenset()
    _by_name: dict[str, Instruction] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {ix.name: ix for ix in self.instructions})
        discriminators = [ix.discriminator for ix in self.instructions]
        if len(set(discriminators)) != len(discriminators):
            raise ValueError(f"program {self.name} declares two instructions with the same discriminator")
        for cls in (*self.accounts, *self.events):
            if not isinstance(borsh_type(cls), StructType):
                raise TypeError(f"{cls.__name__} must be a Borsh struct to be an account or an event")
        user_types = [idl_name(cls) for cls in (*self.accounts, *self.types, *self.events)]
        if len(set(user_types)) != len(user_types):
            raise ValueError(f"program {self.name} declares a type name twice")

    def instruction(self, name: str) -> Instruction:
        """The instruction declared as ``name`` (snake case, as the Rust function); ``KeyError`` naming it if none.

        What a client or a test reaches for to build one instruction of this program by its name.
        """
        ix = self._by_name.get(name)
        if ix is None:
            raise KeyError(f"program {self.name} has no instruction {name!r}")
        return ix


def _check_name(name: str, what: str) -> None:
    """A name must survive the IDL's camelCase and anchorpy's snake_case unchanged, or clients miss it."""
    if not name.isidentifier() or snake_case(camel_case(name)) != name:
        raise ValueError(f"{what}: {name!r} must be a snake_case identifier that round-trips through camelCase")
