"""The serde shape of the coordinator's settings: TOML/JSON values <-> the account's ``ctypes`` structures.

The reference reads ``[config]``/``[model]`` from TOML and prints them in ``json-dump-run`` through serde's derive,
so both documents have one shape, fixed by the Rust field and variant names. Those are exactly the names of the
Borsh schema in :mod:`coordinator_program.state.borsh_args` (the codecs the program decodes its instructions
with), so this module walks that schema instead of restating it:

* integers are integers, range-checked for their width; floats are floats (an integer is accepted, as serde does);
  ``bool`` is a boolean;
* ``FixedString<L>`` is a string, cut to ``L`` bytes as the reference's ``from_str_truncated`` does (spec §2.4);
* ``[T; N]`` is an array of exactly ``N`` items;
* ``Option<T>`` is the value, or an absent key (TOML) or ``null`` (JSON; accepted too, so that
  :func:`from_serde` reads back what :func:`to_serde` writes);
* a fieldless enum is its variant name; an enum with data is externally tagged: a unit variant is its name, a data
  variant a one-key table ``{Variant = data}``;
* a struct is a table with exactly its fields: a key that names no field is an error (the reference's serde would
  skip it; here a typo in an optional field such as ``clip_grad_norm`` must not pass silently).
"""

from __future__ import annotations

import difflib
import math
import struct
from collections.abc import Mapping
from typing import Any

from coordinator_program.core.types import FixedString, TaggedUnion
from coordinator_program.state.borsh import CArray, CEnum, CFixedString, COption, CStruct, CTaggedUnion
from emulator.anchor.borsh import BOOL, BorshType, FloatType, IntType
from formats.run_config.errors import RunConfigError

__all__ = ["from_serde", "to_serde", "f32_shortest"]

_F32_MAX = struct.unpack("<f", b"\xff\xff\x7f\x7f")[0]


def f32_shortest(value: float) -> float:
    """The shortest decimal that reads back as the same ``f32`` (what Rust prints for an ``f32``), as a float.

    An ``f32`` read from memory is a double such as 0.9990000128746033; serde_json prints it as ``0.999``.

    >>> f32_shortest(struct.unpack("<f", struct.pack("<f", 0.999))[0])
    0.999
    """
    if not math.isfinite(value):
        return value
    packed = struct.pack("<f", value)
    for digits in range(1, 10):
        candidate = float(f"{value:.{digits}g}")
        if struct.pack("<f", candidate) == packed:
            return candidate
    return value


