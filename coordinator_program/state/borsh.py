"""Borsh codecs, bounds-checked, that decode straight into ``ctypes`` values.

Borsh is the instruction-argument encoding: fields in declared order without padding, enum = ``u8`` variant index
then the variant's fields, ``Option`` = ``u8`` tag (0/1) then the value, ``bool`` = one byte 0/1, ``String`` =
``u32`` length then UTF-8, fixed arrays = their items. Each :class:`Codec` encodes a value into a ``bytearray`` and
decodes one from a :class:`Reader`; malformed input raises a :class:`BorshError` subclass naming the fault, which
the program reports as Anchor's ``InstructionDidNotDeserialize``.

The ``C*`` codecs pair a Borsh schema with a ``ctypes`` type from the account layout: decoding produces an instance
that can be assigned into the account as is, and encoding reads the instance's fields. The schema, not the ctypes
type, fixes the Borsh field order, which matters where rustc reordered a struct in memory.
"""

from __future__ import annotations

import ctypes
import struct
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Generic, TypeVar

from solders.pubkey import Pubkey

from coordinator_program.core.types import FixedString, FixedVec, Option, TaggedUnion

__all__ = [
    "BorshError",
    "BorshEndOfData",
    "BorshTrailingData",
    "BorshInvalidEnumTag",
    "BorshInvalidOption",
    "BorshInvalidBool",
    "BorshInvalidFloat",
    "BorshInvalidUtf8",
    "BorshEncodeError",
    "Reader",
    "Codec",
    "Scalar",
    "U8",
    "U16",
    "U32",
    "U64",
    "I32",
    "F32",
    "F64",
    "BOOL",
    "STRING",
    "PUBKEY",
    "Optional",
    "UnitEnum",
    "Record",
    "CArray",
    "CFixedString",
    "CFixedVec",
    "COption",
    "CStruct",
    "CTaggedUnion",
]

T = TypeVar("T")


class BorshError(ValueError):
    """Bytes that are not a valid Borsh encoding of the expected type."""


class BorshEndOfData(BorshError):
    """The data ended before the value did."""


class BorshTrailingData(BorshError):
    """Bytes were left over after a value that had to use all of them."""


class BorshInvalidEnumTag(BorshError):
    """An enum's variant byte names no variant."""


class BorshInvalidOption(BorshError):
    """An ``Option`` tag byte other than 0 or 1."""


class BorshInvalidBool(BorshError):
    """A ``bool`` byte other than 0 or 1."""


class BorshInvalidFloat(BorshError):
    """A NaN float, which borsh-rs refuses to deserialize."""


class BorshInvalidUtf8(BorshError):
    """A ``String`` whose bytes are not UTF-8."""


class BorshEncodeError(ValueError):
    """A Python value that its codec cannot encode (out of range, wrong length)."""


class Reader:
    """A cursor over bytes; every read is bounds-checked."""

    __slots__ = ("_data", "_pos")

    def __init__(self, data: bytes | bytearray | memoryview) -> None:
        self._data = memoryview(data).cast("B")
        self._pos = 0

    @property
    def position(self) -> int:
        return self._pos

    @property
    def remaining(self) -> int:
        return len(self._data) - self._pos

    def take(self, size: int) -> bytes:
        if size > self.remaining:
            raise BorshEndOfData(f"need {size} bytes at offset {self._pos}, only {self.remaining} left")
        chunk = bytes(self._data[self._pos : self._pos + size])
        self._pos += size
        return chunk

    def finish(self) -> None:
        """Raise :class:`BorshTrailingData` unless every byte was read."""
        if self.remaining:
            raise BorshTrailingData(f"{self.remaining} trailing bytes at offset {self._pos}")


class Codec(ABC, Generic[T]):
    """Encodes and decodes one type."""

    @abstractmethod
    def encode_into(self, value: T, out: bytearray) -> None: ...

    @abstractmethod
    def decode_from(self, reader: Reader) -> T: ...

    def encode(self, value: T) -> bytes:
        out = bytearray()
        self.encode_into(value, out)
        return bytes(out)

    def decode(self, data: bytes | bytearray | memoryview) -> T:
        """Decode a value that must use all of ``data``."""
        reader = Reader(data)
        value = self.decode_from(reader)
        reader.finish()
        return value


