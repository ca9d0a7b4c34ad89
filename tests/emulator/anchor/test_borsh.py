"""The Borsh codec round-trips every type and rejects malformed bytes and out-of-range values."""

from __future__ import annotations

import contextlib
import enum
import math
import struct
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    Array,
    BorshDecodeError,
    BorshEncodeError,
    BorshEnum,
    BorshType,
    Option,
    Vec,
    borsh_field,
    decode,
    decode_prefix,
    encode,
)
from tests.emulator.anchor.counter_program import Circle, Empty, Inner, Mode, Settings, Shape, ShapePair
from tests.emulator.anchor.strategies import f32s, f64s, pubkeys, settings_values

INTS = [(U8, 8, False), (U16, 16, False), (U32, 32, False), (U64, 64, False), (U128, 128, False)]
INTS += [(I8, 8, True), (I16, 16, True), (I32, 32, True), (I64, 64, True), (I128, 128, True)]


def int_range(bits: int, signed: bool) -> tuple[int, int]:
    return (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)


TypedValues = st.SearchStrategy[tuple[BorshType[Any], Any]]


def primitive(type_: BorshType[Any], values: st.SearchStrategy[Any]) -> TypedValues:
    return st.tuples(st.just(type_), values)


leaves = st.one_of(
    *[primitive(t, st.integers(*int_range(bits, signed))) for t, bits, signed in INTS],
    primitive(BOOL, st.booleans()),
    primitive(F32, f32s),
    primitive(F64, f64s),
    primitive(PUBKEY, pubkeys),
    primitive(STRING, st.text(max_size=20)),
    primitive(BYTES, st.binary(max_size=20)),
)


def _compound(children: TypedValues) -> TypedValues:
    """Vec/Option/Array around a type; values drawn for the wrapped type from a fixed example list."""

    @st.composite
    def build(draw: st.DrawFn) -> tuple[BorshType[Any], Any]:
        inner, example = draw(children)
        kind = draw(st.sampled_from(["vec", "option", "array"]))
        if kind == "vec":  # a vec of zero-sized items must be empty
            return Vec(inner), [example] * draw(st.integers(0, 3 if inner.min_size else 0))
        if kind == "option":
            return Option(inner), draw(st.sampled_from([None, example]))
        length = draw(st.integers(0, 3))
        return Array(inner, length), [example] * length

    return build()


typed_values = st.recursive(leaves, _compound, max_leaves=6)


@settings(max_examples=200)
@given(typed_values)
def test_values_round_trip(pair: tuple[BorshType[Any], Any]) -> None:
    type_, value = pair
    assert decode(type_, encode(type_, value)) == value


@settings(max_examples=100)
@given(settings_values)
def test_structs_and_enums_round_trip_to_their_dataclasses(value: Settings) -> None:
    raw = encode(Settings, value)
    decoded = decode(Settings, raw)
    assert decoded == value
    assert type(decoded.inner) is Inner
    assert all(isinstance(shape, Shape) for shape in decoded.shapes)


@settings(max_examples=200)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_decode_or_raise_a_decode_error(data: bytes) -> None:
    with contextlib.suppress(BorshDecodeError):
        decode(Settings, data)


@settings(max_examples=100)
@given(settings_values, st.data())
def test_every_truncation_of_a_valid_encoding_is_a_decode_error(value: Settings, data: st.DataObject) -> None:
    raw = encode(Settings, value)
    cut = data.draw(st.integers(0, len(raw) - 1))
    with pytest.raises(BorshDecodeError):
        decode(Settings, raw[:cut])


def test_known_encodings() -> None:
    assert encode(U64, 5).hex() == "0500000000000000"
    assert encode(I16, -2).hex() == "feff"
    assert encode(U128, 2**127).hex() == "00" * 15 + "80"
    assert encode(STRING, "hé").hex() == "03000000" + "68c3a9"
    assert encode(Option(U8), None) == b"\x00"
    assert encode(Option(U8), 7) == b"\x01\x07"
    assert encode(Array(U16, 2), [1, 2]).hex() == "01000200"
    assert encode(Mode, Mode.Fast) == b"\x02"
    assert encode(Shape, ShapePair(1, -1)).hex() == "0201ffff"
    assert encode(Shape, Circle(1, "a")).hex() == "01" + "01000000" + "01" + "01000000" + "61"