def _describe(value: object) -> str:
    """A TOML (or JSON) value's type, as an error message names it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return "a date/time"


def _one_of(names: list[str]) -> str:
    return ", ".join(names)


def _suggestion(name: str, names: list[str]) -> str:
    close = difflib.get_close_matches(name, names, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


class _Decoder:
    """Builds ctypes values from parsed TOML, raising :class:`RunConfigError` at the first bad value."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, field: str, rule: str) -> RunConfigError:
        return RunConfigError(self.source, field, rule)

    def decode(self, codec: BorshType[Any], value: object, field: str) -> Any:
        if codec is BOOL:
            if not isinstance(value, bool):
                raise self.fail(field, f"must be a boolean, not {_describe(value)}")
            return value
        if isinstance(codec, IntType):
            return self.integer(codec, value, field)
        if isinstance(codec, FloatType):
            return self.floating_point(codec, value, field)
        if isinstance(codec, CFixedString):
            return self.fixed_string(codec, value, field)
        if isinstance(codec, CArray):
            return self.array(codec, value, field)
        if isinstance(codec, COption):
            option = codec.option_type()
            option.set(None if value is None else self.decode(codec.item, value, field))
            return option
        if isinstance(codec, CEnum):
            return self.unit_enum(codec, value, field)
        if isinstance(codec, CStruct):
            return self.struct(codec, value, field)
        if isinstance(codec, CTaggedUnion):
            return self.tagged_union(codec, value, field)
        raise TypeError(f"no serde shape for {type(codec).__name__}")

    def floating_point(self, codec: FloatType, value: object, field: str) -> float:
        kind = codec.idl()
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(field, f"must be a number ({kind}), not {_describe(value)}")
        try:
            number = float(value)
        except OverflowError:  # an integer beyond any float
            number = math.inf
        if not math.isfinite(number):
            raise self.fail(field, f"must be a finite number ({kind}), got {value}")
        if kind == "f32" and abs(number) > _F32_MAX:
            raise self.fail(field, f"must fit in an f32 (magnitude at most {_F32_MAX:.8g}), got {number:g}")
        return number

    def integer(self, codec: IntType, value: object, field: str) -> int:
        kind, low, high = codec.idl(), codec.min_value, codec.max_value
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(field, f"must be an integer ({kind}), not {_describe(value)}")
        if not low <= value <= high:
            raise self.fail(field, f"must be an integer from {low} to {high} ({kind}), got {value}")
        return value

    def fixed_string(self, codec: CFixedString, value: object, field: str) -> FixedString:
        if not isinstance(value, str):
            raise self.fail(field, f"must be a string, not {_describe(value)}")
        text = codec.string_type()
        text.set_truncated(value)
        return text

    def array(self, codec: CArray, value: object, field: str) -> Any:
        length = codec.array_type._length_
        if not isinstance(value, list):
            raise self.fail(field, f"must be an array of {length} items, not {_describe(value)}")
        if len(value) != length:
            raise self.fail(field, f"must have exactly {length} items, got {len(value)}")
        return codec.array_type(*(self.decode(codec.item, item, f"{field}[{i}]") for i, item in enumerate(value)))

    def unit_enum(self, codec: CEnum, value: object, field: str) -> Any:
        names = [member.name for member in codec.members]
        if not isinstance(value, str):
            raise self.fail(field, f"must be one of {_one_of(names)} (a string), not {_describe(value)}")
        if value not in names:
            raise self.fail(
                field, f"unknown variant {value!r}, expected one of {_one_of(names)}{_suggestion(value, names)}"
            )
        return codec.cls[value]

    def table(self, value: object, field: str, expected: str) -> Mapping[str, object]:
        if not isinstance(value, dict):
            raise self.fail(field, f"must be {expected}, not {_describe(value)}")
        return value

    def struct(self, codec: CStruct, value: object, field: str) -> Any:
        names = [name for name, _ in codec.fields]
        table = self.table(value, field, "a table")
        for key in table:
            if key not in names:
                raise self.fail(
                    f"{field}.{key}", f"is not a field here (expected {_one_of(names)}){_suggestion(key, names)}"
                )
        instance = codec.struct_type()
        for name, field_codec in codec.fields:
            if name in table:
                setattr(instance, name, self.decode(field_codec, table[name], f"{field}.{name}"))
            elif not isinstance(field_codec, COption):  # an absent Option is None, which a zeroed value holds
                raise self.fail(f"{field}.{name}", "is missing")
        return instance

    def tagged_union(self, codec: CTaggedUnion[TaggedUnion], value: object, field: str) -> TaggedUnion:
        tags = {codec.union_type.TAGS(tag).name: tag for tag in codec.variants}
        names = list(tags)
        expected = f"one of {_one_of(names)}"
        if isinstance(value, str):
            name, data, data_field = value, None, field
        else:
            table = self.table(value, field, f"{expected} (a string, or a table keyed by the variant)")
            if len(table) != 1:
                raise self.fail(field, f"must name exactly one variant ({expected}), got {len(table)} keys")
            ((name, data),) = table.items()
            data_field = f"{field}.{name}"
        if name not in tags:
            raise self.fail(field, f"unknown variant {name!r}, expected {expected}{_suggestion(name, names)}")
        variant_codec = codec.variants[tags[name]]
        instance: TaggedUnion = codec.union_type()
        if variant_codec is None:
            if data is not None:
                raise self.fail(data_field, f"takes no data: write {field} = {name!r}")
            instance.set_variant(tags[name])
        else:
            if data is None:
                raise self.fail(field, f"variant {name!r} needs data: write it as a table keyed by {name!r}")
            instance.set_variant(tags[name], self.decode(variant_codec, data, data_field))
        return instance


def from_serde(codec: BorshType[Any], value: object, field: str, source: str) -> Any:
    """The ctypes value that ``value`` (parsed TOML) describes under ``codec``'s schema.

    ``field`` is the dotted path of ``value`` in its document and ``source`` the document's name, both for the
    :class:`RunConfigError` raised at the first value that does not fit.
    """
    return _Decoder(source).decode(codec, value, field)


def to_serde(codec: BorshType[Any], value: Any) -> Any:
    """``value`` as serde_json shapes it (dicts, lists, str, int, float, bool, None), ready for ``json.dumps``.

    Non-finite floats become None, as ``serde_json`` writes them (``null``); ``f32`` values are given as the
    shortest decimal that reads back as the same ``f32``, which is what Rust prints.
    """
    if codec is BOOL:
        return bool(value)
    if isinstance(codec, FloatType):
        number = float(value)
        if not math.isfinite(number):
            return None
        return f32_shortest(number) if codec.idl() == "f32" else number
    if isinstance(codec, IntType):
        return int(value)
    if isinstance(codec, CFixedString):
        return value.value
    if isinstance(codec, CArray):
        return [to_serde(codec.item, item) for item in value]
    if isinstance(codec, COption):
        return to_serde(codec.item, value.value) if value.is_some() else None
    if isinstance(codec, CEnum):
        return codec.cls(value).name
    if isinstance(codec, CStruct):
        return {name: to_serde(field_codec, getattr(value, name)) for name, field_codec in codec.fields}
    if isinstance(codec, CTaggedUnion):
        kind = value.kind
        variant_codec = codec.variants[kind]
        return kind.name if variant_codec is None else {kind.name: to_serde(variant_codec, value.variant())}
    raise TypeError(f"no serde shape for {type(codec).__name__}")
