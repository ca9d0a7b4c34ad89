"""Borsh types of the coordinator's ``ctypes`` structures: the Anchor codec's types, decoding into account layouts.

Each ``C*`` type pairs a Borsh schema with a ``ctypes`` type of the account layout and implements
:class:`emulator.anchor.borsh.BorshType`, so the Anchor dispatcher decodes instruction arguments with them and the
IDL generator describes them like any other type. Decoding produces a ``ctypes`` instance that is assigned into the
119,160-byte account as is (the account itself stays a zero-copy view over its bytes); encoding reads the
instance's fields. Malformed bytes raise the codec's :class:`~emulator.anchor.borsh.BorshDecodeError` kinds, which
the program reports as Anchor's ``InstructionDidNotDeserialize``.

The schema, not the ctypes type, fixes the Borsh field order, which matters where rustc reordered a struct in
memory. In the legacy IDL fixed strings are ``[u8; N]``, ``FixedVec<T, N>`` a struct ``{data: [T; N], len: u64}``
and tagged unions enums with one tuple field per data variant.
"""

from __future__ import annotations

import ctypes
import math
import struct
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, TypeVar

from coordinator_program.core.types import FixedString, FixedVec, TaggedUnion
from coordinator_program.core.types import Option as OptionField
from emulator.anchor.borsh import (
    BOOL,
    F32,
    F64,
    I32,
    U8,
    U16,
    U32,
    U64,
    Array,
    BorshEncodeError,
    BorshInvalidFloat,
    BorshType,
    DefinedType,
    FieldlessEnumType,
    FloatType,
    IdlTypeJson,
    IntType,
    Option,
    Reader,
    StructBase,
    read_option_tag,
    read_variant,
    write_fields,
)

__all__ = ["CArray", "CEnum", "CFixedString", "CFixedVec", "COption", "CStruct", "CTaggedUnion"]

_Union = TypeVar("_Union", bound=TaggedUnion)

_SCALARS: dict[Any, BorshType[Any]] = {
    ctypes.c_uint8: U8,
    ctypes.c_uint16: U16,
    ctypes.c_uint32: U32,
    ctypes.c_uint64: U64,
    ctypes.c_int32: I32,
    ctypes.c_float: F32,
    ctypes.c_double: F64,
    ctypes.c_bool: BOOL,
}


def _derived(ctype: Any) -> BorshType[Any]:
    """The type a plain field's ctypes type implies: a scalar, a FixedString, or an array of those."""
    if ctype in _SCALARS:
        return _SCALARS[ctype]
    if isinstance(ctype, type) and issubclass(ctype, FixedString):
        return CFixedString(ctype)
    if isinstance(ctype, type) and issubclass(ctype, ctypes.Array):
        return CArray(ctype, _derived(ctype._type_))
    raise TypeError(f"no Borsh type derivable for {ctype!r}; give one explicitly")


def _same_bytes(item: BorshType[Any], ctype: Any) -> bool:
    """Whether an integer of Borsh type ``item`` is byte for byte a ``ctype`` value in memory (little-endian host)."""
    return (
        isinstance(item, IntType)
        and item.min_size == ctypes.sizeof(ctype)
        and ctype not in (ctypes.c_float, ctypes.c_double, ctypes.c_bool)
        and sys.byteorder == "little"
    )


class CArray(Array[Any]):
    """``[T; N]``: the ``N`` items, into a ctypes array (whose ``N`` is the array type's length). An array of integers
    (a bloom's 24 words, a Merkle root) is read and written as one copy, which is what decoding a witness mostly
    costs."""

    __slots__ = ("array_type", "as_bytes")

    def __init__(self, array_type: Any, item: BorshType[Any]) -> None:
        super().__init__(item, array_type._length_)
        self.array_type = array_type
        self.as_bytes = _same_bytes(item, array_type._type_)

    def write(self, value: Any, out: bytearray) -> None:
        if self.as_bytes and isinstance(value, self.array_type):
            out += bytes(value)
            return
        if len(value) != self.length:
            raise BorshEncodeError(f"array needs exactly {self.length} items, got {len(value)}")
        if self.item is U8:
            out += bytes(value)
            return
        for element in value:
            self.item.write(element, out)

    def read(self, reader: Reader) -> Any:
        if self.as_bytes:
            return self.array_type.from_buffer_copy(reader.take(ctypes.sizeof(self.array_type)))
        array = self.array_type()
        for index in range(self.length):
            array[index] = self.item.read(reader)
        return array


