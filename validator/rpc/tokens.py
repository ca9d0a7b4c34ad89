"""SPL Token reads: getTokenAccountBalance, getTokenSupply, getTokenAccountsByOwner/ByDelegate."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from solders.pubkey import Pubkey

from emulator.constants import TOKEN_PROGRAM_ID
from emulator.errors import InstructionFailure
from emulator.native.spl_token import NATIVE_MINT_ID, Mint, TokenAccount
from validator.rpc.account_json import AccountView, load_account_data
from validator.rpc.accounts import AccountFilter, FilterKind
from validator.rpc.context import RpcContext
from validator.rpc.errors import RpcError
from validator.rpc.method import Method
from validator.rpc.params import Params, expect_dict, parse_pubkey
from validator.rpc.token_json import mint_decimals, ui_token_amount

__all__ = ["METHODS"]

_OWNER_OFFSET = 32
_DELEGATE_OFFSET = 72  # COption<Pubkey>: a u32 tag, 1 for Some, then the key
_SOME_TAG = (1).to_bytes(4, "little")
_Unpacked = TypeVar("_Unpacked", Mint, TokenAccount)


def mint_decimals_or_error(ctx: RpcContext, mint: Pubkey) -> int:
    """A mint's decimals, or the error Agave's get_mint_owner_and_additional_data gives."""
    decimals = mint_decimals(mint, lambda key: load_account_data(ctx.bank, key))
    if decimals is not None:
        return decimals
    if ctx.bank.get_account(mint) is None:
        raise RpcError.invalid_params("Invalid param: could not find mint")
    raise RpcError.invalid_params("Invalid param: Token mint could not be unpacked")


def _token_program_account(
    ctx: RpcContext, pubkey: Pubkey, unpack: Callable[[bytes], _Unpacked], not_ours: str, unreadable: str
) -> _Unpacked:
    """The SPL Token account at ``pubkey`` unpacked, or the invalid-params error Agave gives for each failure."""
    account = ctx.bank.get_account(pubkey)
    if account is None:
        raise RpcError.invalid_params("Invalid param: could not find account")
    if account.owner != TOKEN_PROGRAM_ID:
        raise RpcError.invalid_params(not_ours)
    try:
        return unpack(account.data)
    except InstructionFailure:
        raise RpcError.invalid_params(unreadable) from None


def get_token_account_balance(ctx: RpcContext, params: Params) -> object:
    pubkey = parse_pubkey(params.required(0))
    slot = ctx.slot_for(params.config(1))
    not_an_account = "Invalid param: not a Token account"
    token_account = _token_program_account(ctx, pubkey, TokenAccount.unpack, not_an_account, not_an_account)
    decimals = mint_decimals_or_error(ctx, token_account.mint)
    return ctx.wrap(slot, ui_token_amount(token_account.amount, decimals))


def get_token_supply(ctx: RpcContext, params: Params) -> object:
    mint_key = parse_pubkey(params.required(0))
    slot = ctx.slot_for(params.config(1))
    mint = _token_program_account(
        ctx,
        mint_key,
        Mint.unpack,
        "Invalid param: not a Token mint",
        "Invalid param: Token mint could not be unpacked",
    )
    return ctx.wrap(slot, ui_token_amount(mint.supply, mint.decimals))


def _mint_filter(ctx: RpcContext, raw: object) -> AccountFilter | None:
    """The ``{"mint": ...}`` or ``{"programId": ...}`` param as a filter on token accounts (None: all of them)."""
    fields = expect_dict(raw, "a map with a `mint` or a `programId`")
    if set(fields) == {"mint"}:
        mint = parse_pubkey(fields["mint"])
        if mint != NATIVE_MINT_ID:
            account = ctx.bank.get_account(mint)
            if account is None:
                raise RpcError.invalid_params("Invalid param: could not find mint")
            if account.owner != TOKEN_PROGRAM_ID:
                raise RpcError.invalid_params("Invalid param: not a Token mint")
        return AccountFilter(FilterKind.MEMCMP, offset=0, value=bytes(mint))
    if set(fields) == {"programId"}:
        if parse_pubkey(fields["programId"]) != TOKEN_PROGRAM_ID:
            raise RpcError.invalid_params("Invalid param: unrecognized Token program id")
        return None
    raise RpcError.invalid_params(
        "Invalid params: data did not match any variant of untagged enum RpcTokenAccountsFilter."
    )


def _token_accounts(ctx: RpcContext, params: Params, key_filter: AccountFilter) -> object:
    mint_filter = _mint_filter(ctx, params.required(1))
    config = params.config(2)
    view = AccountView.from_config(config)
    slot = ctx.slot_for(config)
    filters = [AccountFilter(FilterKind.DATA_SIZE, size=TokenAccount.LEN), key_filter]
    if mint_filter is not None:
        filters.append(mint_filter)
    matches = [
        view.render_keyed(pubkey, account, ctx.bank)
        for pubkey, account in sorted(ctx.bank.accounts_owned_by(TOKEN_PROGRAM_ID), key=lambda item: bytes(item[0]))
        if all(f.allows(account.data) for f in filters)
    ]
    return ctx.wrap(slot, matches)


def get_token_accounts_by_owner(ctx: RpcContext, params: Params) -> object:
    owner = parse_pubkey(params.required(0))
    return _token_accounts(ctx, params, AccountFilter(FilterKind.MEMCMP, offset=_OWNER_OFFSET, value=bytes(owner)))


def get_token_accounts_by_delegate(ctx: RpcContext, params: Params) -> object:
    delegate = parse_pubkey(params.required(0))
    key_filter = AccountFilter(FilterKind.MEMCMP, offset=_DELEGATE_OFFSET, value=_SOME_TAG + bytes(delegate))
    return _token_accounts(ctx, params, key_filter)


METHODS = (
    Method("getTokenAccountBalance", get_token_account_balance, 2),
    Method("getTokenSupply", get_token_supply, 2),
    Method("getTokenAccountsByOwner", get_token_accounts_by_owner, 3),
    Method("getTokenAccountsByDelegate", get_token_accounts_by_delegate, 3),
)
