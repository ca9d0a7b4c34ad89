"""Blocks from the ledger: getBlock, getBlocks, getBlocksWithLimit, getBlockTime, getBlockCommitment,
getFirstAvailableBlock, minimumLedgerSlot.

Every produced slot is a block; slots the bank did not produce (the validator was stopped, or the
clock warped) are skipped slots. What a commitment may see follows Agave: a slot at or below the
root (finalized) comes from the ledger, where a missing block is skipped (-32007) or cleaned up
(-32001); a newer one is served only up to the confirmed slot; anything beyond is -32004.
"""

from __future__ import annotations

from emulator.ledger import BlockInfo
from validator.finality import Commitment
from validator.rpc.block_json import BlockOptions, block_json
from validator.rpc.context import RpcContext
from validator.rpc.errors import RpcError
from validator.rpc.history import at_least_confirmed, transaction_config
from validator.rpc.method import Method
from validator.rpc.params import Config, Params, expect_u64

__all__ = ["METHODS", "MAX_GET_CONFIRMED_BLOCKS_RANGE"]

MAX_GET_CONFIRMED_BLOCKS_RANGE = 500_000


def _root(ctx: RpcContext) -> int:
    return ctx.finality.slot_at(Commitment.FINALIZED, ctx.processed_slot)


def highest_slot(ctx: RpcContext, commitment: Commitment) -> int:
    """The newest slot ``commitment`` can see, after producing the blocks that are due."""
    ctx.bank.latest_block()
    return ctx.finality.slot_at(commitment, ctx.processed_slot)


def stored_block(ctx: RpcContext, slot: int, commitment: Commitment) -> BlockInfo:
    """The block of ``slot`` if ``commitment`` may see it, or the error Agave answers for that slot."""
    if slot > highest_slot(ctx, commitment):
        raise RpcError.block_not_available(slot)
    block = ctx.store.block(slot)
    if block is not None:
        return block
    if slot > _root(ctx):
        raise RpcError.block_not_available(slot)
    first = ctx.store.first_block_slot()
    if slot < first:
        raise RpcError.block_cleaned_up(slot, first)
    raise RpcError.slot_skipped(slot)


def get_block(ctx: RpcContext, params: Params) -> object:
    slot = expect_u64(params.required(0))
    config = transaction_config(params.optional(1))
    commitment = at_least_confirmed(config)
    options = BlockOptions.parse(config)
    block = stored_block(ctx, slot, commitment)
    return block_json(block, ctx.store.parent_block(slot), ctx.store.transactions_in_slot(slot), options)


def _blocks_from(ctx: RpcContext, start: int, end: int, limit: int) -> list[int]:
    return ctx.store.block_slots(max(start, ctx.store.first_block_slot()), end, limit)


def get_blocks(ctx: RpcContext, params: Params) -> object:
    """``getBlocks(start, end?, config?)``; the second param may be the config itself (Agave's wrapper)."""
    start = expect_u64(params.required(0))
    second = params.optional(1)
    if isinstance(second, dict):
        end, config = None, Config(second)
    else:
        end = expect_u64(second) if second is not None else None
        config = params.config(2)
    commitment = at_least_confirmed(config)
    highest = highest_slot(ctx, commitment)
    last = min(end if end is not None else start + MAX_GET_CONFIRMED_BLOCKS_RANGE, highest)
    if last < start:
        return []
    if last - start > MAX_GET_CONFIRMED_BLOCKS_RANGE:
        raise RpcError.invalid_params(f"Slot range too large; max {MAX_GET_CONFIRMED_BLOCKS_RANGE}")
    return _blocks_from(ctx, start, last, MAX_GET_CONFIRMED_BLOCKS_RANGE + 1)


def get_blocks_with_limit(ctx: RpcContext, params: Params) -> object:
    start = expect_u64(params.required(0))
    limit = expect_u64(params.required(1))
    commitment = at_least_confirmed(params.config(2))
    if limit > MAX_GET_CONFIRMED_BLOCKS_RANGE:
        raise RpcError.invalid_params(f"Limit too large; max {MAX_GET_CONFIRMED_BLOCKS_RANGE}")
    if limit == 0:
        return []
    return _blocks_from(ctx, start, highest_slot(ctx, commitment), limit)


def get_block_time(ctx: RpcContext, params: Params) -> object:
    slot = expect_u64(params.required(0))
    return stored_block(ctx, slot, Commitment.PROCESSED).unix_timestamp


def get_block_commitment(ctx: RpcContext, params: Params) -> object:
    """There are no votes here, so no stake has voted on any block: Agave's answer for an unknown slot."""
    expect_u64(params.required(0))
    return {"commitment": None, "totalStake": 0}


def get_first_available_block(ctx: RpcContext, params: Params) -> object:
    return ctx.store.first_block_slot()


def minimum_ledger_slot(ctx: RpcContext, params: Params) -> object:
    return ctx.store.first_block_slot()


METHODS = (
    Method("getBlock", get_block, 2),
    Method("getBlocks", get_blocks, 3),
    Method("getBlocksWithLimit", get_blocks_with_limit, 3),
    Method("getBlockTime", get_block_time, 1),
    Method("getBlockCommitment", get_block_commitment, 1),
    Method("getFirstAvailableBlock", get_first_available_block, 0),
    Method("minimumLedgerSlot", minimum_ledger_slot, 0),
)
