"""Account reads: getAccountInfo, getMultipleAccounts, getProgramAccounts, getBalance, rent exemption."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from enum import Enum

from validator.encoding import b58decode
from validator.rpc.account_json import AccountView
from validator.rpc.context import RpcContext
from validator.rpc.errors import RpcError
from validator.rpc.method import Method
from validator.rpc.params import Params, expect_dict, expect_list, expect_str, expect_u64, parse_pubkey, parse_pubkeys

__all__ = ["METHODS"]

MAX_MULTIPLE_ACCOUNTS = 100
MAX_GET_PROGRAM_ACCOUNT_FILTERS = 4
MAX_MEMCMP_BYTES = 128
MAX_MEMCMP_BASE58_CHARS = 175
_TOKEN_ACCOUNT_LEN = 165
_TOKEN_ACCOUNT_STATE_OFFSET = 108


def get_account_info(ctx: RpcContext, params: Params) -> object:
    pubkey = parse_pubkey(params.required(0))
    config = params.config(1)
    view = AccountView.from_config(config)
    slot = ctx.slot_for(config)
    account = ctx.bank.get_account(pubkey)
    return ctx.wrap(slot, view.render(account, ctx.bank) if account is not None else None)


def get_multiple_accounts(ctx: RpcContext, params: Params) -> object:
    pubkeys = parse_pubkeys(params.required(0), MAX_MULTIPLE_ACCOUNTS)
    config = params.config(1)
    view = AccountView.from_config(config)
    slot = ctx.slot_for(config)
    # Each account is rendered as it is read, so at most one raw account is held at a time (100 keys of 10 MiB
    # accounts read first would hold 1 GB), and the response budget stops the reading where the answer stops fitting.
    read = (ctx.bank.get_account(pubkey) for pubkey in pubkeys)
    return ctx.wrap(slot, [view.render(acc, ctx.bank) if acc is not None else None for acc in read])


def get_balance(ctx: RpcContext, params: Params) -> object:
    pubkey = parse_pubkey(params.required(0))
    slot = ctx.slot_for(params.config(1))
    return ctx.wrap(slot, ctx.bank.get_balance(pubkey))


def get_minimum_balance_for_rent_exemption(ctx: RpcContext, params: Params) -> object:
    data_len = expect_u64(params.required(0), "usize")
    ctx.slot_for(params.config(1))
    return ctx.bank.minimum_balance_for_rent_exemption(data_len)


class FilterKind(Enum):
    MEMCMP = "memcmp"
    DATA_SIZE = "dataSize"
    TOKEN_ACCOUNT_STATE = "tokenAccountState"


@dataclass(frozen=True, slots=True)
class AccountFilter:
    """One ``filters`` entry of getProgramAccounts, parsed and checked."""

    kind: FilterKind
    offset: int = 0
    value: bytes = b""
    size: int = 0

    def allows(self, data: bytes) -> bool:
        match self.kind:
            case FilterKind.MEMCMP:
                return data[self.offset : self.offset + len(self.value)] == self.value
            case FilterKind.DATA_SIZE:
                return len(data) == self.size
            case FilterKind.TOKEN_ACCOUNT_STATE:
                return len(data) == _TOKEN_ACCOUNT_LEN and data[_TOKEN_ACCOUNT_STATE_OFFSET] != 0


def _invalid_filter(reason: str) -> RpcError:
    return RpcError.invalid_params(f"Invalid param: {reason}")


def _memcmp_bytes(fields: dict[str, object]) -> bytes:
    """The bytes of a memcmp filter: base58 (the default), base64, or a JSON array under encoding "bytes"."""
    raw = fields.get("bytes")
    encoding = fields.get("encoding") or "base58"
    if encoding == "bytes":
        items = expect_list(raw, "a byte array")
        if not all(isinstance(item, int) and not isinstance(item, bool) and 0 <= item <= 255 for item in items):
            raise _invalid_filter("DecodeError")
        value = bytes(items)  # type: ignore[arg-type]
    elif encoding == "base58":
        text = expect_str(raw)
        if len(text) > MAX_MEMCMP_BASE58_CHARS:
            raise _invalid_filter("Base58DataTooLarge")
        try:
            value = b58decode(text)
        except ValueError:
            raise _invalid_filter("DecodeError") from None
    elif encoding == "base64":
        try:
            value = base64.b64decode(expect_str(raw), validate=True)
        except binascii.Error:
            raise _invalid_filter("DecodeError") from None
    else:
        raise RpcError.invalid_params(
            f"Invalid params: unknown variant `{encoding}`, expected one of `base58`, `base64`, `bytes`."
        )
    if len(value) > MAX_MEMCMP_BYTES:
        raise _invalid_filter("DataTooLarge")
    return value


def parse_filter(raw: object) -> AccountFilter:
    if raw == "tokenAccountState":  # serde's form of a unit variant
        return AccountFilter(FilterKind.TOKEN_ACCOUNT_STATE)
    fields = expect_dict(raw, "a filter object")
    if len(fields) == 1 and "memcmp" in fields:
        memcmp = expect_dict(fields["memcmp"], "struct Memcmp")
        return AccountFilter(
            FilterKind.MEMCMP, offset=expect_u64(memcmp.get("offset"), "usize"), value=_memcmp_bytes(memcmp)
        )
    if len(fields) == 1 and "dataSize" in fields:
        return AccountFilter(FilterKind.DATA_SIZE, size=expect_u64(fields["dataSize"]))
    raise RpcError.invalid_params(
        "Invalid params: unknown variant, expected one of `dataSize`, `memcmp`, `tokenAccountState`."
    )


def get_program_accounts(ctx: RpcContext, params: Params) -> object:
    program_id = parse_pubkey(params.required(0))
    config = params.config(1)
    view = AccountView.from_config(config)
    raw_filters = config.get("filters")
    filters = [parse_filter(item) for item in expect_list(raw_filters)] if raw_filters is not None else []
    if len(filters) > MAX_GET_PROGRAM_ACCOUNT_FILTERS:
        raise RpcError.invalid_params(f"Too many filters provided; max {MAX_GET_PROGRAM_ACCOUNT_FILTERS}")
    with_context = config.boolean("withContext")
    sort_results = config.boolean("sortResults", default=True)
    slot = ctx.slot_for(config)
    matches = [
        (pubkey, account)
        for pubkey, account in ctx.bank.accounts_owned_by(program_id)
        if all(f.allows(account.data) for f in filters)
    ]
    if sort_results:
        matches.sort(key=lambda item: bytes(item[0]))
    value = [view.render_keyed(pubkey, account, ctx.bank) for pubkey, account in matches]
    return ctx.wrap(slot, value) if with_context else value


METHODS = (
    Method("getAccountInfo", get_account_info, 2),
    Method("getMultipleAccounts", get_multiple_accounts, 2),
    Method("getProgramAccounts", get_program_accounts, 2),
    Method("getBalance", get_balance, 2),
    Method("getMinimumBalanceForRentExemption", get_minimum_balance_for_rent_exemption, 2),
)