def test_decode_prefix_ignores_what_follows_the_value() -> None:
    assert decode_prefix(U16, b"\x01\x00\xff\xff") == (1, 2)
    assert decode_prefix(U16, b"\xaa\x01\x00", 1) == (1, 3)


@pytest.mark.parametrize(
    ("type_", "data", "reason"),
    [
        (U64, b"\x00" * 7, "data ends early"),
        (U8, b"\x01\x02", "trailing"),
        (BOOL, b"\x02", "invalid bool"),
        (Option(U8), b"\x02\x00", "invalid option tag"),
        (Mode, b"\x03", "invalid Mode variant 3"),
        (Shape, b"\x03", "invalid Shape variant 3"),
        (STRING, b"\x02\x00\x00\x00\xff\xfe", "invalid utf-8"),
        (STRING, b"\x05\x00\x00\x00abc", "data ends early"),
        (Vec(U64), b"\xff\xff\xff\xff" + b"\x00" * 8, "exceeds"),
        (F32, struct.pack("<f", math.nan), "NaN"),
        (F64, struct.pack("<d", math.nan), "NaN"),
        (PUBKEY, b"\x00" * 31, "data ends early"),
    ],
)
def test_malformed_bytes_raise_a_decode_error(type_: BorshType[Any], data: bytes, reason: str) -> None:
    with pytest.raises(BorshDecodeError, match=reason):
        decode(type_, data)


@dataclass(frozen=True)
class Nothing:
    pass


def test_a_count_of_zero_sized_items_is_refused() -> None:
    assert decode(Vec(Nothing), b"\x00\x00\x00\x00") == []
    with pytest.raises(BorshDecodeError, match="zero-sized"):
        decode(Vec(Nothing), b"\x01\x00\x00\x00")
    with pytest.raises(BorshEncodeError, match="zero-sized"):
        encode(Vec(Nothing), [Nothing()])


@pytest.mark.parametrize(("type_", "bits", "signed"), INTS)
def test_integers_out_of_range_do_not_wrap(type_: BorshType[int], bits: int, signed: bool) -> None:
    low, high = int_range(bits, signed)
    assert decode(type_, encode(type_, low)) == low
    assert decode(type_, encode(type_, high)) == high
    for value in (low - 1, high + 1):
        with pytest.raises(BorshEncodeError, match="out of range"):
            encode(type_, value)


@pytest.mark.parametrize(
    ("type_", "value"),
    [
        (U8, True),
        (U8, 1.0),
        (BOOL, 1),
        (F64, math.nan),
        (F32, 1e39),
        (PUBKEY, bytes(32)),
        (STRING, b"abc"),
        (STRING, "\ud800"),
        (BYTES, "abc"),
        (Vec(U8), "abc"),
        (Array(U8, 2), [1, 2, 3]),
        (Mode, "Fast"),
        (Shape, Inner(True, 0)),
        (Inner, Empty()),
        (Inner, Inner(True, 200)),
    ],
)
def test_values_the_type_cannot_hold_raise_an_encode_error(type_: BorshType[Any], value: Any) -> None:
    with pytest.raises(BorshEncodeError):
        encode(type_, value)


def test_declaration_mistakes_are_type_errors() -> None:
    @dataclass(frozen=True)
    class Undeclared:
        count: int

    class NoVariants(BorshEnum):
        pass

    class Plain:
        pass

    class Colour(enum.Enum):
        Red = 1

    @dataclass(frozen=True)
    class Variant(NoVariants):
        x: int = borsh_field(U8)

    with pytest.raises(TypeError, match="borsh_field"):
        encode(Undeclared, Undeclared(1))
    with pytest.raises(TypeError, match="not a dataclass|must be a dataclass"):
        encode(Plain, Plain())
    with pytest.raises(TypeError, match="is a variant"):
        encode(Variant, Variant(1))
    assert encode(Colour, Colour.Red) == b"\x00"
