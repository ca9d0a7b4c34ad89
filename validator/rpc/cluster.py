"""The node and its clock: health, version, genesis, slots, block height, epoch, blockhashes, fees."""

from __future__ import annotations

from emulator.bank import GENESIS_HASH
from emulator.compute_budget import InvalidComputeBudget, compute_budget_of
from emulator.constants import LAMPORTS_PER_SIGNATURE, SLOTS_PER_EPOCH
from emulator.message import resolve_message
from validator.rpc.context import API_VERSION, FEATURE_SET, RpcContext
from validator.rpc.method import Method
from validator.rpc.params import Params, parse_hash
from validator.rpc.wire import decode_message

__all__ = ["METHODS"]


def get_health(ctx: RpcContext, params: Params) -> object:
    return "ok"


def get_version(ctx: RpcContext, params: Params) -> object:
    return {"solana-core": API_VERSION, "feature-set": FEATURE_SET}


def get_genesis_hash(ctx: RpcContext, params: Params) -> object:
    return str(GENESIS_HASH)


def get_slot(ctx: RpcContext, params: Params) -> object:
    return ctx.slot_for(params.config(0))


def get_block_height(ctx: RpcContext, params: Params) -> object:
    config = params.config(0)
    ctx.slot_for(config)
    return ctx.block_at(config.commitment()).block_height


def get_transaction_count(ctx: RpcContext, params: Params) -> object:
    ctx.slot_for(params.config(0))
    return ctx.store.transaction_count()


def get_epoch_info(ctx: RpcContext, params: Params) -> object:
    config = params.config(0)
    slot = ctx.slot_for(config)
    return {
        "absoluteSlot": slot,
        "blockHeight": ctx.block_at(config.commitment()).block_height,
        "epoch": slot // SLOTS_PER_EPOCH,
        "slotIndex": slot % SLOTS_PER_EPOCH,
        "slotsInEpoch": SLOTS_PER_EPOCH,
        "transactionCount": ctx.store.transaction_count(),
    }


def get_latest_blockhash(ctx: RpcContext, params: Params) -> object:
    config = params.config(0)
    ctx.slot_for(config)
    block = ctx.block_at(config.commitment())
    return ctx.wrap(block.slot, ctx.blockhash_value(block))


def is_blockhash_valid(ctx: RpcContext, params: Params) -> object:
    blockhash = parse_hash(params.required(0))
    slot = ctx.slot_for(params.config(1))
    return ctx.wrap(slot, ctx.bank.is_blockhash_valid(blockhash))


def get_fee_for_message(ctx: RpcContext, params: Params) -> object:
    """The fee the message would pay now, or null once its blockhash has expired."""
    message = decode_message(params.required(0))
    slot = ctx.slot_for(params.config(1))
    if not ctx.bank.is_blockhash_valid(message.recent_blockhash):
        return ctx.wrap(slot, None)
    resolved = resolve_message(message)
    builtins = {program_id for program_id, spec in ctx.bank.programs.items() if spec.builtin}
    try:
        fee = compute_budget_of(resolved, builtins).fee(resolved.num_signatures)
    except InvalidComputeBudget:  # Agave prices a message with a malformed budget at the default budget
        fee = resolved.num_signatures * LAMPORTS_PER_SIGNATURE
    return ctx.wrap(slot, fee)


METHODS = (
    Method("getHealth", get_health, 0),
    Method("getVersion", get_version, 0),
    Method("getGenesisHash", get_genesis_hash, 0),
    Method("getSlot", get_slot, 1),
    Method("getBlockHeight", get_block_height, 1),
    Method("getTransactionCount", get_transaction_count, 1),
    Method("getEpochInfo", get_epoch_info, 1),
    Method("getLatestBlockhash", get_latest_blockhash, 1),
    Method("isBlockhashValid", is_blockhash_valid, 2),
    Method("getFeeForMessage", get_fee_for_message, 2),
)
