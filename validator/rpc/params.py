"""Untrusted JSON-RPC params parsed into typed, bounds-checked values before any method sees them.

Errors read as Agave's do: a value of the wrong JSON type is serde's "Invalid params: invalid type:
..., expected ...", a well-typed value that does not parse is "Invalid param: <reason>". solana-py
sends explicit nulls for every config field it does not set, so null means absent everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from solders.hash import Hash
from solders.pubkey import Pubkey
from solders.signature import Signature

from validator.encoding import AccountEncoding, b58decode
from validator.finality import Commitment
from validator.rpc.errors import RpcError

__all__ = [
    "Config",
    "DataSlice",
    "Params",
    "parse_enum",
    "parse_hash",
    "parse_name",
    "parse_pubkey",
    "parse_signature",
]

_U64_MAX = (1 << 64) - 1
T = TypeVar("T")


def describe(value: object) -> str:
    """A JSON value as serde names it in "invalid type" errors.

    >>> describe("abc"), describe(5), describe(None)
    ('string "abc"', 'integer `5`', 'null')
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean `{str(value).lower()}`"
    if isinstance(value, int):
        return f"integer `{value}`"
    if isinstance(value, float):
        return f"floating point `{value}`"
    if isinstance(value, str):
        return f'string "{value}"'
    if isinstance(value, list):
        return "sequence"
    return "map"


def invalid_type(value: object, expected: str) -> RpcError:
    return RpcError.invalid_params(f"Invalid params: invalid type: {describe(value)}, expected {expected}.")


def expect_str(value: object, expected: str = "a string") -> str:
    if not isinstance(value, str):
        raise invalid_type(value, expected)
    return value


def expect_u64(value: object, expected: str = "u64") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _U64_MAX:
        raise invalid_type(value, expected)
    return value


def expect_bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise invalid_type(value, "a boolean")
    return value


def expect_list(value: object, expected: str = "a sequence") -> list[object]:
    if not isinstance(value, list):
        raise invalid_type(value, expected)
    return value


def expect_dict(value: object, expected: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise invalid_type(value, expected)
    return value


def _parse_b58_key(value: object, size: int, max_chars: int) -> bytes:
    """The decoded bytes of a base58 key, or Agave's ``Invalid param: WrongSize|Invalid``."""
    text = expect_str(value)
    if len(text) > max_chars:
        raise RpcError.invalid_params("Invalid param: WrongSize")
    try:
        raw = b58decode(text)
    except ValueError:
        raise RpcError.invalid_params("Invalid param: Invalid") from None
    if len(raw) != size:
        raise RpcError.invalid_params("Invalid param: WrongSize")
    return raw


def parse_pubkey(value: object) -> Pubkey:
    return Pubkey.from_bytes(_parse_b58_key(value, 32, 44))


def parse_pubkeys(value: object, limit: int) -> list[Pubkey]:
    """A list of at most ``limit`` pubkeys (Agave's "Too many inputs provided" past it)."""
    items = expect_list(value)
    if len(items) > limit:
        raise RpcError.invalid_params(f"Too many inputs provided; max {limit}")
    return [parse_pubkey(item) for item in items]


def parse_signature(value: object) -> Signature:
    return Signature.from_bytes(_parse_b58_key(value, 64, 88))


def parse_hash(value: object) -> Hash:
    return Hash.from_bytes(_parse_b58_key(value, 32, 44))


def parse_enum(value: object, parse: Callable[[str], T], names: Iterable[str]) -> T:
    """An enum member from its wire name, or serde's "unknown variant" error listing the allowed ``names``."""
    text = expect_str(value, "a variant name")
    try:
        return parse(text)
    except ValueError:
        listed = ", ".join(f"`{name}`" for name in names)
        raise RpcError.invalid_params(f"Invalid params: unknown variant `{text}`, expected one of {listed}.") from None


def parse_name(value: object, names: Sequence[str]) -> str:
    """A string that must be one of ``names``.

    >>> parse_name("json", ("json", "base64"))
    'json'
    """
    return parse_enum(value, lambda name: _one_of(name, names), names)


def _one_of(name: str, names: Sequence[str]) -> str:
    if name not in names:
        raise ValueError(name)
    return name


@dataclass(frozen=True, slots=True)
class DataSlice:
    """``dataSlice``: which bytes of each account's data to return."""

    offset: int
    length: int

    def apply(self, data: bytes) -> bytes:
        return data[self.offset : self.offset + self.length]


class Config:
    """A request's config object (the trailing ``{...}`` param)."""

    def __init__(self, value: object, expected: str = "a config object") -> None:
        self._fields = {} if value is None else expect_dict(value, expected)

    def get(self, key: str) -> object:
        return self._fields.get(key)

    def commitment(self, key: str = "commitment") -> Commitment:
        """The requested commitment; Agave's default when absent is finalized."""
        value = self._fields.get(key)
        if value is None:
            return Commitment.FINALIZED
        return parse_enum(value, Commitment.from_wire, [level.wire_name for level in Commitment])

    def min_context_slot(self) -> int | None:
        return self.u64("minContextSlot")

    def u64(self, key: str) -> int | None:
        value = self._fields.get(key)
        return None if value is None else expect_u64(value)

    def boolean(self, key: str, default: bool = False) -> bool:
        value = self._fields.get(key)
        return default if value is None else expect_bool(value)

    def account_encoding(self, default: AccountEncoding) -> AccountEncoding:
        value = self._fields.get("encoding")
        if value is None:
            return default
        return parse_enum(value, AccountEncoding.from_wire, [encoding.value for encoding in AccountEncoding])

    def data_slice(self) -> DataSlice | None:
        value = self._fields.get("dataSlice")
        if value is None:
            return None
        fields = expect_dict(value, "struct UiDataSliceConfig")
        offset, length = fields.get("offset"), fields.get("length")
        if offset is None or length is None:
            missing = "offset" if offset is None else "length"
            raise RpcError.invalid_params(f"Invalid params: missing field `{missing}`.")
        return DataSlice(expect_u64(offset, "usize"), expect_u64(length, "usize"))


class Params:
    """A request's positional params."""

    def __init__(self, raw: object) -> None:
        if raw is None:
            self._items: list[object] = []
        elif isinstance(raw, list):
            self._items = raw
        else:
            raise invalid_type(raw, "a sequence of positional parameters")

    def __len__(self) -> int:
        return len(self._items)

    def limit(self, count: int) -> None:
        """Reject more than ``count`` params, as serde's tuple deserializer does (the dispatcher calls this)."""
        if len(self._items) > count:
            raise RpcError.invalid_params(
                f"Invalid params: invalid length {len(self._items)}, expected at most {count} elements in sequence."
            )

    def required(self, index: int) -> object:
        if index >= len(self._items) or self._items[index] is None:
            raise RpcError.invalid_params(
                f"Invalid params: invalid length {len(self._items)}, expected at least {index + 1} elements."
            )
        return self._items[index]

    def optional(self, index: int) -> object:
        return self._items[index] if index < len(self._items) else None

    def config(self, index: int) -> Config:
        return Config(self.optional(index))
