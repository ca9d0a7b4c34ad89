"""The Anchor 0.30 IDL of a :class:`ProgramInterface`: what ``anchor build`` 0.30.1 writes, and TypeScript
``@coral-xyz/anchor`` 0.30+ reads.

It is derived from the same declaration as the legacy IDL (:mod:`emulator.anchor.idl`), so the two
cannot drift: names become snake_case (types keep their Pascal case), ``publicKey`` becomes
``pubkey``, ``defined`` references become ``{"defined": {"name": ...}}``, every instruction,
account and event carries its 8-byte discriminator, account and event layouts move under
``types``, and ``metadata`` holds the crate's name, version and description. Variants the
reference declares with named fields (``AdamW { betas, ... }``) are written so, where the legacy
IDL wraps their fields in a struct of their own. Zero-copy accounts (``#[account(zero_copy)]``)
are listed with a ``bytemuck``/``repr(C)`` layout.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from solders.pubkey import Pubkey

from emulator.anchor.discriminator import (
    account_discriminator,
    event_discriminator,
    instruction_discriminator,
    snake_case,
)
from emulator.anchor.idl import idl
from emulator.anchor.interface import ProgramInterface, ZeroCopyAccount

__all__ = ["IDL_SPEC", "idl_v030", "idl_v030_json"]

IDL_SPEC = "0.1.0"  # the IDL spec version anchor 0.30 writes
# Accounts Anchor resolves by type (Program<System>, Sysvar<Rent>...), written with their fixed address.
_KNOWN_ADDRESSES = {
    "system_program": "11111111111111111111111111111111",
    "token_program": "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",
    "associated_token_program": "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL",
    "rent": "SysvarRent111111111111111111111111111111111",
}


def _type(legacy: Any) -> Any:
    """A legacy IDL type expression in the 0.30 form."""
    if legacy == "publicKey":
        return "pubkey"
    if isinstance(legacy, str):
        return legacy
    if "defined" in legacy:
        return {"defined": {"name": legacy["defined"]}}
    if "array" in legacy:
        item, length = legacy["array"]
        return {"array": [_type(item), length]}
    ((kind, inner),) = legacy.items()  # vec / option
    return {kind: _type(inner)}


def _fields(legacy_fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"name": snake_case(field["name"]), "type": _type(field["type"])} for field in legacy_fields]


class _Converter:
    """Converts one legacy document's type definitions, inlining the declared named-variant payloads."""

    def __init__(self, legacy: dict[str, Any], named_variant_payloads: frozenset[str]) -> None:
        self.definitions = {entry["name"]: entry["type"] for entry in (*legacy["accounts"], *legacy["types"])}
        self.payloads = named_variant_payloads

    def definition(self, legacy: dict[str, Any]) -> dict[str, Any]:
        if legacy["kind"] == "struct":
            return {"kind": "struct", "fields": _fields(legacy["fields"])}
        return {"kind": "enum", "variants": [self._variant(variant) for variant in legacy["variants"]]}

    def _variant(self, variant: dict[str, Any]) -> dict[str, Any]:
        fields = variant.get("fields")
        entry: dict[str, Any] = {"name": variant["name"]}
        if not fields:
            return entry
        if len(fields) == 1 and isinstance(fields[0], dict) and fields[0].get("defined") in self.payloads:
            entry["fields"] = _fields(self.definitions[fields[0]["defined"]]["fields"])
        elif isinstance(fields[0], dict) and "name" in fields[0]:
            entry["fields"] = _fields(fields)
        else:
            entry["fields"] = [_type(field) for field in fields]
        return entry


def _instruction(legacy: dict[str, Any]) -> dict[str, Any]:
    name = snake_case(legacy["name"])
    accounts = []
    for account in legacy["accounts"]:
        account_name = snake_case(account["name"])
        entry: dict[str, Any] = {"name": account_name}
        if account["isMut"]:
            entry["writable"] = True
        if account["isSigner"]:
            entry["signer"] = True
        if account.get("isOptional"):
            entry["optional"] = True
        if account_name in _KNOWN_ADDRESSES:
            entry["address"] = _KNOWN_ADDRESSES[account_name]
        accounts.append(entry)
    return {
        "name": name,
        "discriminator": list(instruction_discriminator(name)),
        "accounts": accounts,
        "args": _fields(legacy["args"]),
    }


def _zero_copy_type(account: ZeroCopyAccount) -> dict[str, Any]:
    return {
        "name": account.name,
        "serialization": "bytemuck",
        "repr": {"kind": "c"},
        "type": {"kind": "struct", "fields": [{"name": name, "type": type_} for name, type_ in account.fields]},
    }


def _referenced_names(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        defined = value.get("defined")
        if isinstance(defined, dict):
            yield defined["name"]
        for item in value.values():
            yield from _referenced_names(item)
    elif isinstance(value, list):
        for item in value:
            yield from _referenced_names(item)


def idl_v030(interface: ProgramInterface, address: Pubkey) -> dict[str, Any]:
    """The 0.30 IDL as a JSON-ready dict."""
    legacy = idl(interface)
    convert = _Converter(legacy, interface.named_variant_payloads)
    types = [
        {"name": entry["name"], "type": convert.definition(entry["type"])}
        for entry in (*legacy["accounts"], *legacy["types"])
    ]
    types += [_zero_copy_type(account) for account in interface.zero_copy_accounts]
    types += [
        {"name": event["name"], "type": {"kind": "struct", "fields": _fields(event["fields"])}}
        for event in legacy["events"]
    ]
    instructions = [_instruction(ix) for ix in legacy["instructions"]]
    # A payload struct that only ever appeared inside its variant has no type of its own in the reference.
    used = set(_referenced_names([instructions, [entry["type"] for entry in types]]))
    account_names = [entry["name"] for entry in legacy["accounts"]] + [a.name for a in interface.zero_copy_accounts]
    keep = used | set(account_names) | {event["name"] for event in legacy["events"]}
    document: dict[str, Any] = {
        "address": str(address),
        "metadata": {
            "name": interface.name,
            "version": interface.version,
            "spec": IDL_SPEC,
            "description": interface.description,
        },
        "instructions": instructions,
        "accounts": [{"name": name, "discriminator": list(account_discriminator(name))} for name in account_names],
    }
    if legacy["events"]:
        document["events"] = [
            {"name": event["name"], "discriminator": list(event_discriminator(event["name"]))}
            for event in legacy["events"]
        ]
    if legacy["errors"]:
        document["errors"] = legacy["errors"]
    document["types"] = [entry for entry in types if entry["name"] in keep]
    return document


def idl_v030_json(interface: ProgramInterface, address: Pubkey) -> str:
    """The 0.30 IDL as the JSON text ``target/idl/<name>.json`` holds."""
    return json.dumps(idl_v030(interface, address), indent=2) + "\n"