class CFixedString(BorshType[FixedString]):
    """``FixedString<L>``: ``L`` raw bytes (any content); ``[u8; L]`` in the IDL."""

    __slots__ = ("string_type",)

    def __init__(self, string_type: type[FixedString]) -> None:
        self.string_type = string_type

    def write(self, value: FixedString, out: bytearray) -> None:
        if not isinstance(value, FixedString) or value.CAPACITY != self.string_type.CAPACITY:
            raise BorshEncodeError(f"needs a FixedString<{self.string_type.CAPACITY}>, got {value!r}")
        out += value.raw

    def read(self, reader: Reader) -> FixedString:
        return self.string_type.from_buffer_copy(reader.take(self.string_type.CAPACITY))

    def idl(self) -> IdlTypeJson:
        return {"array": ["u8", self.string_type.CAPACITY]}

    @property
    def min_size(self) -> int:
        return self.string_type.CAPACITY

    def children(self) -> Iterator[BorshType[Any]]:
        yield U8


class COption(Option[Any]):
    """An ``Option<T>`` field: Borsh tag and value, into the in-memory ``Option`` structure (``option_type``)."""

    __slots__ = ("option_type",)

    def __init__(self, option_type: type[OptionField], item: BorshType[Any]) -> None:
        super().__init__(item)
        self.option_type = option_type

    def write(self, value: Any, out: bytearray) -> None:
        if not isinstance(value, self.option_type):
            raise BorshEncodeError(f"needs a {self.option_type.__name__}, got {type(value).__name__}")
        if value.is_some():
            out.append(1)
            self.item.write(value.value, out)
        else:
            out.append(0)

    def read(self, reader: Reader) -> Any:
        option = self.option_type()
        option.set(self.item.read(reader) if read_option_tag(reader) else None)
        return option


class CEnum(FieldlessEnumType[IntEnum]):
    """A fieldless enum kept in a ctypes integer field: it encodes the field's int as well as a member."""

    def __init__(self, cls: type[IntEnum]) -> None:
        super().__init__(cls)
        if any(int(member) != index for index, member in enumerate(self.members)):
            raise TypeError(f"{cls.__name__}: the Borsh variant index must equal each member's value")

    def write(self, value: IntEnum, out: bytearray) -> None:
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(self.members):
            out.append(int(value))
        else:
            raise BorshEncodeError(f"{self.name} needs a {self.cls.__name__} member, got {value!r}")


class CStruct(StructBase[Any]):
    """A struct into its ctypes structure. ``order`` is the Borsh (declared) order, by default the memory order;
    fields without an entry in ``types`` get the type their ctypes type implies."""

    __slots__ = ("struct_type", "layout")

    def __init__(
        self,
        struct_type: Any,
        types: Mapping[str, BorshType[Any]] | None = None,
        order: Sequence[str] | None = None,
    ) -> None:
        super().__init__(struct_type)
        types = dict(types or {})
        memory_fields = dict(struct_type._fields_)
        names = list(order) if order is not None else list(memory_fields)
        if sorted(names) != sorted(memory_fields) or not set(types) <= set(names):
            raise TypeError(f"Borsh schema of {struct_type.__name__} does not match its fields")
        self.struct_type = struct_type
        self.fields = tuple((name, types.get(name) or _derived(memory_fields[name])) for name in names)
        self.layout = _struct_layout(struct_type, self.fields)

    def write(self, value: Any, out: bytearray) -> None:
        if not isinstance(value, self.struct_type):
            raise BorshEncodeError(f"{self.name} needs a {self.struct_type.__name__}, got {type(value).__name__}")
        if self.layout is None or not self.layout.write(value, out):
            write_fields(self.fields, value, out)

    def read(self, reader: Reader) -> Any:
        if self.layout is not None:
            return self.layout.read(self.struct_type, reader)
        instance = self.struct_type()
        for name, type_ in self.fields:
            setattr(instance, name, type_.read(reader))
        return instance


class CFixedVec(DefinedType[FixedVec]):
    """``FixedVec<T, N>``: all ``N`` slots, then ``len`` as ``u64``. Like the reference, ``len`` is not checked.

    Its IDL name spells the capacity and the item (``FixedVec32WitnessEvalResult``), as one struct per instance.
    """

    __slots__ = ("vec_type", "item", "layout")

    def __init__(self, vec_type: type[FixedVec], item: BorshType[Any]) -> None:
        super().__init__(vec_type)
        self.vec_type = vec_type
        self.item = item
        self.layout = _vec_layout(vec_type, item)
        item_idl = item.idl()
        item_name = item_idl["defined"] if isinstance(item_idl, dict) else item_idl.capitalize()
        self.name = f"FixedVec{vec_type.CAPACITY}{item_name}"

    def write(self, value: FixedVec, out: bytearray) -> None:
        if not isinstance(value, self.vec_type):
            raise BorshEncodeError(f"{self.name} needs a {self.vec_type.__name__}, got {type(value).__name__}")
        if self.layout is not None and self.layout.write(value, out):
            return
        for element in value.data:
            self.item.write(element, out)
        U64.write(value.len, out)

    def read(self, reader: Reader) -> FixedVec:
        if self.layout is not None:
            decoded: FixedVec = self.layout.read(self.vec_type, reader)
            return decoded
        vec = self.vec_type()
        for index in range(self.vec_type.CAPACITY):
            vec.data[index] = self.item.read(reader)
        vec.len = U64.read(reader)
        return vec

    def definition(self) -> dict[str, Any]:
        data: IdlTypeJson = {"array": [self.item.idl(), self.vec_type.CAPACITY]}
        return {"kind": "struct", "fields": [{"name": "data", "type": data}, {"name": "len", "type": U64.idl()}]}

    @property
    def min_size(self) -> int:
        return self.vec_type.CAPACITY * self.item.min_size + U64.min_size

    def children(self) -> Iterator[BorshType[Any]]:
        yield self.item
        yield U64


