"""Throughput and fees measured from the ledger: getRecentPerformanceSamples, getRecentPrioritizationFees.

Agave samples its bank every 60 s; here a sample is every run of 60 s worth of slots since the
first block, counted from the ledger's real blocks and transactions, so samples survive a restart.
Only completed periods are reported (none in the validator's first minute), newest first.
Prioritization fees are per block over the last 150 blocks: the lowest compute-unit price among
the block's transactions (those writing one of the given accounts, when accounts are given); 0
for a block without any.
"""

from __future__ import annotations

from solders.pubkey import Pubkey

from emulator.compute_budget import InvalidComputeBudget, compute_budget_of
from emulator.message import resolve_message
from validator.rpc.context import RpcContext
from validator.rpc.errors import RpcError
from validator.rpc.method import Method
from validator.rpc.params import Params, expect_u64, parse_pubkeys

__all__ = ["METHODS"]

SAMPLE_PERIOD_SECS = 60
MAX_PERFORMANCE_SAMPLES = 720
MAX_PRIORITIZATION_FEE_ACCOUNTS = 128
PRIORITIZATION_FEE_BLOCKS = 150


def get_recent_performance_samples(ctx: RpcContext, params: Params) -> object:
    raw_limit = params.optional(0)
    limit = MAX_PERFORMANCE_SAMPLES if raw_limit is None else expect_u64(raw_limit)
    if limit > MAX_PERFORMANCE_SAMPLES:
        raise RpcError.invalid_params(f"Invalid limit; max {MAX_PERFORMANCE_SAMPLES}")
    slots_per_sample = SAMPLE_PERIOD_SECS * 1000 // ctx.node.slot_ms
    ctx.bank.latest_block()
    first = ctx.store.first_block_slot()
    completed = (ctx.processed_slot + 1 - first) // slots_per_sample
    samples = []
    for period in range(completed - 1, max(-1, completed - 1 - limit), -1):
        start = first + period * slots_per_sample
        end = start + slots_per_sample - 1
        transactions = sum(ctx.store.transaction_counts(start, end).values())
        samples.append(
            {
                "slot": end,
                "numTransactions": transactions,
                "numNonVoteTransactions": transactions,  # there are no vote transactions
                "numSlots": len(ctx.store.block_slots(start, end, slots_per_sample)),
                "samplePeriodSecs": SAMPLE_PERIOD_SECS,
            }
        )
    return samples


def _writes_any(message_keys: list[Pubkey], writable: list[bool], accounts: set[Pubkey]) -> bool:
    return any(key in accounts for key, is_writable in zip(message_keys, writable, strict=True) if is_writable)


def get_recent_prioritization_fees(ctx: RpcContext, params: Params) -> object:
    raw = params.optional(0)
    accounts = set(parse_pubkeys(raw, MAX_PRIORITIZATION_FEE_ACCOUNTS)) if raw is not None else set()
    builtins = {program_id for program_id, spec in ctx.bank.programs.items() if spec.builtin}
    blocks = ctx.store.recent_blocks(PRIORITIZATION_FEE_BLOCKS)
    busy = ctx.store.transaction_counts(blocks[0].slot, blocks[-1].slot) if blocks else {}
    fees = []
    for block in blocks:
        prices = []
        for record in ctx.store.transactions_in_slot(block.slot) if block.slot in busy else []:
            message = resolve_message(record.transaction.message)
            if accounts and not _writes_any(message.account_keys, message.is_writable, accounts):
                continue
            try:
                prices.append(compute_budget_of(message, builtins).unit_price_micro_lamports)
            except InvalidComputeBudget:
                continue
        fees.append({"slot": block.slot, "prioritizationFee": min(prices, default=0)})
    return fees


METHODS = (
    Method("getRecentPerformanceSamples", get_recent_performance_samples, 1),
    Method("getRecentPrioritizationFees", get_recent_prioritization_fees, 1),
)