class Scalar(Codec[Any]):
    """A little-endian number in ``struct`` format ``fmt`` (Python int or float)."""

    def __init__(self, fmt: str) -> None:
        self.fmt = fmt
        self._struct = struct.Struct("<" + fmt)

    @property
    def size(self) -> int:
        return self._struct.size

    def encode_into(self, value: Any, out: bytearray) -> None:
        try:
            out += self._struct.pack(value)
        except struct.error as exc:
            raise BorshEncodeError(f"cannot encode {value!r} as {self._struct.format}") from exc

    def decode_from(self, reader: Reader) -> Any:
        value = self._struct.unpack(reader.take(self._struct.size))[0]
        if value != value:  # borsh-rs refuses NaN floats "for portability reasons"
            raise BorshInvalidFloat(f"NaN is not a valid Borsh {self._struct.format[-1]} float")
        return value


U8 = Scalar("B")
U16 = Scalar("H")
U32 = Scalar("I")
U64 = Scalar("Q")
I32 = Scalar("i")
F32 = Scalar("f")
F64 = Scalar("d")


class _Bool(Codec[bool]):
    def encode_into(self, value: bool, out: bytearray) -> None:
        out.append(1 if value else 0)

    def decode_from(self, reader: Reader) -> bool:
        byte = reader.take(1)[0]
        if byte > 1:
            raise BorshInvalidBool(f"invalid bool byte {byte}")
        return byte == 1


BOOL = _Bool()


class _String(Codec[str]):
    def encode_into(self, value: str, out: bytearray) -> None:
        encoded = value.encode("utf-8")
        U32.encode_into(len(encoded), out)
        out += encoded

    def decode_from(self, reader: Reader) -> str:
        raw = reader.take(U32.decode_from(reader))
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BorshInvalidUtf8(f"string is not UTF-8: {exc}") from exc


STRING = _String()


class _Pubkey(Codec[Pubkey]):
    def encode_into(self, value: Pubkey, out: bytearray) -> None:
        out += bytes(value)

    def decode_from(self, reader: Reader) -> Pubkey:
        return Pubkey.from_bytes(reader.take(32))


PUBKEY = _Pubkey()


def _read_option_tag(reader: Reader) -> bool:
    tag = reader.take(1)[0]
    if tag > 1:
        raise BorshInvalidOption(f"invalid Option tag {tag}")
    return tag == 1


class Optional(Codec["T | None"]):
    """``Option<T>`` as a Python value or None (for top-level arguments; see :class:`COption` for fields)."""

    def __init__(self, inner: Codec[T]) -> None:
        self.inner = inner

    def encode_into(self, value: T | None, out: bytearray) -> None:
        if value is None:
            out.append(0)
        else:
            out.append(1)
            self.inner.encode_into(value, out)

    def decode_from(self, reader: Reader) -> T | None:
        return self.inner.decode_from(reader) if _read_option_tag(reader) else None


class UnitEnum(Codec[Any]):
    """A fieldless enum: one variant byte, decoded to an ``IntEnum`` member (stored in memory as a wider int)."""

    def __init__(self, enum: type[IntEnum]) -> None:
        self.enum = enum

    def encode_into(self, value: Any, out: bytearray) -> None:
        out.append(self.enum(value))

    def decode_from(self, reader: Reader) -> Any:
        tag = reader.take(1)[0]
        try:
            return self.enum(tag)
        except ValueError as exc:
            raise BorshInvalidEnumTag(f"invalid {self.enum.__name__} variant {tag}") from exc


class Record(Codec[T]):
    """A Borsh struct decoded into a Python class (e.g. a frozen dataclass) built from keyword arguments."""

    def __init__(self, factory: Callable[..., T], fields: Sequence[tuple[str, Codec[Any]]]) -> None:
        self.factory = factory
        self.fields = tuple(fields)

    def encode_into(self, value: T, out: bytearray) -> None:
        for name, codec in self.fields:
            codec.encode_into(getattr(value, name), out)

    def decode_from(self, reader: Reader) -> T:
        return self.factory(**{name: codec.decode_from(reader) for name, codec in self.fields})


_SCALARS: dict[Any, Codec[Any]] = {
    ctypes.c_uint8: U8,
    ctypes.c_uint16: U16,
    ctypes.c_uint32: U32,
    ctypes.c_uint64: U64,
    ctypes.c_int32: I32,
    ctypes.c_float: F32,
    ctypes.c_double: F64,
    ctypes.c_bool: BOOL,
}


def _derived(ctype: Any) -> Codec[Any]:
    """The codec a plain field type implies: a scalar, a FixedString, or an array of those."""
    if ctype in _SCALARS:
        return _SCALARS[ctype]
    if isinstance(ctype, type) and issubclass(ctype, FixedString):
        return CFixedString(ctype)
    if isinstance(ctype, type) and issubclass(ctype, ctypes.Array):
        return CArray(ctype, _derived(ctype._type_))
    raise TypeError(f"no Borsh codec derivable for {ctype!r}; give one explicitly")


