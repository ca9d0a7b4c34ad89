"""The coordinator's instruction arguments as :mod:`emulator.anchor` types, backed by the ctypes Borsh codecs.

The argument codecs in :mod:`coordinator_program.state.borsh_args` decode straight into the account's ``ctypes``
structures, so a decoded config or model is assigned into the account as is. The Anchor dispatcher and the IDL
generator speak :class:`emulator.anchor.borsh.BorshType`; :func:`arg_type` wraps a codec as one, reading and writing
through the codec and describing its schema to the legacy IDL (structs and data enums as defined types, fixed
strings as ``[u8; N]``, ``FixedVec<T, N>`` as a struct ``{data: [T; N], len: u64}``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from coordinator_program.state import borsh as cborsh
from emulator.anchor import borsh as abi
from emulator.anchor.discriminator import camel_case

__all__ = ["arg_type"]

_SCALARS: dict[str, abi.BorshType[Any]] = {
    "B": abi.U8,
    "H": abi.U16,
    "I": abi.U32,
    "Q": abi.U64,
    "i": abi.I32,
    "f": abi.F32,
    "d": abi.F64,
}


def _read(codec: cborsh.Codec[Any], reader: abi.Reader) -> Any:
    """Decode with ``codec`` from the dispatcher's reader, reporting malformed bytes as the dispatcher expects."""
    inner = cborsh.Reader(reader.data[reader.pos :])
    try:
        value = codec.decode_from(inner)
    except cborsh.BorshError as exc:
        raise abi.BorshDecodeError(str(exc)) from exc
    reader.pos += inner.position
    return value


def _write(codec: cborsh.Codec[Any], value: Any, out: bytearray) -> None:
    try:
        codec.encode_into(value, out)
    except (cborsh.BorshEncodeError, TypeError, ValueError) as exc:
        raise abi.BorshEncodeError(str(exc)) from exc


class _CodecType(abi.BorshType[Any]):
    """An anonymous composite (option field, array, fixed string) read and written by its codec."""

    def __init__(self, codec: cborsh.Codec[Any], idl: abi.IdlTypeJson, min_size: int, children: list[Any]) -> None:
        self.codec = codec
        self._idl = idl
        self._min_size = min_size
        self._children = children

    def write(self, value: Any, out: bytearray) -> None:
        _write(self.codec, value, out)

    def read(self, reader: abi.Reader) -> Any:
        return _read(self.codec, reader)

    def idl(self) -> abi.IdlTypeJson:
        return self._idl

    @property
    def min_size(self) -> int:
        return self._min_size

    def children(self) -> Iterator[abi.BorshType[Any]]:
        return iter(self._children)


class _CodecDefined(abi.DefinedType[Any]):
    """A named struct or enum read and written by its codec; ``definition`` is its IDL type object."""

    def __init__(
        self,
        cls: type,
        name: str,
        codec: cborsh.Codec[Any],
        definition: dict[str, Any],
        min_size: int,
        children: list[abi.BorshType[Any]],
    ) -> None:
        super().__init__(cls)
        self.name = name
        self.codec = codec
        self._definition = definition
        self._min_size = min_size
        self._children = children

    def write(self, value: Any, out: bytearray) -> None:
        _write(self.codec, value, out)

    def read(self, reader: abi.Reader) -> Any:
        return _read(self.codec, reader)

    def definition(self) -> dict[str, Any]:
        return self._definition

    @property
    def min_size(self) -> int:
        return self._min_size

    def children(self) -> Iterator[abi.BorshType[Any]]:
        return iter(self._children)


def _struct(
    cls: type, name: str, codec: cborsh.Codec[Any], fields: list[tuple[str, abi.BorshType[Any]]]
) -> _CodecDefined:
    definition = {"kind": "struct", "fields": [{"name": camel_case(n), "type": t.idl()} for n, t in fields]}
    return _CodecDefined(cls, name, codec, definition, sum(t.min_size for _, t in fields), [t for _, t in fields])


def _item_name(item: abi.BorshType[Any]) -> str:
    idl = item.idl()
    return idl["defined"] if isinstance(idl, dict) else idl.capitalize()


def arg_type(codec: cborsh.Codec[Any], name: str | None = None) -> abi.BorshType[Any]:
    """``codec`` as an Anchor argument type; ``name`` overrides a record's IDL name (e.g. an empty params struct).

    >>> from coordinator_program.state.borsh_args import COORDINATOR_PROGRESS
    >>> arg_type(COORDINATOR_PROGRESS).idl()
    {'defined': 'CoordinatorProgress'}
    """
    if isinstance(codec, cborsh.Scalar):
        return _SCALARS[codec.fmt]
    if codec is cborsh.BOOL:
        return abi.BOOL
    if codec is cborsh.STRING:
        return abi.STRING
    if codec is cborsh.PUBKEY:
        return abi.PUBKEY
    if isinstance(codec, cborsh.Optional):
        return abi.Option(arg_type(codec.inner))
    if isinstance(codec, cborsh.COption):
        inner = arg_type(codec.inner)
        return _CodecType(codec, {"option": inner.idl()}, 1, [inner])
    if isinstance(codec, cborsh.CFixedString):
        capacity = codec.string_type.CAPACITY
        return _CodecType(codec, {"array": ["u8", capacity]}, capacity, [abi.U8])
    if isinstance(codec, cborsh.CArray):
        item = arg_type(codec.item)
        length = codec.array_type._length_
        return _CodecType(codec, {"array": [item.idl(), length]}, length * item.min_size, [item])
    if isinstance(codec, cborsh.CFixedVec):
        item = arg_type(codec.item)
        capacity = codec.vec_type.CAPACITY
        fields: list[tuple[str, abi.BorshType[Any]]] = [("data", abi.Array(item, capacity)), ("len", abi.U64)]
        return _struct(codec.vec_type, f"FixedVec{capacity}{_item_name(item)}", codec, fields)
    if isinstance(codec, cborsh.UnitEnum):
        names = [{"name": member.name} for member in codec.enum]
        return _CodecDefined(codec.enum, codec.enum.__name__, codec, {"kind": "enum", "variants": names}, 1, [])
    if isinstance(codec, cborsh.CStruct):
        members = [(field, arg_type(c)) for field, c in codec.fields]
        return _struct(codec.struct_type, name or codec.struct_type.__name__, codec, members)
    if isinstance(codec, cborsh.Record):
        record_fields = [(field, arg_type(c)) for field, c in codec.fields]
        cls = codec.factory if isinstance(codec.factory, type) else type(codec)
        return _struct(cls, name or cls.__name__, codec, record_fields)
    if isinstance(codec, cborsh.CTaggedUnion):
        tags = codec.union_type.TAGS
        variants: list[dict[str, Any]] = []
        children: list[abi.BorshType[Any]] = []
        for tag in sorted(codec.variants):
            entry: dict[str, Any] = {"name": tags(tag).name}
            variant_codec = codec.variants[tag]
            if variant_codec is not None:
                payload = arg_type(variant_codec)
                entry["fields"] = [payload.idl()]
                children.append(payload)
            variants.append(entry)
        union = codec.union_type
        return _CodecDefined(union, union.__name__, codec, {"kind": "enum", "variants": variants}, 1, children)
    raise TypeError(f"no Anchor type for codec {codec!r}")
