"""A small typed Borsh codec whose type descriptions map 1:1 onto legacy Anchor IDL types.

Types are values: the primitives ``U8`` ... ``I128``, ``BOOL``, ``F32``, ``F64``, ``PUBKEY``,
``STRING``, ``BYTES``; the constructors ``Vec(t)``, ``Option(t)``, ``Array(t, n)``; and user types
declared as Python classes, which serve as ``{"defined": Name}``:

* a **struct** is a frozen dataclass whose every field is declared with :func:`borsh_field`::

      @dataclass(frozen=True)
      class Counter:
          authority: Pubkey = borsh_field(PUBKEY)
          count: int = borsh_field(U64)

* a **fieldless enum** is a Python :class:`enum.Enum`; the variant index is the declaration order
  and the IDL variant names are the member names;
* an **enum with data** subclasses :class:`BorshEnum` once for the enum and once per variant, in
  variant order; each variant is a frozen dataclass (not ``slots=True``) whose fields are its
  Borsh fields. Fields named ``_0``, ``_1``... make a tuple variant (``Hub(HubRepo)`` in Rust).

A class's IDL name is its ``__name__`` unless it sets ``IDL_NAME: ClassVar[str]`` itself (needed
when a Rust enum variant and a struct share a name, as ``Model::LLM(LLM)`` does).

Decoded values: integers ``int``, ``bool``, floats ``float``, ``Pubkey``, ``str``, ``bytes``,
vectors and arrays ``list``, options the value or ``None`` (so ``Option(Option(t))`` cannot express
``Some(None)``), structs and variants their dataclass, fieldless enums their member.

Decoding untrusted bytes is bounds-checked and raises a :class:`BorshDecodeError` that names the
fault (:class:`BorshEndOfData`, :class:`BorshTrailingData`, :class:`BorshInvalidBool`,
:class:`BorshInvalidOption`, :class:`BorshInvalidEnumTag`, :class:`BorshInvalidFloat` for NaN,
:class:`BorshInvalidUtf8`); encoding range-checks every value and raises :class:`BorshEncodeError` (a
Python int never wraps into a u64). Both follow borsh-rs 0.10, which Anchor uses.

Other codecs join by implementing :class:`BorshType` (the coordinator's zero-copy ``ctypes`` codecs in
:mod:`coordinator_program.state.borsh` do), using :func:`read_option_tag`, :func:`read_variant` and
:func:`write_fields` so that their faults read the same.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import struct
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar, Generic, TypeAlias, TypeVar, cast, overload

from solders.pubkey import Pubkey

from emulator.anchor.discriminator import camel_case
from emulator.errors import EmulatorError

T = TypeVar("T")
U = TypeVar("U")

IdlTypeJson: TypeAlias = str | dict[str, Any]
"""A type as a legacy IDL writes it: ``"u64"``, ``{"vec": "u8"}``, ``{"defined": "Counter"}``..."""

_FIELD_KEY = "borsh"
_TYPE_ATTR = "__borsh_type__"


class BorshError(EmulatorError, ValueError):
    """Bytes or a value that do not fit a Borsh type."""


class BorshDecodeError(BorshError):
    """Bytes that are not a valid encoding of the expected type."""


class BorshEncodeError(BorshError):
    """A value that the type cannot represent (out of range, wrong Python type, NaN...)."""


class BorshEndOfData(BorshDecodeError):
    """The data ended before the value did."""


class BorshTrailingData(BorshDecodeError):
    """Bytes were left over after a value that had to use all of them."""


class BorshInvalidEnumTag(BorshDecodeError):
    """An enum's variant byte names no variant."""


class BorshInvalidOption(BorshDecodeError):
    """An ``Option`` tag byte other than 0 or 1."""


class BorshInvalidBool(BorshDecodeError):
    """A ``bool`` byte other than 0 or 1."""


class BorshInvalidFloat(BorshDecodeError):
    """A NaN float, which borsh-rs refuses to deserialize."""


class BorshInvalidUtf8(BorshDecodeError):
    """A ``String`` whose bytes are not UTF-8."""


