"""What the ledger remembers: getSignatureStatuses, getTransaction, getSignaturesForAddress.

``confirm_transaction`` in solana-py polls getSignatureStatuses and compares only
``confirmationStatus``, so every status carries it (and the legacy ``status`` field solders
requires). A signature the ledger does not hold is a null entry, never an error.
"""

from __future__ import annotations

import json

from emulator.ledger_sqlite import SignatureInfo
from validator.finality import Commitment, TransactionCommitment
from validator.rpc.context import RpcContext
from validator.rpc.errors import RpcError
from validator.rpc.method import Method
from validator.rpc.params import Config, Params, expect_list, parse_pubkey, parse_signature
from validator.rpc.transaction_json import (
    checked_version,
    encoded_transaction,
    status_fields,
    transaction_encoding,
    transaction_meta,
)

__all__ = ["METHODS"]

MAX_GET_SIGNATURE_STATUSES_QUERY_ITEMS = 256
MAX_SIGNATURES_FOR_ADDRESS_LIMIT = 1000


def _commitment_of(ctx: RpcContext, slot: int) -> TransactionCommitment:
    return ctx.finality.of_transaction(slot, ctx.processed_slot)


def _status_json(ctx: RpcContext, info: SignatureInfo) -> dict[str, object]:
    commitment = _commitment_of(ctx, info.slot)
    return {
        "slot": info.slot,
        "confirmations": commitment.confirmations,
        **status_fields(json.loads(info.err_json) if info.err_json is not None else None),
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


def at_least_confirmed(config: Config) -> Commitment:
    commitment = config.commitment()
    if commitment < Commitment.CONFIRMED:
        raise RpcError.invalid_params("Method does not support commitment below `confirmed`")
    return commitment


def transaction_config(raw: object) -> Config:
    """getTransaction still takes a bare encoding name where the config object goes (Agave's deprecated form)."""
    return Config({"encoding": raw} if isinstance(raw, str) else raw)


def get_transaction(ctx: RpcContext, params: Params) -> object:
    signature = parse_signature(params.required(0))
    config = transaction_config(params.optional(1))
    commitment = at_least_confirmed(config)
    encoding = transaction_encoding(config)
    max_version = config.u64("maxSupportedTransactionVersion")
    record = ctx.store.transaction(signature)
    if record is None or _commitment_of(ctx, record.slot).level < commitment:
        return None
    version = checked_version(record, max_version)
    response: dict[str, object] = {
        "slot": record.slot,
        "blockTime": record.block_time,
        "transaction": encoded_transaction(record.transaction, encoding),
        "meta": transaction_meta(record, encoding),
    }
    if max_version is not None:
        response["version"] = version
    return response


def get_signatures_for_address(ctx: RpcContext, params: Params) -> object:
    address = parse_pubkey(params.required(0))
    config = params.config(1)
    limit = config.u64("limit")
    limit = MAX_SIGNATURES_FOR_ADDRESS_LIMIT if limit is None else limit
    if not 0 < limit <= MAX_SIGNATURES_FOR_ADDRESS_LIMIT:
        raise RpcError.invalid_params(f"Invalid limit; max {MAX_SIGNATURES_FOR_ADDRESS_LIMIT}")
    before, until = (config.get(key) for key in ("before", "until"))
    commitment = at_least_confirmed(config)
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