def _copies_as_bytes(array_type: Any, item: Codec[Any]) -> bool:
    """Whether Borsh ``[T; N]`` of ``item`` is byte for byte the ctypes array's memory: integers of the ctypes item's
    size on a little-endian machine (floats are read one by one, as NaN must be refused)."""
    return (
        isinstance(item, Scalar)
        and item.fmt in "BHIQbhiq"
        and item.size == ctypes.sizeof(array_type._type_)
        and sys.byteorder == "little"
    )


class CArray(Codec[Any]):
    """``[T; N]``: the ``N`` items, into a ctypes array. An array of integers (a bloom's 24 words, a Merkle root) is
    copied in one piece, which is what decoding a witness mostly costs."""

    def __init__(self, array_type: Any, item: Codec[Any]) -> None:
        self.array_type = array_type
        self.item = item
        self._as_bytes = _copies_as_bytes(array_type, item)

    def encode_into(self, value: Any, out: bytearray) -> None:
        if self._as_bytes and isinstance(value, self.array_type):
            out += bytes(value)
            return
        if self.item is U8:
            out += bytes(value)
            return
        for element in value:
            self.item.encode_into(element, out)

    def decode_from(self, reader: Reader) -> Any:
        if self._as_bytes:
            return self.array_type.from_buffer_copy(reader.take(ctypes.sizeof(self.array_type)))
        array = self.array_type()
        for index in range(self.array_type._length_):
            array[index] = self.item.decode_from(reader)
        return array


class CFixedString(Codec[FixedString]):
    """``FixedString<L>``: ``L`` raw bytes (any content)."""

    def __init__(self, string_type: type[FixedString]) -> None:
        self.string_type = string_type

    def encode_into(self, value: FixedString, out: bytearray) -> None:
        out += value.raw

    def decode_from(self, reader: Reader) -> FixedString:
        return self.string_type.from_buffer_copy(reader.take(self.string_type.CAPACITY))


class CFixedVec(Codec[FixedVec]):
    """``FixedVec<T, N>``: all ``N`` slots, then ``len`` as ``u64``. Like the reference, ``len`` is not checked."""

    def __init__(self, vec_type: type[FixedVec], item: Codec[Any]) -> None:
        self.vec_type = vec_type
        self.item = item
        self.layout = _vec_layout(vec_type, item)

    def encode_into(self, value: FixedVec, out: bytearray) -> None:
        for element in value.data:
            self.item.encode_into(element, out)
        U64.encode_into(value.len, out)

    def decode_from(self, reader: Reader) -> FixedVec:
        if self.layout is not None:
            result: FixedVec = self.layout.decode(self.vec_type, reader)
            return result
        vec = self.vec_type()
        for index in range(self.vec_type.CAPACITY):
            vec.data[index] = self.item.decode_from(reader)
        vec.len = U64.decode_from(reader)
        return vec


class COption(Codec[Option]):
    """An ``Option<T>`` field: Borsh tag and value, into the in-memory ``Option`` structure."""

    def __init__(self, option_type: type[Option], inner: Codec[Any]) -> None:
        self.option_type = option_type
        self.inner = inner

    def encode_into(self, value: Option, out: bytearray) -> None:
        if value.is_some():
            out.append(1)
            self.inner.encode_into(value.value, out)
        else:
            out.append(0)

    def decode_from(self, reader: Reader) -> Option:
        option = self.option_type()
        option.set(self.inner.decode_from(reader) if _read_option_tag(reader) else None)
        return option


class CStruct(Codec[Any]):
    """A struct into its ctypes structure. ``order`` is the Borsh (declared) order, by default the memory order;
    fields without an entry in ``codecs`` get the codec their ctypes type implies."""

    def __init__(
        self,
        struct_type: Any,
        codecs: Mapping[str, Codec[Any]] | None = None,
        order: Sequence[str] | None = None,
    ) -> None:
        codecs = dict(codecs or {})
        memory_fields = dict(struct_type._fields_)
        names = list(order) if order is not None else list(memory_fields)
        if sorted(names) != sorted(memory_fields) or not set(codecs) <= set(names):
            raise TypeError(f"Borsh schema of {struct_type.__name__} does not match its fields")
        self.struct_type = struct_type
        self.fields = tuple((name, codecs.get(name) or _derived(memory_fields[name])) for name in names)
        self.layout = _struct_layout(struct_type, self.fields)

    def encode_into(self, value: Any, out: bytearray) -> None:
        for name, codec in self.fields:
            codec.encode_into(getattr(value, name), out)

    def decode_from(self, reader: Reader) -> Any:
        if self.layout is not None:
            return self.layout.decode(self.struct_type, reader)
        instance = self.struct_type()
        for name, codec in self.fields:
            setattr(instance, name, codec.decode_from(reader))
        return instance