class CTaggedUnion(DefinedType[_Union]):
    """A ``repr(C)`` enum with data: Borsh ``u8`` variant then the variant's fields, into a :class:`TaggedUnion`.

    ``variants`` gives the type of each variant's data (None for a unit variant), keyed by tag; the tags are the
    variant indices ``0..n-1``.
    """

    __slots__ = ("union_type", "variants")

    def __init__(self, union_type: type[_Union], variants: Mapping[int, BorshType[Any] | None]) -> None:
        super().__init__(union_type)
        if (
            set(variants) != set(union_type.VARIANTS)
            or set(variants) != set(range(len(variants)))
            or any((type_ is None) != (union_type.VARIANTS[tag] is None) for tag, type_ in variants.items())
        ):
            raise TypeError(f"Borsh variants of {union_type.__name__} do not match its tags")
        self.union_type = union_type
        self.variants = {tag: variants[tag] for tag in range(len(variants))}

    def write(self, value: _Union, out: bytearray) -> None:
        if not isinstance(value, self.union_type):
            raise BorshEncodeError(f"{self.name} needs a {self.union_type.__name__}, got {type(value).__name__}")
        try:
            kind = value.kind
        except ValueError as exc:  # a corrupted tag in account memory
            raise BorshEncodeError(str(exc)) from exc
        out.append(kind)
        type_ = self.variants[kind]
        if type_ is not None:
            type_.write(value.variant(), out)

    def read(self, reader: Reader) -> _Union:
        tag = read_variant(reader, len(self.variants), self.name)
        type_ = self.variants[tag]
        instance = self.union_type()
        instance.set_variant(tag, None if type_ is None else type_.read(reader))
        return instance

    def definition(self) -> dict[str, Any]:
        variants: list[dict[str, Any]] = []
        for tag, type_ in self.variants.items():
            entry: dict[str, Any] = {"name": self.union_type.TAGS(tag).name}
            if type_ is not None:
                entry["fields"] = [type_.idl()]
            variants.append(entry)
        return {"kind": "enum", "variants": variants}

    @property
    def min_size(self) -> int:
        return 1

    def children(self) -> Iterator[BorshType[Any]]:
        return (type_ for type_ in self.variants.values() if type_ is not None)


Run = tuple[int, int]
"""``(memory offset, length)``: bytes of a ctypes value that are Borsh bytes as they are."""


@dataclass(frozen=True)
class ByteLayout:
    """A value whose Borsh bytes are runs of its ctypes memory, in memory order, with only padding left out between
    them and no byte that needs a check but floats: reading or writing it is a copy per run and a NaN check of each
    float, instead of a call per field. A witness's arguments are such values, sent and decoded once per witness.

    ``runs`` are in Borsh order; ``size`` is the Borsh size, ``memory_size`` the ctypes size, ``floats`` the Borsh
    offsets of the floats to check.
    """

    runs: tuple[Run, ...]
    floats: tuple[tuple[int, struct.Struct], ...]
    size: int
    memory_size: int
    _all_floats: struct.Struct | None = field(init=False, repr=False, compare=False)
    _tail: bytes | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Every float unpacked at once (the bytes between them skipped), so checking them all is one C call.
        all_floats = None
        if self.floats:
            fmt, at = "<", 0
            for offset, number in sorted(self.floats, key=lambda check: check[0]):
                fmt += f"{offset - at}x{number.format[-1]}"
                at = offset + number.size
            all_floats = struct.Struct(fmt)
        object.__setattr__(self, "_all_floats", all_floats)
        # One run from offset 0: the memory is the Borsh bytes and then padding (these zero bytes).
        tail = bytes(self.memory_size - self.size) if self.runs == ((0, self.size),) else None
        object.__setattr__(self, "_tail", tail)

    @classmethod
    def whole(cls, size: int, floats: tuple[tuple[int, struct.Struct], ...] = ()) -> ByteLayout:
        """A value whose memory is its Borsh bytes."""
        return cls(((0, size),), floats, size, size)

    def _has_nan(self, raw: bytes | memoryview) -> bool:
        return self._all_floats is not None and any(map(math.isnan, self._all_floats.unpack_from(raw)))

    def write(self, value: Any, out: bytearray) -> bool:
        """Append ``value``'s runs, unless a float in them is NaN: then nothing is written and the caller's
        field-by-field path raises the error that names the field. Whether it wrote."""
        memory = bytes(value)  # the buffer protocol: one copy, faster than ctypes.string_at
        if self._tail is not None:
            raw = memory[: self.size] if self._tail else memory
        else:
            raw = b"".join(memory[offset : offset + length] for offset, length in self.runs)
        if self._has_nan(raw):
            return False
        out += raw
        return True

    def read(self, ctype: Any, reader: Reader) -> Any:
        start = reader.pos
        raw = reader.take(self.size)
        if self._has_nan(raw):
            offset = next(offset for offset, number in self.floats if math.isnan(number.unpack_from(raw, offset)[0]))
            raise BorshInvalidFloat(f"NaN at offset {start + offset}")
        if self._tail is not None:  # padding after the bytes stays zero, as field-by-field reading leaves it
            return ctype.from_buffer_copy(bytes(raw) + self._tail if self._tail else raw)
        memory = bytearray(self.memory_size)
        at = 0
        for offset, length in self.runs:
            memory[offset : offset + length] = raw[at : at + length]
            at += length
        return ctype.from_buffer_copy(memory)

    def shifted(self, by: int) -> tuple[tuple[int, struct.Struct], ...]:
        return tuple((offset + by, number) for offset, number in self.floats)


