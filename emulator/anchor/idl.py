"""The legacy (pre-0.30) Anchor IDL of a :class:`ProgramInterface`, the format anchorpy 0.21 reads.

Names follow what ``anchor build`` 0.29 wrote: instructions, accounts, args and fields in
camelCase, types in their declared (Pascal) case, ``publicKey`` for pubkeys, ``isMut``/``isSigner``
flags. Defined types reachable from instructions, accounts and events are collected into
``types`` (account structs are listed under ``accounts`` only).
"""

from __future__ import annotations

import json
from typing import Any

from solders.pubkey import Pubkey

from emulator.anchor.borsh import DefinedType, StructType, borsh_type, idl_name, walk
from emulator.anchor.discriminator import camel_case
from emulator.anchor.interface import Instruction, InstructionAccount, ProgramInterface


def idl(interface: ProgramInterface, address: Pubkey | None = None) -> dict[str, Any]:
    """The IDL as a JSON-ready dict; ``address`` goes to ``metadata.address`` as ``anchor build`` puts it."""
    document: dict[str, Any] = {
        "version": interface.version,
        "name": interface.name,
        "instructions": [_instruction(ix) for ix in interface.instructions],
        "accounts": [{"name": idl_name(cls), "type": _struct(cls).definition()} for cls in interface.accounts],
        "types": [{"name": defined.name, "type": defined.definition()} for defined in _user_types(interface)],
        "events": [_event(cls) for cls in interface.events],
        "errors": [
            {"code": int(code), "name": code.name}
            | ({"msg": code.declared_message} if code.declared_message is not None else {})
            for code in (interface.errors or ())
        ],
    }
    if address is not None:
        document["metadata"] = {"address": str(address)}
    return document


def idl_json(interface: ProgramInterface, address: Pubkey | None = None) -> str:
    """The IDL as the JSON text a ``target/idl/<name>.json`` file holds."""
    return json.dumps(idl(interface, address), indent=2) + "\n"


def _account(account: InstructionAccount) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": camel_case(account.name), "isMut": account.mut, "isSigner": account.signer}
    if account.optional:
        entry["isOptional"] = True
    return entry


def _instruction(ix: Instruction) -> dict[str, Any]:
    return {
        "name": camel_case(ix.name),
        "accounts": [_account(account) for account in ix.accounts],
        "args": [{"name": camel_case(name), "type": type_.idl()} for name, type_ in ix.arg_types],
    }


def _struct(cls: type) -> StructType[Any]:
    type_: object = borsh_type(cls)
    assert isinstance(type_, StructType), "ProgramInterface checks accounts and events are structs"
    return type_


def _event(cls: type) -> dict[str, Any]:
    fields = _struct(cls).definition()["fields"]
    return {"name": idl_name(cls), "fields": [field | {"index": False} for field in fields]}


def _user_types(interface: ProgramInterface) -> list[DefinedType[Any]]:
    """Every defined type the IDL must describe under ``types``, in order of first use."""
    top_level = {*interface.accounts, *interface.events}
    roots = [type_ for ix in interface.instructions for _, type_ in ix.arg_types]
    roots += [borsh_type(cls) for cls in (*interface.accounts, *interface.events, *interface.types)]
    found: dict[str, DefinedType[Any]] = {}
    for root in roots:
        for type_ in walk(root):
            if not isinstance(type_, DefinedType) or type_.cls in top_level:
                continue
            seen = found.setdefault(type_.name, type_)
            if seen.cls is not type_.cls:  # clients look types up by name, so names must be unique
                raise ValueError(f"two types are named {type_.name}: {seen.cls!r} and {type_.cls!r}")
    return list(found.values())
