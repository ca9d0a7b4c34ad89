"""What the ledger remembers: getSignatureStatuses, getTransaction, getSignaturesForAddress.

``confirm_transaction`` in solana-py polls getSignatureStatuses and compares only
``confirmationStatus``, so every status carries it (and the legacy ``status`` field solders
requires). A signature the ledger does not hold is a null entry, never an error.
"""

from __future__ import annotations

import base64
import json

from solders.message import Message, MessageV0
from solders.transaction import VersionedTransaction

from emulator.errors import transaction_error_value
from emulator.message import resolve_message
from emulator.results import TransactionRecord
from validator.encoding import b58encode
from validator.finality import Commitment, TransactionCommitment
from validator.ledger_sqlite import SignatureInfo
from validator.rpc.context import RpcContext
from validator.rpc.errors import RpcError
from validator.rpc.method import Method
from validator.rpc.params import Config, Params, expect_list, parse_name, parse_pubkey, parse_signature

__all__ = ["METHODS"]

MAX_GET_SIGNATURE_STATUSES_QUERY_ITEMS = 256
MAX_SIGNATURES_FOR_ADDRESS_LIMIT = 1000
_TRANSACTION_ENCODINGS = ("json", "jsonParsed", "base58", "base64", "binary")


def _status_fields(err: object) -> dict[str, object]:
    return {"err": err, "status": {"Ok": None} if err is None else {"Err": err}}


def _commitment_of(ctx: RpcContext, slot: int) -> TransactionCommitment:
    return ctx.finality.of_transaction(slot, ctx.processed_slot)


def _status_json(ctx: RpcContext, info: SignatureInfo) -> dict[str, object]:
    commitment = _commitment_of(ctx, info.slot)
    return {
        "slot": info.slot,
        "confirmations": commitment.confirmations,
        **_status_fields(json.loads(info.err_json) if info.err_json is not None else None),
        "confirmationStatus": commitment.level.wire_name,
    }


def get_signature_statuses(ctx: RpcContext, params: Params) -> object:
    raw = expect_list(params.required(0))
    if len(raw) > MAX_GET_SIGNATURE_STATUSES_QUERY_ITEMS:
        raise RpcError.invalid_params(f"Too many inputs provided; max {MAX_GET_SIGNATURE_STATUSES_QUERY_ITEMS}")
    signatures = [parse_signature(item) for item in raw]
    params.config(1).boolean("searchTransactionHistory")  # the whole history is always searched
    infos = ctx.store.signature_infos(signatures)
    return ctx.wrap(ctx.processed_slot, [_status_json(ctx, info) if info is not None else None for info in infos])


def _at_least_confirmed(config: Config) -> Commitment:
    commitment = config.commitment()
    if commitment < Commitment.CONFIRMED:
        raise RpcError.invalid_params("Method does not support commitment below `confirmed`")
    return commitment


def _transaction_config(raw: object) -> Config:
    """getTransaction still takes a bare encoding name where the config object goes (Agave's deprecated form)."""
    return Config({"encoding": raw} if isinstance(raw, str) else raw)


def _ui_message(message: Message | MessageV0, parsed: bool) -> dict[str, object]:
    keys = [str(key) for key in message.account_keys]
    instructions: list[dict[str, object]] = []
    for ix in message.instructions:
        data = b58encode(bytes(ix.data))
        if parsed:  # Agave's "partially decoded" form, which it uses for programs it has no parser for
            accounts = [keys[i] for i in bytes(ix.accounts)]
            instructions.append(
                {"programId": keys[ix.program_id_index], "accounts": accounts, "data": data, "stackHeight": None}
            )
        else:
            instructions.append(
                {
                    "programIdIndex": ix.program_id_index,
                    "accounts": list(bytes(ix.accounts)),
                    "data": data,
                    "stackHeight": None,
                }
            )
    ui: dict[str, object] = {"recentBlockhash": str(message.recent_blockhash), "instructions": instructions}
    if parsed:
        resolved = resolve_message(message)
        ui["accountKeys"] = [
            {"pubkey": key, "writable": writable, "signer": signer, "source": "transaction"}
            for key, writable, signer in zip(keys, resolved.is_writable, resolved.is_signer, strict=True)
        ]
    else:
        header = message.header
        ui["accountKeys"] = keys
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