class _LayoutBuilder:
    """Concatenates the layouts of consecutive parts (fields, items) of a value, merging runs that touch."""

    def __init__(self) -> None:
        self.runs: list[Run] = []
        self.floats: list[tuple[int, struct.Struct]] = []
        self.size = 0
        self.memory_end = 0

    def add(self, layout: ByteLayout, memory_offset: int) -> bool:
        """Append a part at ``memory_offset``; False if it overlaps the previous one (memory order differs)."""
        if memory_offset < self.memory_end:
            return False
        for offset, length in layout.runs:
            start = memory_offset + offset
            if self.runs and self.runs[-1][0] + self.runs[-1][1] == start:
                self.runs[-1] = (self.runs[-1][0], self.runs[-1][1] + length)
            else:
                self.runs.append((start, length))
        self.floats += layout.shifted(self.size)
        self.size += layout.size
        self.memory_end = memory_offset + layout.memory_size
        return True

    def layout(self, memory_size: int) -> ByteLayout:
        return ByteLayout(tuple(self.runs), tuple(self.floats), self.size, memory_size)


def _field_layout(type_: BorshType[Any], ctype: Any) -> ByteLayout | None:
    """``type_``'s :class:`ByteLayout` when it is read into a field of ``ctype``, if it has one."""
    size = ctypes.sizeof(ctype)
    if _same_bytes(type_, ctype):
        return ByteLayout.whole(size)
    if isinstance(type_, FloatType) and type_.min_size == size and ctype in (ctypes.c_float, ctypes.c_double):
        if sys.byteorder != "little":
            return None
        return ByteLayout.whole(size, ((0, struct.Struct("<f" if size == 4 else "<d")),))
    if isinstance(type_, CArray) and type_.array_type is ctype and type_.as_bytes:
        return ByteLayout.whole(size)
    if isinstance(type_, CFixedString) and type_.string_type is ctype:
        return ByteLayout.whole(size)
    if isinstance(type_, CStruct | CFixedVec) and type_.layout is not None and type_.layout.memory_size == size:
        return type_.layout
    return None


def _vec_layout(vec_type: type[FixedVec], item: BorshType[Any]) -> ByteLayout | None:
    """A ``FixedVec``'s :class:`ByteLayout`: its items have one (``len`` follows them)."""
    item_layout = _field_layout(item, vec_type.ITEM)
    if item_layout is None:
        return None
    builder = _LayoutBuilder()
    for index in range(vec_type.CAPACITY):
        builder.add(item_layout, index * item_layout.memory_size)
    if not builder.add(ByteLayout.whole(U64.min_size), vec_type.len.offset):  # type: ignore[attr-defined]
        return None
    return builder.layout(ctypes.sizeof(vec_type))


def _struct_layout(struct_type: Any, fields: Sequence[tuple[str, BorshType[Any]]]) -> ByteLayout | None:
    """The struct's :class:`ByteLayout` if every field has one and the Borsh order is the memory order."""
    memory_types = dict(struct_type._fields_)
    builder = _LayoutBuilder()
    for name, type_ in fields:
        layout = _field_layout(type_, memory_types[name])
        if layout is None or not builder.add(layout, getattr(struct_type, name).offset):
            return None
    return builder.layout(ctypes.sizeof(struct_type))