class Reader:
    """A cursor over untrusted bytes; every read is bounds-checked."""

    __slots__ = ("data", "pos")

    def __init__(self, data: bytes | bytearray | memoryview, pos: int = 0) -> None:
        # A view on a bytearray would pin its size (no realloc while the view, or an exception
        # traceback holding it, lives), so mutable account data is read from a copy.
        self.data = memoryview(bytes(data) if isinstance(data, bytearray) else data).cast("B")
        self.pos = pos

    @property
    def remaining(self) -> int:
        return len(self.data) - self.pos

    def _need(self, n: int) -> None:
        if self.pos + n > len(self.data):
            raise BorshEndOfData(f"data ends early: {n} bytes needed at offset {self.pos}, {self.remaining} left")

    def take(self, n: int) -> memoryview:
        end = self.pos + n
        if end > len(self.data):
            self._need(n)  # raises, naming what is missing
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def unpack(self, fmt: struct.Struct) -> Any:
        self._need(fmt.size)
        (value,) = fmt.unpack_from(self.data, self.pos)
        self.pos += fmt.size
        return value


class BorshType(ABC, Generic[T]):
    """One Borsh type: how a value of it is written, read, and named in an IDL."""

    @abstractmethod
    def write(self, value: T, out: bytearray) -> None:
        """Append the encoding of ``value``; raise :class:`BorshEncodeError` if it does not fit."""

    @abstractmethod
    def read(self, reader: Reader) -> T:
        """Read one value; raise :class:`BorshDecodeError` on malformed bytes."""

    @abstractmethod
    def idl(self) -> IdlTypeJson:
        """The legacy IDL JSON of this type."""

    @property
    @abstractmethod
    def min_size(self) -> int:
        """The fewest bytes any value encodes to; bounds a length prefix before items are read."""

    def children(self) -> Iterator[BorshType[Any]]:
        """The types this one is built from (to collect the defined types an IDL must list)."""
        return iter(())

    def __repr__(self) -> str:
        return f"<borsh {self.idl()}>"


# ---------------------------------------------------------------------------------------------
# Primitives


class IntType(BorshType[int]):
    """A little-endian integer of ``size`` bytes; ``min_value``/``max_value`` bound what it encodes."""

    __slots__ = ("_name", "_size", "min_value", "max_value", "_fmt")

    def __init__(self, name: str, size: int, signed: bool) -> None:
        self._name = name
        self._size = size
        self.min_value = -(1 << (8 * size - 1)) if signed else 0
        self.max_value = (1 << (8 * size - 1)) - 1 if signed else (1 << (8 * size)) - 1
        code = {1: "b", 2: "h", 4: "i", 8: "q"}.get(size)
        self._fmt = struct.Struct("<" + (code if signed else code.upper())) if code else None

    def write(self, value: int, out: bytearray) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            raise BorshEncodeError(f"{self._name} needs an int, got {type(value).__name__}")
        if not self.min_value <= value <= self.max_value:
            raise BorshEncodeError(f"{value} is out of range for {self._name}")
        if self._fmt is not None:
            out += self._fmt.pack(value)
        else:
            out += value.to_bytes(self._size, "little", signed=self.min_value < 0)

    def read(self, reader: Reader) -> int:
        if self._fmt is not None:
            return int(reader.unpack(self._fmt))
        return int.from_bytes(reader.take(self._size), "little", signed=self.min_value < 0)

    def idl(self) -> IdlTypeJson:
        return self._name

    @property
    def min_size(self) -> int:
        return self._size


class _Bool(BorshType[bool]):
    def write(self, value: bool, out: bytearray) -> None:
        if not isinstance(value, bool):
            raise BorshEncodeError(f"bool needs a bool, got {type(value).__name__}")
        out.append(1 if value else 0)

    def read(self, reader: Reader) -> bool:
        byte = reader.take(1)[0]
        if byte > 1:
            raise BorshInvalidBool(f"invalid bool byte {byte} at offset {reader.pos - 1}")
        return byte == 1

    def idl(self) -> IdlTypeJson:
        return "bool"

    @property
    def min_size(self) -> int:
        return 1


class FloatType(BorshType[float]):
    """An IEEE float (``struct`` format ``fmt``); NaN is refused both ways, as borsh-rs refuses it."""

    __slots__ = ("_name", "_fmt")

    def __init__(self, name: str, fmt: str) -> None:
        self._name = name
        self._fmt = struct.Struct(fmt)

    def write(self, value: float, out: bytearray) -> None:
        if not isinstance(value, float | int) or isinstance(value, bool):
            raise BorshEncodeError(f"{self._name} needs a float, got {type(value).__name__}")
        if math.isnan(value):  # borsh-rs refuses NaN "for portability reasons"
            raise BorshEncodeError(f"{self._name} cannot encode NaN")
        try:
            out += self._fmt.pack(value)
        except (OverflowError, struct.error) as exc:
            raise BorshEncodeError(f"{value} is out of range for {self._name}") from exc

    def read(self, reader: Reader) -> float:
        value = float(reader.unpack(self._fmt))
        if math.isnan(value):
            raise BorshInvalidFloat(f"{self._name} NaN at offset {reader.pos - self._fmt.size}")
        return value

    def idl(self) -> IdlTypeJson:
        return self._name

    @property
    def min_size(self) -> int:
        return self._fmt.size


