"""Subscription requests parsed from JSON-RPC params into typed values, before the server acts on them.

Config objects (commitment, encoding, dataSlice, filters) are read by the HTTP side's parsers, so
both edges accept and refuse the same things with the same words. What differs is Agave's PubSub
wording for keys it cannot parse (``Invalid Request: Invalid pubkey provided``) and the logs filter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from solders.pubkey import Pubkey
from solders.signature import Signature

from validator.finality import Commitment
from validator.rpc.account_json import AccountView
from validator.rpc.accounts import MAX_GET_PROGRAM_ACCOUNT_FILTERS, AccountFilter, parse_filter
from validator.rpc.block_json import BlockOptions
from validator.rpc.errors import RpcError
from validator.rpc.params import Params, expect_list, expect_str, expect_u64
from validator.rpc.transaction_json import TransactionEncoding


class SubscriptionKind(StrEnum):
    """What a subscription follows; the value is the prefix of its JSON-RPC method names."""

    ACCOUNT = "account"
    PROGRAM = "program"
    LOGS = "logs"
    SIGNATURE = "signature"
    SLOT = "slot"
    BLOCK = "block"
    SLOTS_UPDATES = "slotsUpdates"
    ROOT = "root"
    VOTE = "vote"

    @property
    def subscribe_method(self) -> str:
        return f"{self.value}Subscribe"

    @property
    def unsubscribe_method(self) -> str:
        return f"{self.value}Unsubscribe"

    @property
    def notification_method(self) -> str:
        return f"{self.value}Notification"


@dataclass(frozen=True, slots=True)
class AccountParams:
    kind: ClassVar[SubscriptionKind] = SubscriptionKind.ACCOUNT
    pubkey: Pubkey
    commitment: Commitment
    view: AccountView


@dataclass(frozen=True, slots=True)
class ProgramParams:
    kind: ClassVar[SubscriptionKind] = SubscriptionKind.PROGRAM
    program_id: Pubkey
    commitment: Commitment
    view: AccountView
    filters: tuple[AccountFilter, ...]


@dataclass(frozen=True, slots=True)
class LogsParams:
    """``mentions`` None means every transaction ("all" / "allWithVotes"; there are no vote transactions)."""

    kind: ClassVar[SubscriptionKind] = SubscriptionKind.LOGS
    mentions: Pubkey | None
    commitment: Commitment


@dataclass(frozen=True, slots=True)
class SignatureParams:
    kind: ClassVar[SubscriptionKind] = SubscriptionKind.SIGNATURE
    signature: Signature
    commitment: Commitment


@dataclass(frozen=True, slots=True)
class SlotParams:
    """Slot notifications go out as each slot is processed."""

    kind: ClassVar[SubscriptionKind] = SubscriptionKind.SLOT
    commitment: ClassVar[Commitment] = Commitment.PROCESSED


@dataclass(frozen=True, slots=True)
class BlockParams:
    """A block once it reaches ``commitment`` (confirmed at least); ``mentions`` keeps only transactions
    that name that account or program, and a block with none left is not sent."""

    kind: ClassVar[SubscriptionKind] = SubscriptionKind.BLOCK
    mentions: Pubkey | None
    commitment: Commitment
    options: BlockOptions


@dataclass(frozen=True, slots=True)
class SlotsUpdatesParams:
    kind: ClassVar[SubscriptionKind] = SubscriptionKind.SLOTS_UPDATES
    commitment: ClassVar[Commitment] = Commitment.PROCESSED


@dataclass(frozen=True, slots=True)
class RootParams:
    kind: ClassVar[SubscriptionKind] = SubscriptionKind.ROOT
    commitment: ClassVar[Commitment] = Commitment.PROCESSED


@dataclass(frozen=True, slots=True)
class VoteParams:
    """Votes are gossiped by consensus, which a single node without a vote account does not take part in:
    the subscription is accepted and never notified."""

    kind: ClassVar[SubscriptionKind] = SubscriptionKind.VOTE
    commitment: ClassVar[Commitment] = Commitment.PROCESSED


SubscriptionParams = (
    AccountParams
    | ProgramParams
    | LogsParams
    | SignatureParams
    | SlotParams
    | BlockParams
    | SlotsUpdatesParams
    | RootParams
    | VoteParams
)
_WITHOUT_PARAMS = frozenset(
    {SubscriptionKind.SLOT, SubscriptionKind.SLOTS_UPDATES, SubscriptionKind.ROOT, SubscriptionKind.VOTE}
)


def parse_subscribe(kind: SubscriptionKind, raw_params: object) -> SubscriptionParams:
    """The typed params of ``<kind>Subscribe``; raises a -32602 :class:`RpcError`."""
    params = Params(raw_params)
    params.limit(0 if kind in _WITHOUT_PARAMS else 2)
    return _PARSERS[kind](params)


def parse_unsubscribe(raw_params: object) -> int:
    """The subscription id of ``<kind>Unsubscribe [id]``."""
    params = Params(raw_params)
    params.limit(1)
    return expect_u64(params.required(0))


def _parse_account(params: Params) -> AccountParams:
    pubkey = _pubkey(params.required(0))
    config = params.config(1)
    return AccountParams(pubkey, config.commitment(), AccountView.from_config(config))


def _parse_program(params: Params) -> ProgramParams:
    program_id = _pubkey(params.required(0))
    config = params.config(1)
    raw_filters = config.get("filters")
    filters = tuple(parse_filter(item) for item in expect_list(raw_filters)) if raw_filters is not None else ()
    if len(filters) > MAX_GET_PROGRAM_ACCOUNT_FILTERS:
        raise RpcError.invalid_params(f"Too many filters provided; max {MAX_GET_PROGRAM_ACCOUNT_FILTERS}")
    return ProgramParams(program_id, config.commitment(), AccountView.from_config(config), filters)


def _parse_logs(params: Params) -> LogsParams:
    log_filter = params.required(0)
    commitment = params.config(1).commitment()
    if log_filter in ("all", "allWithVotes"):
        return LogsParams(None, commitment)
    if isinstance(log_filter, dict) and set(log_filter) == {"mentions"}:
        mentions = expect_list(log_filter["mentions"])
        if len(mentions) != 1:
            raise RpcError.invalid_params("Invalid Request: Only 1 address supported")
        return LogsParams(_pubkey(mentions[0]), commitment)
    raise RpcError.invalid_params(
        "Invalid params: unknown variant, expected one of `all`, `allWithVotes`, `mentions`."
    )


def _parse_signature(params: Params) -> SignatureParams:
    # ``enableReceivedNotification`` is accepted and ignored: solders cannot parse "receivedSignature".
    text = expect_str(params.required(0))
    commitment = params.config(1).commitment()
    try:
        return SignatureParams(Signature.from_string(text), commitment)
    except ValueError:
        raise RpcError.invalid_params("Invalid Request: Invalid signature provided") from None


def _parse_slot(params: Params) -> SlotParams:
    return SlotParams()


def _parse_block(params: Params) -> BlockParams:
    block_filter = params.required(0)
    config = params.config(1)
    commitment = config.commitment()
    if commitment < Commitment.CONFIRMED:
        raise RpcError.invalid_params("Method does not support commitment below `confirmed`")
    # blockSubscribe's own defaults: base64 transactions, rewards shown (``showRewards``).
    options = BlockOptions.parse(config, default_encoding=TransactionEncoding.BASE64, rewards_key="showRewards")
    if block_filter == "all":
        return BlockParams(None, commitment, options)
    if isinstance(block_filter, dict) and set(block_filter) == {"mentionsAccountOrProgram"}:
        return BlockParams(_pubkey(block_filter["mentionsAccountOrProgram"]), commitment, options)
    raise RpcError.invalid_params(
        "Invalid params: unknown variant, expected one of `all`, `mentionsAccountOrProgram`."
    )


_PARSERS: dict[SubscriptionKind, Callable[[Params], SubscriptionParams]] = {
    SubscriptionKind.ACCOUNT: _parse_account,
    SubscriptionKind.PROGRAM: _parse_program,
    SubscriptionKind.LOGS: _parse_logs,
    SubscriptionKind.SIGNATURE: _parse_signature,
    SubscriptionKind.SLOT: _parse_slot,
    SubscriptionKind.BLOCK: _parse_block,
    SubscriptionKind.SLOTS_UPDATES: lambda params: SlotsUpdatesParams(),
    SubscriptionKind.ROOT: lambda params: RootParams(),
    SubscriptionKind.VOTE: lambda params: VoteParams(),
}


def _pubkey(value: object) -> Pubkey:
    """A pubkey param, refused in Agave's PubSub words (the HTTP side says ``Invalid param: Invalid``)."""
    try:
        return Pubkey.from_string(expect_str(value))
    except ValueError:
        raise RpcError.invalid_params("Invalid Request: Invalid pubkey provided") from None
