"""Subscription params parsed from JSON into typed values at the edge, refused in Agave's PubSub words."""

from __future__ import annotations

import pytest
from solders.pubkey import Pubkey
from solders.signature import Signature

from validator.encoding import AccountEncoding
from validator.finality import Commitment
from validator.pubsub.params import (
    AccountParams,
    LogsParams,
    ProgramParams,
    SignatureParams,
    SlotParams,
    SubscriptionKind,
    parse_subscribe,
    parse_unsubscribe,
)
from validator.rpc.account_json import AccountView
from validator.rpc.accounts import AccountFilter, FilterKind
from validator.rpc.errors import RpcError, RpcErrorCode
from validator.rpc.params import DataSlice

KEY = Pubkey.new_unique()
SIGNATURE = Signature.new_unique()


def test_an_account_subscription_without_config_is_finalized_base58() -> None:
    params = parse_subscribe(SubscriptionKind.ACCOUNT, [str(KEY)])
    assert params == AccountParams(KEY, Commitment.FINALIZED, AccountView(AccountEncoding.BASE58))


def test_explicit_nulls_in_a_config_mean_absent() -> None:
    config = {"encoding": None, "dataSlice": None, "commitment": None, "minContextSlot": None}
    with_nulls = parse_subscribe(SubscriptionKind.ACCOUNT, [str(KEY), config])
    assert with_nulls == parse_subscribe(SubscriptionKind.ACCOUNT, [str(KEY)])


def test_an_account_subscription_carries_encoding_slice_and_commitment() -> None:
    config = {"encoding": "base64+zstd", "dataSlice": {"offset": 8, "length": 32}, "commitment": "confirmed"}
    params = parse_subscribe(SubscriptionKind.ACCOUNT, [str(KEY), config])
    view = AccountView(AccountEncoding.BASE64_ZSTD, DataSlice(8, 32))
    assert params == AccountParams(KEY, Commitment.CONFIRMED, view)


def test_a_program_subscription_carries_its_filters() -> None:
    config = {"filters": [{"dataSize": 165}, {"memcmp": {"offset": 32, "bytes": str(KEY)}}], "encoding": "base64"}
    params = parse_subscribe(SubscriptionKind.PROGRAM, [str(KEY), config])
    filters = (
        AccountFilter(FilterKind.DATA_SIZE, size=165),
        AccountFilter(FilterKind.MEMCMP, offset=32, value=bytes(KEY)),
    )
    assert params == ProgramParams(KEY, Commitment.FINALIZED, AccountView(AccountEncoding.BASE64), filters)


@pytest.mark.parametrize(
    ("log_filter", "mentions"), [("all", None), ("allWithVotes", None), ({"mentions": [str(KEY)]}, KEY)]
)
def test_logs_filters(log_filter: object, mentions: Pubkey | None) -> None:
    params = parse_subscribe(SubscriptionKind.LOGS, [log_filter, {"commitment": "processed"}])
    assert params == LogsParams(mentions, Commitment.PROCESSED)


def test_signature_and_slot_subscriptions() -> None:
    signature_config = {"commitment": "confirmed", "enableReceivedNotification": True}
    signature_params = parse_subscribe(SubscriptionKind.SIGNATURE, [str(SIGNATURE), signature_config])
    assert signature_params == SignatureParams(SIGNATURE, Commitment.CONFIRMED)
    assert parse_subscribe(SubscriptionKind.SLOT, None) == SlotParams()
    assert parse_subscribe(SubscriptionKind.SLOT, []) == SlotParams()


@pytest.mark.parametrize(
    ("kind", "params", "message"),
    [
        (SubscriptionKind.ACCOUNT, ["not a key"], "Invalid Request: Invalid pubkey provided"),
        (SubscriptionKind.ACCOUNT, [5], "Invalid params: invalid type: integer `5`, expected a string."),
        (SubscriptionKind.ACCOUNT, {"pubkey": str(KEY)}, "Invalid params: invalid type: map"),
        (SubscriptionKind.ACCOUNT, [str(KEY), {}, {}], "Invalid params: invalid length 3"),
        (SubscriptionKind.ACCOUNT, [str(KEY), {"encoding": "hex"}], "Invalid params: unknown variant `hex`"),
        (SubscriptionKind.PROGRAM, [str(KEY), {"commitment": "soon"}], "Invalid params: unknown variant `soon`"),
        (SubscriptionKind.PROGRAM, [str(KEY), {"filters": [{"dataSize": 1}] * 5}], "Too many filters provided"),
        (SubscriptionKind.PROGRAM, [str(KEY), {"filters": [{"size": 1}]}], "Invalid params: unknown variant"),
        (SubscriptionKind.LOGS, [{"mentions": [str(KEY), str(KEY)]}], "Invalid Request: Only 1 address supported"),
        (SubscriptionKind.LOGS, [{"mentions": []}], "Invalid Request: Only 1 address supported"),
        (SubscriptionKind.LOGS, [{"mentions": ["nope"]}], "Invalid Request: Invalid pubkey provided"),
        (SubscriptionKind.LOGS, ["some"], "Invalid params: unknown variant"),
        (SubscriptionKind.SIGNATURE, ["xyz"], "Invalid Request: Invalid signature provided"),
        (SubscriptionKind.SLOT, [1], "Invalid params: invalid length 1"),
    ],
)
def test_bad_params_are_invalid_params(kind: SubscriptionKind, params: object, message: str) -> None:
    with pytest.raises(RpcError) as raised:
        parse_subscribe(kind, params)
    assert raised.value.code is RpcErrorCode.INVALID_PARAMS
    assert raised.value.message.startswith(message)


@pytest.mark.parametrize("params", [[], ["7"], [-1], [True], [1, 2], None])
def test_unsubscribe_needs_exactly_one_unsigned_id(params: object) -> None:
    with pytest.raises(RpcError) as raised:
        parse_unsubscribe(params)
    assert raised.value.code is RpcErrorCode.INVALID_PARAMS


def test_unsubscribe_returns_the_id() -> None:
    assert parse_unsubscribe([7]) == 7