class _Pubkey(BorshType[Pubkey]):
    def write(self, value: Pubkey, out: bytearray) -> None:
        if not isinstance(value, Pubkey):
            raise BorshEncodeError(f"publicKey needs a solders Pubkey, got {type(value).__name__}")
        out += bytes(value)

    def read(self, reader: Reader) -> Pubkey:
        return Pubkey.from_bytes(bytes(reader.take(32)))

    def idl(self) -> IdlTypeJson:
        return "publicKey"

    @property
    def min_size(self) -> int:
        return 32


_LEN = struct.Struct("<I")
_U32_MAX = 0xFFFF_FFFF


def _write_len(n: int, out: bytearray) -> None:
    if n > _U32_MAX:
        raise BorshEncodeError(f"length {n} does not fit the u32 prefix")
    out += _LEN.pack(n)


class _Bytes(BorshType[bytes]):
    def write(self, value: bytes, out: bytearray) -> None:
        if not isinstance(value, bytes | bytearray | memoryview):
            raise BorshEncodeError(f"bytes needs bytes, got {type(value).__name__}")
        _write_len(len(value), out)
        out += value

    def read(self, reader: Reader) -> bytes:
        return bytes(reader.take(reader.unpack(_LEN)))

    def idl(self) -> IdlTypeJson:
        return "bytes"

    @property
    def min_size(self) -> int:
        return 4


class _String(BorshType[str]):
    def write(self, value: str, out: bytearray) -> None:
        if not isinstance(value, str):
            raise BorshEncodeError(f"string needs a str, got {type(value).__name__}")
        try:
            raw = value.encode("utf-8")
        except UnicodeEncodeError as exc:  # lone surrogates
            raise BorshEncodeError(f"string is not valid unicode: {exc}") from exc
        _write_len(len(raw), out)
        out += raw

    def read(self, reader: Reader) -> str:
        start = reader.pos
        raw = reader.take(reader.unpack(_LEN))
        try:
            return str(raw, "utf-8")
        except UnicodeDecodeError as exc:
            raise BorshInvalidUtf8(f"invalid utf-8 in string at offset {start}: {exc.reason}") from exc

    def idl(self) -> IdlTypeJson:
        return "string"

    @property
    def min_size(self) -> int:
        return 4


U8: IntType = IntType("u8", 1, False)
U16: IntType = IntType("u16", 2, False)
U32: IntType = IntType("u32", 4, False)
U64: IntType = IntType("u64", 8, False)
U128: IntType = IntType("u128", 16, False)
I8: IntType = IntType("i8", 1, True)
I16: IntType = IntType("i16", 2, True)
I32: IntType = IntType("i32", 4, True)
I64: IntType = IntType("i64", 8, True)
I128: IntType = IntType("i128", 16, True)
BOOL: BorshType[bool] = _Bool()
F32: FloatType = FloatType("f32", "<f")
F64: FloatType = FloatType("f64", "<d")
PUBKEY: BorshType[Pubkey] = _Pubkey()
STRING: BorshType[str] = _String()
BYTES: BorshType[bytes] = _Bytes()

# ---------------------------------------------------------------------------------------------
# Constructors


class Vec(BorshType[list[T]]):
    """``Vec<T>``: a u32 count, then the items. IDL ``{"vec": T}``."""

    __slots__ = ("item",)

    def __init__(self, item: BorshType[T] | type[T]) -> None:
        self.item: BorshType[T] = borsh_type(item)

    def write(self, value: list[T], out: bytearray) -> None:
        if not isinstance(value, Sequence) or isinstance(value, str):
            raise BorshEncodeError(f"vec needs a sequence, got {type(value).__name__}")
        if value and self.item.min_size == 0:
            raise BorshEncodeError("a vec of zero-sized items cannot be decoded, so it is not encoded either")
        _write_len(len(value), out)
        for item in value:
            self.item.write(item, out)

    def read(self, reader: Reader) -> list[T]:
        count = reader.unpack(_LEN)
        _check_count(count, self.item, reader)
        return [self.item.read(reader) for _ in range(count)]

    def idl(self) -> IdlTypeJson:
        return {"vec": self.item.idl()}

    @property
    def min_size(self) -> int:
        return 4

    def children(self) -> Iterator[BorshType[Any]]:
        yield self.item


