"""Transactions and messages arriving as base58/base64 text, decoded within Agave's size limits.

The limits are the packet size (1232 bytes) and the encoded lengths that fit it; a body that breaks
them, does not decode or does not deserialize gets Agave's -32602 message, never an exception.
"""

from __future__ import annotations

from solders.message import Message, MessageV0, from_bytes_versioned
from solders.signature import Signature
from solders.transaction import VersionedTransaction
from solders.transaction_status import TransactionErrorFieldless

from validator.encoding import BinaryEncoding, decode_binary
from validator.rpc.errors import RpcError, transaction_error_message
from validator.rpc.params import Config, parse_name

__all__ = ["PACKET_DATA_SIZE", "decode_message", "decode_transaction", "transaction_encoding"]

PACKET_DATA_SIZE = 1232
_MAX_ENCODED = {BinaryEncoding.BASE58: 1683, BinaryEncoding.BASE64: 1644}
_TRANSACTION_TYPE = "solana_transaction::versioned::VersionedTransaction"
_MESSAGE_TYPE = "solana_message::versions::VersionedMessage"
_TRANSACTION_ENCODINGS = ("binary", "base64", "base58", "json", "jsonParsed")


def transaction_encoding(config: Config) -> BinaryEncoding:
    """The ``encoding`` of a transaction param: base58 by default; json forms are not accepted as input."""
    value = config.get("encoding")
    if value is None:
        return BinaryEncoding.BASE58
    name = parse_name(value, _TRANSACTION_ENCODINGS)
    if name in ("binary", "base58"):
        return BinaryEncoding.BASE58
    if name == "base64":
        return BinaryEncoding.BASE64
    raise RpcError.invalid_params(f"unsupported encoding: {name}. Supported encodings: base58, base64")


def _decode_wire(text: object, encoding: BinaryEncoding, type_name: str) -> bytes:
    if not isinstance(text, str):
        raise RpcError.invalid_params(f"Invalid params: invalid type: expected a {encoding.value} string.")
    limit = _MAX_ENCODED[encoding]
    if len(text) > limit:
        raise RpcError.invalid_params(
            f"{encoding.value} encoded {type_name} too large: {len(text)} bytes "
            f"(max: encoded/raw {limit}/{PACKET_DATA_SIZE})"
        )
    try:
        wire = decode_binary(text, encoding)
    except ValueError as exc:
        reason = str(exc) if encoding is BinaryEncoding.BASE64 else f"invalid base58 encoding: {exc}"
        raise RpcError.invalid_params(reason) from None
    if len(wire) > PACKET_DATA_SIZE:
        raise RpcError.invalid_params(
            f"decoded {type_name} too large: {len(wire)} bytes (max: {PACKET_DATA_SIZE} bytes)"
        )
    return wire


def decode_transaction(text: object, encoding: BinaryEncoding) -> VersionedTransaction:
    """A sanitized transaction (signatures not yet verified)."""
    wire = _decode_wire(text, encoding, _TRANSACTION_TYPE)
    try:
        tx = VersionedTransaction.from_bytes(wire)
    except ValueError as exc:
        raise RpcError.invalid_params(f"failed to deserialize {_TRANSACTION_TYPE}: {exc}") from None
    _sanitize(tx, "invalid transaction")
    return tx


def decode_message(text: object) -> Message | MessageV0:
    """A sanitized message, as getFeeForMessage takes it (always base64)."""
    wire = _decode_wire(text, BinaryEncoding.BASE64, _MESSAGE_TYPE)
    try:
        message = from_bytes_versioned(wire)
    except ValueError as exc:
        raise RpcError.invalid_params(f"failed to deserialize {_MESSAGE_TYPE}: {exc}") from None
    unsigned = VersionedTransaction.populate(message, [Signature.default()] * message.header.num_required_signatures)
    _sanitize(unsigned, "invalid transaction message")
    return message


def _sanitize(tx: VersionedTransaction, prefix: str) -> None:
    try:
        tx.sanitize()
    except Exception:  # solders raises SanitizeError, which has no importable base to catch by name
        reason = transaction_error_message(TransactionErrorFieldless.SanitizeFailure)
        raise RpcError.invalid_params(f"{prefix}: {reason}") from None