@dataclass(frozen=True)
class ByteLayout:
    """A value whose Borsh bytes are its ctypes memory from offset 0 (no reordering, no padding in between, no byte
    that needs a check but floats): decoding is one copy, then a NaN check of each float at ``floats``."""

    size: int
    floats: tuple[tuple[int, struct.Struct], ...]

    def decode(self, ctype: Any, reader: Reader) -> Any:
        raw = reader.take(self.size)
        for offset, number in self.floats:
            if number.unpack_from(raw, offset)[0] != number.unpack_from(raw, offset)[0]:
                raise BorshInvalidFloat(f"NaN is not a valid Borsh {number.format[-1]} float")
        if self.size == ctypes.sizeof(ctype):
            return ctype.from_buffer_copy(raw)
        instance = ctype()  # trailing padding stays zero
        ctypes.memmove(ctypes.addressof(instance), raw, self.size)
        return instance

    def shifted(self, by: int) -> tuple[tuple[int, struct.Struct], ...]:
        return tuple((offset + by, number) for offset, number in self.floats)


def _field_layout(codec: Codec[Any], ctype: Any) -> ByteLayout | None:
    """``codec``'s :class:`ByteLayout` when decoding it into a field of ``ctype`` copies the whole field."""
    size = ctypes.sizeof(ctype)
    if isinstance(codec, Scalar) and codec.size == size:
        is_float = codec.fmt in "fd"
        if is_float != (ctype in (ctypes.c_float, ctypes.c_double)) or sys.byteorder != "little":
            return None
        return ByteLayout(size, ((0, struct.Struct("<" + codec.fmt)),) if is_float else ())
    if isinstance(codec, CArray) and codec.array_type is ctype and codec._as_bytes:
        return ByteLayout(size, ())
    if isinstance(codec, CFixedString) and codec.string_type is ctype:
        return ByteLayout(size, ())
    if isinstance(codec, (CStruct, CFixedVec)) and codec.layout is not None and codec.layout.size == size:
        return codec.layout
    return None


def _vec_layout(vec_type: type[FixedVec], item: Codec[Any]) -> ByteLayout | None:
    """A ``FixedVec``'s :class:`ByteLayout`: its items have one and ``len`` follows them without padding."""
    item_layout = _field_layout(item, vec_type.ITEM)
    data_size = ctypes.sizeof(vec_type.ITEM) * vec_type.CAPACITY
    if item_layout is None or vec_type.len.offset != data_size:  # type: ignore[attr-defined]
        return None
    item_size = ctypes.sizeof(vec_type.ITEM)
    floats = tuple(check for index in range(vec_type.CAPACITY) for check in item_layout.shifted(index * item_size))
    return ByteLayout(data_size + U64.size, floats)


def _struct_layout(struct_type: Any, fields: Sequence[tuple[str, Codec[Any]]]) -> ByteLayout | None:
    """The struct's :class:`ByteLayout` if every field has one and sits at its Borsh offset in memory."""
    memory_types = dict(struct_type._fields_)
    offset = 0
    floats: list[tuple[int, struct.Struct]] = []
    for name, codec in fields:
        layout = _field_layout(codec, memory_types[name])
        if layout is None or getattr(struct_type, name).offset != offset:
            return None
        floats += layout.shifted(offset)
        offset += layout.size
    return ByteLayout(offset, tuple(floats))


class CTaggedUnion(Codec[TaggedUnion]):
    """A ``repr(C)`` enum with data: Borsh ``u8`` variant then the variant's fields, into a :class:`TaggedUnion`.

    ``variants`` gives the codec of each variant's data (None for a unit variant), keyed by tag.
    """

    def __init__(self, union_type: type[TaggedUnion], variants: Mapping[int, Codec[Any] | None]) -> None:
        if set(variants) != set(union_type.VARIANTS) or any(
            (codec is None) != (union_type.VARIANTS[tag] is None) for tag, codec in variants.items()
        ):
            raise TypeError(f"Borsh variants of {union_type.__name__} do not match its tags")
        self.union_type = union_type
        self.variants = dict(variants)

    def encode_into(self, value: TaggedUnion, out: bytearray) -> None:
        kind = value.kind
        out.append(kind)
        codec = self.variants[kind]
        if codec is not None:
            codec.encode_into(value.variant(), out)

    def decode_from(self, reader: Reader) -> TaggedUnion:
        tag = reader.take(1)[0]
        if tag not in self.variants:
            raise BorshInvalidEnumTag(f"invalid {self.union_type.__name__} variant {tag}")
        codec = self.variants[tag]
        instance = self.union_type()
        instance.set_variant(tag, None if codec is None else codec.decode_from(reader))
        return instance
