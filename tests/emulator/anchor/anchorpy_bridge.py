"""anchorpy 0.21 driving the toy counter program offline, and value conversions between the two codecs.

``Program(idl, program_id, provider)`` over an ``AsyncClient`` that is never connected is enough
for anchorpy's coders and instruction builder. Structs go to anchorpy as dicts: anchorpy encodes a
dataclass through ``dataclasses.asdict``, which deep-copies field values, and solders 0.26 Pubkeys
cannot be copied that way.
"""

from __future__ import annotations

from typing import Any

from anchorpy.program.core import Program
from anchorpy.provider import Provider, Wallet
from anchorpy_core.idl import Idl
from solana.rpc.async_api import AsyncClient
from solders.keypair import Keypair

from emulator.anchor import Array, BorshType, Option, Vec, idl_json
from emulator.anchor.borsh import DataEnumType, FieldlessEnumType, StructType, idl_name
from tests.emulator.anchor.counter_program import INTERFACE, PROGRAM_ID


def anchorpy_program() -> Program:
    idl = Idl.from_json(idl_json(INTERFACE, PROGRAM_ID))
    return Program(idl, PROGRAM_ID, Provider(AsyncClient("http://127.0.0.1:9"), Wallet(Keypair())))


def _is_tuple_variant(fields: list[tuple[str, BorshType[Any]]]) -> bool:
    return bool(fields) and all(name == f"_{i}" for i, (name, _) in enumerate(fields))


def to_anchorpy(type_: BorshType[Any], value: Any, program: Program) -> Any:
    """Our typed value as anchorpy's coders take it."""
    if isinstance(type_, StructType):
        return {name: to_anchorpy(field, getattr(value, name), program) for name, field in type_.fields}
    if isinstance(type_, FieldlessEnumType):
        return getattr(program.type[type_.name], value.name)()
    if isinstance(type_, DataEnumType):
        fields = type_.variants[type_.index[type(value)]][1]
        make = getattr(program.type[type_.name], idl_name(type(value)))
        converted = {name: to_anchorpy(field, getattr(value, name), program) for name, field in fields}
        return make(tuple(converted.values())) if _is_tuple_variant(fields) else make(**converted)
    if isinstance(type_, Vec | Array):
        return [to_anchorpy(type_.item, item, program) for item in value]
    if isinstance(type_, Option):
        return None if value is None else to_anchorpy(type_.item, value, program)
    return value


def from_anchorpy(type_: BorshType[Any], value: Any) -> Any:
    """An anchorpy-decoded value as our typed value."""
    if isinstance(type_, StructType):
        return type_.cls(*[from_anchorpy(field, getattr(value, name)) for name, field in type_.fields])
    if isinstance(type_, FieldlessEnumType):
        return type_.cls[type(value).__name__]
    if isinstance(type_, DataEnumType):
        variant, fields = next(v for v in type_.variants if idl_name(v[0]) == type(value).__name__)
        raw = list(value.tuple_data) if _is_tuple_variant(fields) else [getattr(value, name) for name, _ in fields]
        return variant(*[from_anchorpy(field, item) for (_, field), item in zip(fields, raw, strict=True)])
    if isinstance(type_, Vec | Array):
        return [from_anchorpy(type_.item, item) for item in value]
    if isinstance(type_, Option):
        return None if value is None else from_anchorpy(type_.item, value)
    return value
