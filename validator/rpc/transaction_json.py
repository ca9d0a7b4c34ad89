"""A committed transaction and its meta in every encoding getTransaction and getBlock answer with.

``json`` gives the compiled message (indices, base58 data); ``jsonParsed`` gives account keys with
their privileges and instructions decoded where Agave decodes them (see parsed_instructions);
``base58``/``base64`` give the wire bytes. The meta carries what execution recorded: logs, balances,
the CPIs made (``innerInstructions``, with stack heights) and the token balances of every token
account the transaction touched.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from enum import StrEnum

from solders.message import Message, MessageV0
from solders.transaction import VersionedTransaction

from emulator.errors import transaction_error_value
from emulator.message import resolve_message
from emulator.results import InnerInstruction, TransactionRecord
from emulator.token_balances import TokenBalance
from validator.encoding import b58encode
from validator.rpc.errors import RpcError
from validator.rpc.params import Config, parse_name
from validator.rpc.parsed_instructions import ui_instruction
from validator.rpc.token_json import ui_token_amount

__all__ = [
    "TransactionEncoding",
    "account_keys_json",
    "checked_version",
    "encoded_transaction",
    "inner_instructions_json",
    "status_fields",
    "token_balances_json",
    "transaction_encoding",
    "transaction_meta",
    "transaction_version",
]


class TransactionEncoding(StrEnum):
    JSON = "json"
    JSON_PARSED = "jsonParsed"
    BASE58 = "base58"
    BASE64 = "base64"
    BINARY = "binary"  # Agave's deprecated name for base58


def status_fields(err: object) -> dict[str, object]:
    """``err`` and the legacy ``status`` field solders still requires."""
    return {"err": err, "status": {"Ok": None} if err is None else {"Err": err}}


def transaction_version(tx: VersionedTransaction) -> int | None:
    """0 for a v0 message, None for a legacy one."""
    return 0 if isinstance(tx.message, MessageV0) else None


def transaction_encoding(
    config: Config, default: TransactionEncoding = TransactionEncoding.JSON
) -> TransactionEncoding:
    """The ``encoding`` of a getTransaction, getBlock or blockSubscribe config."""
    value = config.get("encoding")
    if value is None:
        return default
    return TransactionEncoding(parse_name(value, tuple(TransactionEncoding)))


def checked_version(record: TransactionRecord, max_version: int | None) -> str | int:
    """The ``version`` field; -32015 for a v0 transaction when the caller did not say it reads v0."""
    version = transaction_version(record.transaction)
    if version is not None and (max_version is None or max_version < version):
        raise RpcError.unsupported_transaction_version(version)
    return "legacy" if version is None else version


def account_keys_json(message: Message | MessageV0) -> list[dict[str, object]]:
    """The parsed form of the account keys: each with its privileges in this message."""
    resolved = resolve_message(message)
    return [
        {"pubkey": str(key), "writable": writable, "signer": signer, "source": "transaction"}
        for key, writable, signer in zip(resolved.account_keys, resolved.is_writable, resolved.is_signer, strict=True)
    ]


def _compiled(program_id_index: int, accounts: bytes, data: bytes, stack_height: int | None) -> dict[str, object]:
    return {
        "programIdIndex": program_id_index,
        "accounts": list(accounts),
        "data": b58encode(data),
        "stackHeight": stack_height,
    }


def _ui_message(message: Message | MessageV0, parsed: bool) -> dict[str, object]:
    keys = [str(key) for key in message.account_keys]
    render = (lambda *ix: ui_instruction(keys, *ix)) if parsed else _compiled
    ui: dict[str, object] = {
        "accountKeys": account_keys_json(message) if parsed else keys,
        "recentBlockhash": str(message.recent_blockhash),
        "instructions": [
            render(ix.program_id_index, bytes(ix.accounts), bytes(ix.data), None) for ix in message.instructions
        ],
    }
    if not parsed:
        header = message.header
        ui["header"] = {
            "numRequiredSignatures": header.num_required_signatures,
            "numReadonlySignedAccounts": header.num_readonly_signed_accounts,
            "numReadonlyUnsignedAccounts": header.num_readonly_unsigned_accounts,
        }
    if isinstance(message, MessageV0):
        ui["addressTableLookups"] = [
            {
                "accountKey": str(lookup.account_key),
                "writableIndexes": list(bytes(lookup.writable_indexes)),
                "readonlyIndexes": list(bytes(lookup.readonly_indexes)),
            }
            for lookup in message.address_table_lookups
        ]
    return ui


def encoded_transaction(tx: VersionedTransaction, encoding: TransactionEncoding) -> object:
    if encoding is TransactionEncoding.BASE64:
        return [base64.b64encode(bytes(tx)).decode(), "base64"]
    if encoding in (TransactionEncoding.BASE58, TransactionEncoding.BINARY):
        return [b58encode(bytes(tx)), "base58"]
    return {
        "signatures": [str(signature) for signature in tx.signatures],
        "message": _ui_message(tx.message, parsed=encoding is TransactionEncoding.JSON_PARSED),
    }


def inner_instructions_json(
    keys: Sequence[str], inner: Sequence[InnerInstruction], parsed: bool
) -> list[dict[str, object]]:
    """Grouped by the top-level instruction they ran under, in order, as Agave's UiInnerInstructions."""
    groups: dict[int, list[dict[str, object]]] = {}
    for ix in inner:
        args = (ix.program_id_index, ix.accounts, ix.data, ix.stack_height)
        groups.setdefault(ix.index, []).append(ui_instruction(keys, *args) if parsed else _compiled(*args))
    return [{"index": index, "instructions": instructions} for index, instructions in groups.items()]


def token_balances_json(balances: Sequence[TokenBalance]) -> list[dict[str, object]]:
    return [
        {
            "accountIndex": balance.account_index,
            "mint": str(balance.mint),
            "uiTokenAmount": ui_token_amount(balance.amount, balance.decimals),
            "owner": str(balance.owner),
            "programId": str(balance.program_id),
        }
        for balance in balances
    ]


def _base_meta(record: TransactionRecord) -> dict[str, object]:
    result = record.result
    err = transaction_error_value(result.err) if result.err is not None else None
    return {
        **status_fields(err),
        "fee": result.fee,
        "preBalances": record.pre_balances,
        "postBalances": record.post_balances,
        "preTokenBalances": token_balances_json(record.pre_token_balances),
        "postTokenBalances": token_balances_json(record.post_token_balances),
    }


def transaction_meta(
    record: TransactionRecord, encoding: TransactionEncoding, *, full: bool = True
) -> dict[str, object]:
    """The meta; ``full=False`` is the short form getBlock's ``transactionDetails: "accounts"`` gives."""
    meta = _base_meta(record)
    if not full:
        meta["rewards"] = []
        return meta
    result = record.result
    keys = [str(key) for key in record.account_keys]
    parsed = encoding is TransactionEncoding.JSON_PARSED
    meta["innerInstructions"] = inner_instructions_json(keys, result.inner_instructions, parsed)
    meta["logMessages"] = result.logs
    meta["rewards"] = []
    if not parsed:  # Agave leaves loadedAddresses out of the parsed meta
        meta["loadedAddresses"] = {"writable": [], "readonly": []}
    meta["computeUnitsConsumed"] = result.compute_units_consumed
    if result.return_data is not None:
        program_id, data = result.return_data
        meta["returnData"] = {"programId": str(program_id), "data": [base64.b64encode(data).decode(), "base64"]}
    return meta
