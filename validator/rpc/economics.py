"""Supply and inflation: getSupply, getLargestAccounts, getTokenLargestAccounts, getInflationGovernor,
getInflationRate, getInflationReward.

Inflation is Agave's default schedule (what solana-test-validator's genesis holds). No stake
earns rewards here, so getInflationReward has a null entry per address once an epoch has ended,
and until then Agave's -32004 for the first slot of the next epoch, where the rewards would be.
Nothing is held back from circulation: there are no locked stake accounts.
"""

from __future__ import annotations

from emulator.constants import SLOTS_PER_EPOCH, TOKEN_PROGRAM_ID
from emulator.native.spl_token import TokenAccount
from validator.rpc.blocks import highest_slot
from validator.rpc.context import RpcContext
from validator.rpc.errors import RpcError
from validator.rpc.method import Method
from validator.rpc.params import Params, parse_name, parse_pubkey, parse_pubkeys
from validator.rpc.token_json import ui_token_amount
from validator.rpc.tokens import mint_decimals_or_error

__all__ = ["METHODS"]

LARGEST_ACCOUNTS = 20
MAX_MULTIPLE_ACCOUNTS = 100
# Agave's Inflation::default().
INFLATION_INITIAL = 0.08
INFLATION_TERMINAL = 0.015
INFLATION_TAPER = 0.15
INFLATION_FOUNDATION = 0.05
INFLATION_FOUNDATION_TERM = 7.0
SECONDS_PER_YEAR = 365.242_199 * 24.0 * 60.0 * 60.0


def get_supply(ctx: RpcContext, params: Params) -> object:
    config = params.config(0)
    slot = ctx.slot_for(config)
    config.boolean("excludeNonCirculatingAccountsList")
    total = ctx.store.total_lamports()
    value = {"total": total, "circulating": total, "nonCirculating": 0, "nonCirculatingAccounts": []}
    return ctx.wrap(slot, value)


def get_largest_accounts(ctx: RpcContext, params: Params) -> object:
    config = params.config(0)
    slot = ctx.slot_for(config)
    filter_name = config.get("filter")
    kind = parse_name(filter_name, ("circulating", "nonCirculating")) if filter_name is not None else None
    accounts = [] if kind == "nonCirculating" else ctx.store.largest_accounts(LARGEST_ACCOUNTS)
    return ctx.wrap(slot, [{"lamports": lamports, "address": str(key)} for key, lamports in accounts])


def get_token_largest_accounts(ctx: RpcContext, params: Params) -> object:
    mint = parse_pubkey(params.required(0))
    slot = ctx.slot_for(params.config(1))
    decimals = mint_decimals_or_error(ctx, mint)
    holders = []
    for key, account in ctx.bank.accounts_owned_by(TOKEN_PROGRAM_ID):
        if len(account.data) == TokenAccount.LEN and account.data[:32] == bytes(mint):
            holders.append((int.from_bytes(account.data[64:72], "little"), str(key)))
    holders.sort(key=lambda holder: (-holder[0], holder[1]))
    return ctx.wrap(
        slot,
        [{"address": address, **ui_token_amount(amount, decimals)} for amount, address in holders[:LARGEST_ACCOUNTS]],
    )


def get_inflation_governor(ctx: RpcContext, params: Params) -> object:
    ctx.slot_for(params.config(0))
    return {
        "initial": INFLATION_INITIAL,
        "terminal": INFLATION_TERMINAL,
        "taper": INFLATION_TAPER,
        "foundation": INFLATION_FOUNDATION,
        "foundationTerm": INFLATION_FOUNDATION_TERM,
    }


def _total_rate(year: float) -> float:
    return max(INFLATION_TERMINAL, INFLATION_INITIAL * float((1.0 - INFLATION_TAPER) ** year))


def get_inflation_rate(ctx: RpcContext, params: Params) -> object:
    """The rates of the current epoch, at the year its first slot falls in (Agave's slot_in_year_for_inflation)."""
    epoch = ctx.processed_slot // SLOTS_PER_EPOCH
    slots_per_year = SECONDS_PER_YEAR * 1000.0 / ctx.node.slot_ms
    year = epoch * SLOTS_PER_EPOCH / slots_per_year
    total = _total_rate(year)
    foundation = total * INFLATION_FOUNDATION if year < INFLATION_FOUNDATION_TERM else 0.0
    return {"total": total, "validator": total - foundation, "foundation": foundation, "epoch": epoch}


def get_inflation_reward(ctx: RpcContext, params: Params) -> object:
    addresses = parse_pubkeys(params.required(0), MAX_MULTIPLE_ACCOUNTS)
    config = params.config(1)
    context_slot = ctx.slot_for(config)
    epoch = config.u64("epoch")
    if epoch is None:
        epoch = max(0, context_slot // SLOTS_PER_EPOCH - 1)
    rewards_slot = (epoch + 1) * SLOTS_PER_EPOCH  # rewards are paid in the first block of the next epoch
    first_available = ctx.store.first_block_slot()
    if rewards_slot < first_available:
        raise RpcError.block_cleaned_up(rewards_slot, first_available)
    last = highest_slot(ctx, config.commitment())
    if not ctx.store.block_slots(rewards_slot, last, 1):
        raise RpcError.block_not_available(rewards_slot)
    return [None for _ in addresses]


METHODS = (
    Method("getSupply", get_supply, 1),
    Method("getLargestAccounts", get_largest_accounts, 1),
    Method("getTokenLargestAccounts", get_token_largest_accounts, 2),
    Method("getInflationGovernor", get_inflation_governor, 1),
    Method("getInflationRate", get_inflation_rate, 0),
    Method("getInflationReward", get_inflation_reward, 2),
)