def _check_count(count: int, item: BorshType[Any], reader: Reader) -> None:
    """Refuse a count the remaining bytes cannot hold, before allocating anything for it."""
    if item.min_size == 0:
        if count:  # borsh-rs refuses collections of zero-sized items (a cheap denial of service)
            raise BorshDecodeError(f"collection of {count} zero-sized items at offset {reader.pos}")
    elif count * item.min_size > reader.remaining:
        raise BorshEndOfData(f"count {count} at offset {reader.pos - 4} exceeds the {reader.remaining} bytes left")


class Option(BorshType[T | None]):
    """``Option<T>``: a 0/1 tag, then T when 1. IDL ``{"option": T}``; ``None`` is ``None``."""

    __slots__ = ("item",)

    def __init__(self, item: BorshType[T] | type[T]) -> None:
        self.item: BorshType[T] = borsh_type(item)

    def write(self, value: T | None, out: bytearray) -> None:
        if value is None:
            out.append(0)
        else:
            out.append(1)
            self.item.write(value, out)

    def read(self, reader: Reader) -> T | None:
        return self.item.read(reader) if read_option_tag(reader) else None

    def idl(self) -> IdlTypeJson:
        return {"option": self.item.idl()}

    @property
    def min_size(self) -> int:
        return 1

    def children(self) -> Iterator[BorshType[Any]]:
        yield self.item


def read_option_tag(reader: Reader) -> bool:
    """Read an ``Option`` tag: whether a value follows (1) or not (0); any other byte is refused."""
    tag = reader.take(1)[0]
    if tag > 1:
        raise BorshInvalidOption(f"invalid option tag {tag} at offset {reader.pos - 1}")
    return tag == 1


def read_variant(reader: Reader, count: int, name: str) -> int:
    """Read an enum's ``u8`` variant index, refusing one that names none of its ``count`` variants."""
    tag = reader.take(1)[0]
    if tag >= count:
        raise BorshInvalidEnumTag(f"invalid {name} variant {tag} at offset {reader.pos - 1}")
    return tag


class Array(BorshType[list[T]]):
    """``[T; N]``: exactly N items, no prefix. IDL ``{"array": [T, N]}``."""

    __slots__ = ("item", "length")

    def __init__(self, item: BorshType[T] | type[T], length: int) -> None:
        if length < 0:
            raise ValueError(f"array length {length} is negative")
        self.item: BorshType[T] = borsh_type(item)
        self.length = length

    def write(self, value: list[T], out: bytearray) -> None:
        if not isinstance(value, Sequence) or isinstance(value, str):
            raise BorshEncodeError(f"array needs a sequence, got {type(value).__name__}")
        if len(value) != self.length:
            raise BorshEncodeError(f"array needs exactly {self.length} items, got {len(value)}")
        for item in value:
            self.item.write(item, out)

    def read(self, reader: Reader) -> list[T]:
        return [self.item.read(reader) for _ in range(self.length)]

    def idl(self) -> IdlTypeJson:
        return {"array": [self.item.idl(), self.length]}

    @property
    def min_size(self) -> int:
        return self.length * self.item.min_size

    def children(self) -> Iterator[BorshType[Any]]:
        yield self.item


# ---------------------------------------------------------------------------------------------
# User-defined types


def borsh_field(type_: BorshType[T] | type[T], *, default: Any = dataclasses.MISSING) -> T:
    """Declare a struct field's Borsh type: ``count: int = borsh_field(U64)`` (required unless given a ``default``)."""
    return cast(T, dataclasses.field(default=default, metadata={_FIELD_KEY: type_}))


def idl_name(cls: type) -> str:
    """The name a class has in the IDL: its own ``IDL_NAME`` if it sets one, else ``__name__``."""
    return str(cls.__dict__.get("IDL_NAME", cls.__name__))


