"""Submitting work: sendTransaction (with preflight), simulateTransaction and requestAirdrop.

The bank commits a transaction's effects to the ledger before it returns, so the signature
sendTransaction reports is already durable and its status already queryable.
"""

from __future__ import annotations

import base64

from solders.signature import Signature
from solders.transaction import VersionedTransaction
from solders.transaction_status import TransactionErrorFieldless

from emulator import TransactionResult
from emulator.errors import transaction_error_value
from validator.encoding import AccountEncoding
from validator.rpc.account_json import AccountView
from validator.rpc.context import RpcContext
from validator.rpc.errors import RpcError, RpcErrorCode, transaction_error_message
from validator.rpc.method import Method
from validator.rpc.params import Config, Params, expect_list, expect_u64, parse_pubkey
from validator.rpc.transaction_json import inner_instructions_json
from validator.rpc.wire import decode_transaction, transaction_encoding

__all__ = ["METHODS"]


def simulation_value(
    result: TransactionResult,
    accounts: list[object] | None = None,
    replacement: object = None,
    inner_instructions: list[dict[str, object]] | None = None,
) -> dict[str, object]:
    """An RpcSimulateTransactionResult (also the ``data`` of a preflight failure)."""
    return_data = (
        {"programId": str(result.return_data[0]), "data": [base64.b64encode(result.return_data[1]).decode(), "base64"]}
        if result.return_data is not None
        else None
    )
    return {
        "err": transaction_error_value(result.err) if result.err is not None else None,
        "logs": result.logs,
        "accounts": accounts,
        "unitsConsumed": result.compute_units_consumed,
        "returnData": return_data,
        "innerInstructions": inner_instructions,
        "replacementBlockhash": replacement,
    }


def _already_processed(ctx: RpcContext, signature: Signature) -> bool:
    """Whether the ledger holds the signature: the bank's status cache starts empty after a restart."""
    return ctx.store.signature_infos([signature])[0] is not None


def _preflight(ctx: RpcContext, tx: VersionedTransaction, processed: bool) -> None:
    """Agave's preflight: signatures, then a simulation whose failure is -32002 carrying its err and logs."""
    if not all(tx.verify_with_results()):
        raise RpcError.signature_verification_failure()
    if processed:
        result = TransactionResult(tx.signatures[0], TransactionErrorFieldless.AlreadyProcessed, [], 0, 0)
    else:
        result = ctx.bank.simulate_transaction(tx)
    if result.err is not None:
        raise RpcError(
            RpcErrorCode.SEND_TRANSACTION_PREFLIGHT_FAILURE,
            f"Transaction simulation failed: {transaction_error_message(result.err)}",
            simulation_value(result),
        )


def send_transaction(ctx: RpcContext, params: Params) -> object:
    config = params.config(1)
    tx = decode_transaction(params.required(0), transaction_encoding(config))
    skip_preflight = config.boolean("skipPreflight")
    config.commitment("preflightCommitment")  # checked, then moot: preflight runs on the one bank there is
    config.u64("maxRetries")  # checked, then moot: a transaction is executed when it arrives, never rebroadcast
    min_context_slot = config.min_context_slot()
    if min_context_slot is not None and ctx.processed_slot < min_context_slot:
        raise RpcError.min_context_slot_not_reached(ctx.processed_slot)
    signature = tx.signatures[0]
    processed = _already_processed(ctx, signature)
    if not skip_preflight:
        _preflight(ctx, tx, processed)
    # Without preflight a transaction the bank rejects (stale blockhash, bad signature) is dropped
    # silently, as a leader drops it: the caller sees the signature and a null status.
    if not processed:
        ctx.bank.send_transaction(tx)
    return str(signature)


def _simulated_accounts(
    ctx: RpcContext, tx: VersionedTransaction, result: TransactionResult, raw: object
) -> list[object] | None:
    if raw is None:
        return None
    config = Config(raw, "struct RpcSimulateTransactionAccountsConfig")
    addresses = [parse_pubkey(item) for item in expect_list(config.get("addresses"))]
    encoding = config.account_encoding(AccountEncoding.BASE64)
    if encoding is AccountEncoding.BASE58:
        raise RpcError.invalid_params("base58 encoding not supported")
    max_accounts = len(tx.message.account_keys)
    if len(addresses) > max_accounts:
        raise RpcError.invalid_params(f"Too many accounts provided; max {max_accounts}")
    if result.err is not None:
        return [None] * len(addresses)
    post = dict(result.post_accounts)
    view = AccountView(encoding)
    return [
        view.render(account, ctx.bank) if (account := post.get(address)) is not None else None for address in addresses
    ]


def simulate_transaction(ctx: RpcContext, params: Params) -> object:
    config = params.config(1)
    tx = decode_transaction(params.required(0), transaction_encoding(config))
    sig_verify = config.boolean("sigVerify")
    replace_blockhash = config.boolean("replaceRecentBlockhash")
    if sig_verify and replace_blockhash:
        raise RpcError.invalid_params("sigVerify may not be used with replaceRecentBlockhash")
    with_inner = config.boolean("innerInstructions")
    slot = ctx.slot_for(config)
    if sig_verify and not all(tx.verify_with_results()):
        raise RpcError.signature_verification_failure()
    result = ctx.bank.simulate_transaction(tx, replace_recent_blockhash=replace_blockhash)
    replacement = ctx.blockhash_value(ctx.bank.latest_block()) if replace_blockhash else None
    accounts = _simulated_accounts(ctx, tx, result, config.get("accounts"))
    # Agave gives a simulation's CPIs in the parsed form, whatever the transaction's encoding.
    keys = [str(key) for key in tx.message.account_keys]
    inner = inner_instructions_json(keys, result.inner_instructions, parsed=True) if with_inner else None
    return ctx.wrap(slot, simulation_value(result, accounts, replacement, inner))


def request_airdrop(ctx: RpcContext, params: Params) -> object:
    """A real transfer from the faucet, sent without preflight: a failure shows only in its status."""
    pubkey = parse_pubkey(params.required(0))
    lamports = expect_u64(params.required(1))
    ctx.slot_for(params.config(2))
    result = ctx.bank.airdrop(pubkey, lamports)
    if not _already_processed(ctx, result.signature):
        raise RpcError.internal_error()  # the faucet could not even pay the fee: Agave's faucet refusal
    return str(result.signature)


METHODS = (
    Method("sendTransaction", send_transaction, 2),
    Method("simulateTransaction", simulate_transaction, 2),
    Method("requestAirdrop", request_airdrop, 3),
)