def _encoded_transaction(tx: VersionedTransaction, encoding: str) -> object:
    if encoding == "base64":
        return [base64.b64encode(bytes(tx)).decode(), "base64"]
    if encoding in ("base58", "binary"):
        return [b58encode(bytes(tx)), "base58"]
    return {
        "signatures": [str(signature) for signature in tx.signatures],
        "message": _ui_message(tx.message, parsed=encoding == "jsonParsed"),
    }


def _meta(record: TransactionRecord) -> dict[str, object]:
    result = record.result
    err = transaction_error_value(result.err) if result.err is not None else None
    meta: dict[str, object] = {
        **_status_fields(err),
        "fee": result.fee,
        "preBalances": record.pre_balances,
        "postBalances": record.post_balances,
        "innerInstructions": None,  # not recorded by the runtime
        "logMessages": result.logs,
        "preTokenBalances": None,  # not recorded by the runtime
        "postTokenBalances": None,
        "rewards": [],
        "loadedAddresses": {"writable": [], "readonly": []},
        "computeUnitsConsumed": result.compute_units_consumed,
    }
    if result.return_data is not None:
        program_id, data = result.return_data
        meta["returnData"] = {"programId": str(program_id), "data": [base64.b64encode(data).decode(), "base64"]}
    return meta


def get_transaction(ctx: RpcContext, params: Params) -> object:
    signature = parse_signature(params.required(0))
    config = _transaction_config(params.optional(1))
    commitment = _at_least_confirmed(config)
    encoding_value = config.get("encoding")
    encoding = "json" if encoding_value is None else parse_name(encoding_value, _TRANSACTION_ENCODINGS)
    max_version = config.u64("maxSupportedTransactionVersion")
    record = ctx.store.transaction(signature)
    if record is None or _commitment_of(ctx, record.slot).level < commitment:
        return None
    version = 0 if isinstance(record.transaction.message, MessageV0) else None
    if version is not None and (max_version is None or max_version < version):
        raise RpcError.unsupported_transaction_version(version)
    response: dict[str, object] = {
        "slot": record.slot,
        "blockTime": record.block_time,
        "transaction": _encoded_transaction(record.transaction, encoding),
        "meta": _meta(record),
    }
    if max_version is not None:
        response["version"] = "legacy" if version is None else version
    return response


def get_signatures_for_address(ctx: RpcContext, params: Params) -> object:
    address = parse_pubkey(params.required(0))
    config = params.config(1)
    limit = config.u64("limit")
    limit = MAX_SIGNATURES_FOR_ADDRESS_LIMIT if limit is None else limit
    if not 0 < limit <= MAX_SIGNATURES_FOR_ADDRESS_LIMIT:
        raise RpcError.invalid_params(f"Invalid limit; max {MAX_SIGNATURES_FOR_ADDRESS_LIMIT}")
    before, until = (config.get(key) for key in ("before", "until"))
    commitment = _at_least_confirmed(config)
    ctx.slot_for(config)
    infos = ctx.store.signature_infos_for_address(
        address,
        limit,
        before=parse_signature(before) if before is not None else None,
        until=parse_signature(until) if until is not None else None,
    )
    entries = []
    for info in infos:
        level = _commitment_of(ctx, info.slot).level
        if level < commitment:
            continue
        entries.append(
            {
                "signature": str(info.signature),
                "slot": info.slot,
                "err": json.loads(info.err_json) if info.err_json is not None else None,
                "memo": None,
                "blockTime": info.block_time,
                "confirmationStatus": level.wire_name,
            }
        )
    return entries


METHODS = (
    Method("getSignatureStatuses", get_signature_statuses, 2),
    Method("getTransaction", get_transaction, 2),
    Method("getSignaturesForAddress", get_signatures_for_address, 2),
)