class BorshEnum:
    """Base of an enum whose variants carry data (see the module docstring).

    ``class Checkpoint(BorshEnum)`` declares the enum; each later ``class Hub(Checkpoint)``, made
    a frozen dataclass, declares the next variant.
    """

    __borsh_variants__: ClassVar[list[type]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if BorshEnum in cls.__bases__:
            cls.__borsh_variants__ = []
        else:
            cls.__borsh_variants__.append(cls)


class DefinedType(BorshType[T]):
    """A user type (struct or enum), named in the IDL as ``{"defined": Name}``."""

    __slots__ = ("cls", "name")

    def __init__(self, cls: type[T]) -> None:
        self.cls = cls
        self.name = idl_name(cls)

    def idl(self) -> IdlTypeJson:
        return {"defined": self.name}

    @abstractmethod
    def definition(self) -> dict[str, Any]:
        """The IDL ``type`` object of this definition: ``{"kind": "struct", "fields": [...]}`` or an enum."""


def _dataclass_fields(cls: type) -> list[tuple[str, BorshType[Any]]]:
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls.__name__} must be a dataclass to be a Borsh struct or variant")
    fields = []
    for field in dataclasses.fields(cls):
        spec = field.metadata.get(_FIELD_KEY)
        if spec is None or not field.init:
            raise TypeError(f"{cls.__name__}.{field.name} must be declared with borsh_field(<type>)")
        fields.append((field.name, borsh_type(spec)))
    return fields


def write_fields(fields: Sequence[tuple[str, BorshType[Any]]], value: object, out: bytearray) -> None:
    """Write the named attributes of ``value`` in order; an encode error names the struct and field."""
    for name, type_ in fields:
        try:
            type_.write(getattr(value, name), out)
        except BorshEncodeError as exc:
            raise BorshEncodeError(f"{type(value).__name__}.{name}: {exc}") from exc


def fields_idl(fields: Sequence[tuple[str, BorshType[Any]]]) -> list[dict[str, Any]]:
    """The legacy IDL ``fields`` list of a struct or struct variant (names in camelCase)."""
    return [{"name": camel_case(name), "type": type_.idl()} for name, type_ in fields]


class StructBase(DefinedType[T]):
    """A Borsh struct: its named fields, in Borsh order; a subclass says how a value is built and read."""

    __slots__ = ("fields",)

    fields: Sequence[tuple[str, BorshType[Any]]]

    def definition(self) -> dict[str, Any]:
        return {"kind": "struct", "fields": fields_idl(self.fields)}

    @property
    def min_size(self) -> int:
        return sum(type_.min_size for _, type_ in self.fields)

    def children(self) -> Iterator[BorshType[Any]]:
        return (type_ for _, type_ in self.fields)


class StructType(StructBase[T]):
    """A frozen dataclass as a Borsh struct: its fields in declaration order."""

    def __init__(self, cls: type[T]) -> None:
        super().__init__(cls)
        self.fields = _dataclass_fields(cls)

    def write(self, value: T, out: bytearray) -> None:
        if type(value) is not self.cls:
            raise BorshEncodeError(f"{self.name} needs a {self.cls.__name__}, got {type(value).__name__}")
        write_fields(self.fields, value, out)

    def read(self, reader: Reader) -> T:
        return self.cls(*[type_.read(reader) for _, type_ in self.fields])


class FieldlessEnumType(DefinedType[T]):
    """A Python :class:`enum.Enum` as a Borsh enum without data: one u8 variant index."""

    __slots__ = ("members", "index")

    def __init__(self, cls: type[T]) -> None:
        super().__init__(cls)
        self.members: list[T] = list(cast(Any, cls))
        if len(self.members) > 256:
            raise TypeError(f"{cls.__name__} has more than 256 variants")
        self.index = {member: i for i, member in enumerate(self.members)}

    def write(self, value: T, out: bytearray) -> None:
        index = self.index.get(value) if isinstance(value, self.cls) else None
        if index is None:
            raise BorshEncodeError(f"{self.name} needs a {self.cls.__name__} member, got {value!r}")
        out.append(index)

    def read(self, reader: Reader) -> T:
        return self.members[read_variant(reader, len(self.members), self.name)]

    def definition(self) -> dict[str, Any]:
        return {"kind": "enum", "variants": [{"name": cast(enum.Enum, m).name} for m in self.members]}

    @property
    def min_size(self) -> int:
        return 1


