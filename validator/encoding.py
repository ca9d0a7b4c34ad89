"""Byte encodings of the RPC edge: base58, base64, base64+zstd, and the request bodies clients gzip (or say they do).

No compression library is needed: a zstd frame made only of *raw* (stored) blocks is valid zstd,
and solders and every zstd decoder read it. anchorpy's ``fetch_multiple`` asks for
``base64+zstd``; it gains nothing from real compression on loopback.
"""

from __future__ import annotations

import base64
import struct
import zlib
from enum import Enum

from validator.errors import ValidatorError
from validator.response_budget import base64_length, charge_response_bytes

__all__ = [
    "AccountEncoding",
    "BinaryEncoding",
    "BodyTooLarge",
    "b58decode",
    "b58encode",
    "decode_binary",
    "encode_account_data",
    "request_body",
    "zstd_raw_frame",
]

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {char: value for value, char in enumerate(_ALPHABET)}


def b58encode(data: bytes) -> str:
    """Bitcoin-alphabet base58, as Solana writes keys, signatures and instruction data.

    >>> b58encode(bytes(32))
    '11111111111111111111111111111111'
    >>> b58encode(b"hello")
    'Cn8eVZg'
    """
    zeros = len(data) - len(data.lstrip(b"\0"))
    number = int.from_bytes(data, "big")
    digits = []
    while number:
        number, digit = divmod(number, 58)
        digits.append(_ALPHABET[digit])
    return "1" * zeros + "".join(reversed(digits))


def b58decode(text: str) -> bytes:
    """The inverse of :func:`b58encode`; ValueError on a character outside the alphabet.

    >>> b58decode("Cn8eVZg")
    b'hello'
    """
    number = 0
    for char in text:
        try:
            number = number * 58 + _INDEX[char]
        except KeyError:
            raise ValueError(f"invalid base58 character {char!r}") from None
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return bytes(zeros) + body


_ZSTD_MAGIC = struct.pack("<I", 0xFD2FB528)
_ZSTD_MAX_BLOCK = 128 * 1024


def zstd_raw_frame(data: bytes) -> bytes:
    """``data`` as a single-segment zstd frame of raw blocks (RFC 8878 §3.1.1).

    >>> zstd_raw_frame(b"").hex()  # magic, descriptor, content size 0, one empty last raw block
    '28b52ffd2000010000'
    """
    size = len(data)
    if size < 256:
        fcs_flag, fcs = 0, struct.pack("<B", size)
    elif size < 65536 + 256:
        fcs_flag, fcs = 1, struct.pack("<H", size - 256)
    elif size < 1 << 32:
        fcs_flag, fcs = 2, struct.pack("<I", size)
    else:
        fcs_flag, fcs = 3, struct.pack("<Q", size)
    descriptor = (fcs_flag << 6) | (1 << 5)  # Single_Segment: no window descriptor, window = content size
    parts = [_ZSTD_MAGIC, bytes([descriptor]), fcs]
    offsets = range(0, size, _ZSTD_MAX_BLOCK) if size else range(1)
    for offset in offsets:
        block = data[offset : offset + _ZSTD_MAX_BLOCK]
        last = offset + _ZSTD_MAX_BLOCK >= size
        header = (len(block) << 3) | int(last)  # Block_Type 0 = Raw_Block
        parts += [header.to_bytes(3, "little"), block]
    return b"".join(parts)


class AccountEncoding(Enum):
    """How account data is written (the ``encoding`` of account methods)."""

    BASE58 = "base58"
    BASE64 = "base64"
    BASE64_ZSTD = "base64+zstd"
    JSON_PARSED = "jsonParsed"

    @classmethod
    def from_wire(cls, name: str) -> AccountEncoding:
        """``"binary"`` is Agave's legacy name for base58."""
        return cls.BASE58 if name == "binary" else cls(name)


def encode_account_data(data: bytes, encoding: AccountEncoding) -> list[str]:
    """``[encoded, encoding-name]``, the only account-data form solders parses.

    Base64 data is charged to the response budget of the request being answered before it is built (base58 is
    at most 128 bytes, see :mod:`validator.rpc.account_json`).
    """
    if encoding is not AccountEncoding.BASE58:
        charge_response_bytes(base64_length(len(data)))
    match encoding:
        case AccountEncoding.BASE58:
            return [b58encode(data), "base58"]
        case AccountEncoding.BASE64_ZSTD:
            return [base64.b64encode(zstd_raw_frame(data)).decode(), "base64+zstd"]
        case AccountEncoding.BASE64 | AccountEncoding.JSON_PARSED:
            return [base64.b64encode(data).decode(), "base64"]


class BinaryEncoding(Enum):
    """How a transaction or message arrives in sendTransaction, simulateTransaction and getFeeForMessage."""

    BASE58 = "base58"
    BASE64 = "base64"


def decode_binary(text: str, encoding: BinaryEncoding) -> bytes:
    """ValueError (with the reason) when ``text`` is not valid in ``encoding``."""
    if encoding is BinaryEncoding.BASE58:
        return b58decode(text)
    try:
        return base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise ValueError(f"invalid base64 encoding: {exc}") from exc


class BodyTooLarge(ValidatorError, ValueError):
    """A request body, or what it inflates to, exceeds the server's limit."""


_GZIP_MAGIC = b"\x1f\x8b"


def request_body(raw: bytes, content_encoding: str, limit: int) -> bytes:
    """The JSON bytes of a request body.

    anchorpy sends ``Content-Encoding: gzip`` on bodies it never compressed, so the header alone
    is no proof: a body is inflated only if it is gzip-encoded *and* starts with gzip's magic
    bytes, and what it inflates to is bounded by ``limit`` too (no decompression bombs).

    >>> request_body(b'{"a":1}', "gzip", 100)
    b'{"a":1}'
    >>> import gzip
    >>> request_body(gzip.compress(b'{"a":1}'), "gzip", 100)
    b'{"a":1}'
    """
    if "gzip" not in content_encoding.lower() or not raw.startswith(_GZIP_MAGIC):
        return raw
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        body = inflater.decompress(raw, limit + 1)
    except zlib.error:
        return raw  # not gzip after all: let the JSON parser report it
    if len(body) > limit or inflater.unconsumed_tail:
        raise BodyTooLarge(f"request body inflates past {limit} bytes")
    return body