class DataEnumType(DefinedType[T]):
    """A :class:`BorshEnum`: a u8 variant index, then the variant dataclass's fields."""

    __slots__ = ("variants", "index")

    def __init__(self, cls: type[T]) -> None:
        super().__init__(cls)
        variants = cast(Any, cls).__borsh_variants__
        if not variants or len(variants) > 256:
            raise TypeError(f"{cls.__name__} needs between 1 and 256 variants")
        self.variants: list[tuple[type, list[tuple[str, BorshType[Any]]]]] = [
            (variant, _dataclass_fields(variant)) for variant in variants
        ]
        self.index = {variant: i for i, (variant, _) in enumerate(self.variants)}

    def write(self, value: T, out: bytearray) -> None:
        index = self.index.get(type(value))
        if index is None:
            raise BorshEncodeError(f"{self.name} needs one of its variants, got {type(value).__name__}")
        out.append(index)
        write_fields(self.variants[index][1], value, out)

    def read(self, reader: Reader) -> T:
        variant, fields = self.variants[read_variant(reader, len(self.variants), self.name)]
        return cast(T, variant(*[type_.read(reader) for _, type_ in fields]))

    def definition(self) -> dict[str, Any]:
        variants: list[dict[str, Any]] = []
        for variant, fields in self.variants:
            entry: dict[str, Any] = {"name": idl_name(variant)}
            if fields and all(name == f"_{i}" for i, (name, _) in enumerate(fields)):
                entry["fields"] = [type_.idl() for _, type_ in fields]
            elif fields:
                entry["fields"] = fields_idl(fields)
            variants.append(entry)
        return {"kind": "enum", "variants": variants}

    @property
    def min_size(self) -> int:
        return 1

    def children(self) -> Iterator[BorshType[Any]]:
        return (type_ for _, fields in self.variants for _, type_ in fields)


@overload
def borsh_type(spec: BorshType[T]) -> BorshType[T]: ...
@overload
def borsh_type(spec: type[T]) -> BorshType[T]: ...
def borsh_type(spec: BorshType[T] | type[T]) -> BorshType[T]:
    """The codec of a type description: a :class:`BorshType` as is, or a struct/enum class (cached on it)."""
    if isinstance(spec, BorshType):
        return spec
    if not isinstance(spec, type):
        raise TypeError(f"{spec!r} is not a Borsh type")
    cached = spec.__dict__.get(_TYPE_ATTR)
    if cached is None:
        if issubclass(spec, enum.Enum):
            cached = FieldlessEnumType(spec)
        elif issubclass(spec, BorshEnum):
            if BorshEnum not in spec.__bases__:
                raise TypeError(f"{spec.__name__} is a variant; use its enum as the type")
            cached = DataEnumType(spec)
        else:
            cached = StructType(spec)
        setattr(spec, _TYPE_ATTR, cached)
    return cast(BorshType[T], cached)


# ---------------------------------------------------------------------------------------------
# Entry points


def encode(type_: BorshType[T] | type[T], value: T) -> bytes:
    """Borsh-encode ``value`` as ``type_``.

    >>> encode(U64, 5).hex()
    '0500000000000000'
    >>> encode(Vec(U16), [1, 2]).hex()
    '0200000001000200'
    """
    out = bytearray()
    borsh_type(type_).write(value, out)
    return bytes(out)


def decode(type_: BorshType[T] | type[T], data: bytes | bytearray | memoryview) -> T:
    """Decode exactly one value from ``data``; trailing bytes are an error (borsh ``try_from_slice``).

    >>> decode(Option(STRING), bytes.fromhex("0102000000") + b"hi")
    'hi'
    >>> decode(U8, b"\\x01\\x02")
    Traceback (most recent call last):
    ...
    emulator.anchor.borsh.BorshTrailingData: 1 trailing bytes after the value
    """
    value, end = decode_prefix(type_, data)
    if end != len(data):
        raise BorshTrailingData(f"{len(data) - end} trailing bytes after the value")
    return value


def decode_prefix(
    type_: BorshType[T] | type[T], data: bytes | bytearray | memoryview, offset: int = 0
) -> tuple[T, int]:
    """Decode one value starting at ``offset``; return it and the offset after it.

    Anchor reads instruction arguments and account data this way (``deserialize(&mut &data[..])``),
    so bytes after the value are ignored there.
    """
    reader = Reader(data, offset)
    value = borsh_type(type_).read(reader)
    return value, reader.pos


def walk(type_: BorshType[Any]) -> Iterator[BorshType[Any]]:
    """``type_`` and every type it is built from, depth first (each defined type once)."""
    seen: set[int] = set()
    stack = [type_]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack.extend(reversed(list(current.children())))
