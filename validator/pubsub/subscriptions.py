"""The live subscriptions of every connection, indexed by what they follow.

Ids are node-wide integers handed out in order. A subscription belongs to the connection that
made it: only that connection can cancel it, and closing the connection drops all of its ones
(and the maps shrink back, so a socket that held many gives their memory back when it closes).
Lives on the event loop; the bank's thread only reads :meth:`SubscriptionRegistry.count`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, assert_never

from solders.pubkey import Pubkey
from solders.signature import Signature

from validator.pubsub.params import (
    AccountParams,
    BlockParams,
    LogsParams,
    ProgramParams,
    RootParams,
    SignatureParams,
    SlotParams,
    SlotsUpdatesParams,
    SubscriptionKind,
    SubscriptionParams,
    VoteParams,
)


class Outbox(Protocol):
    """Where a subscription's messages go: a connection's send queue."""

    def send(self, message: str) -> None: ...


@dataclass(frozen=True, slots=True, eq=False)
class Subscription:
    id: int
    params: SubscriptionParams
    outbox: Outbox


# What a subscription follows, within its kind: an account, a program, a mentioned key, a signature;
# None for subscriptions to everything of their kind (all logs, slots, all blocks).
_Key = Pubkey | Signature | None
_Index = dict[int, Subscription]


def _key_of(params: SubscriptionParams) -> _Key:
    if isinstance(params, AccountParams):
        return params.pubkey
    if isinstance(params, ProgramParams):
        return params.program_id
    if isinstance(params, LogsParams):
        return params.mentions
    if isinstance(params, SignatureParams):
        return params.signature
    if isinstance(params, BlockParams):
        return params.mentions
    if isinstance(params, SlotParams | SlotsUpdatesParams | RootParams | VoteParams):
        return None
    assert_never(params)


class SubscriptionRegistry:
    """Every live subscription by id, and by what it follows so an event finds its subscribers directly."""

    def __init__(self) -> None:
        self._next_id = 0
        self._by_id: _Index = {}
        self._by_outbox: dict[Outbox, _Index] = {}
        self._counts: dict[SubscriptionKind, int] = dict.fromkeys(SubscriptionKind, 0)
        # A signature subscription leaves its index once its notification is scheduled (it fires once)
        # but stays in ``_by_id`` until it is delivered.
        self._indexes: dict[SubscriptionKind, dict[_Key, _Index]] = {kind: {} for kind in SubscriptionKind}

    def add(self, params: SubscriptionParams, outbox: Outbox) -> Subscription:
        subscription = Subscription(self._next_id, params, outbox)
        self._next_id += 1
        self._by_id[subscription.id] = subscription
        self._by_outbox.setdefault(outbox, {})[subscription.id] = subscription
        self._counts[params.kind] += 1
        self._indexes[params.kind].setdefault(_key_of(params), {})[subscription.id] = subscription
        return subscription

    def remove(self, subscription_id: int, outbox: Outbox) -> bool:
        """Cancel ``outbox``'s subscription ``subscription_id``; False if it has none by that id."""
        subscription = self._by_id.get(subscription_id)
        if subscription is None or subscription.outbox is not outbox:
            return False
        del self._by_id[subscription_id]
        owned = self._by_outbox[outbox]
        del owned[subscription_id]
        if not owned:
            del self._by_outbox[outbox]
        self._counts[subscription.params.kind] -= 1
        self._unindex(subscription)
        return True

    def remove_all(self, outbox: Outbox) -> None:
        """Drop every subscription of a closed connection."""
        owned = list(self._by_outbox.get(outbox, {}))
        for subscription_id in owned:
            self.remove(subscription_id, outbox)
        if owned:  # a dict never shrinks its table on deletes; copies are sized to what is left
            self._by_id = dict(self._by_id)
            self._indexes = {kind: dict(by_key) for kind, by_key in self._indexes.items()}

    def __len__(self) -> int:
        """Live subscriptions of every connection."""
        return len(self._by_id)

    def count_of(self, outbox: Outbox) -> int:
        """Live subscriptions of one connection."""
        return len(self._by_outbox.get(outbox, ()))

    def get(self, subscription_id: int) -> Subscription | None:
        return self._by_id.get(subscription_id)

    def count(self, *kinds: SubscriptionKind) -> int:
        """Live subscriptions of these kinds (cheap; safe to read from the bank's thread)."""
        return sum(self._counts[kind] for kind in kinds)

    def following(self, kind: SubscriptionKind, key: _Key) -> list[Subscription]:
        """Subscriptions of ``kind`` that follow ``key`` (None: those that follow everything of the kind)."""
        return list(self._indexes[kind].get(key, {}).values())

    def logs_subscribers(self, account_keys: Iterable[Pubkey]) -> list[Subscription]:
        """Subscriptions to every transaction's logs and those mentioning one of ``account_keys``, once each."""
        by_key = self._indexes[SubscriptionKind.LOGS]
        found = dict(by_key.get(None, {}))
        for key in account_keys:
            found.update(by_key.get(key, {}))
        return list(found.values())

    def of_kind(self, kind: SubscriptionKind) -> list[Subscription]:
        """Every live subscription of ``kind``, whatever it follows."""
        return [subscription for index in self._indexes[kind].values() for subscription in index.values()]

    def claim_signature_subscribers(self, signature: Signature) -> list[Subscription]:
        """The subscriptions waiting for ``signature``; each is handed out once, then only awaits delivery."""
        return list(self._indexes[SubscriptionKind.SIGNATURE].pop(signature, {}).values())

    def claim_signature_subscription(self, subscription: Subscription) -> bool:
        """Hand out one waiting signature subscription; False if an event already claimed it."""
        return self._unindex(subscription)

    def _unindex(self, subscription: Subscription) -> bool:
        by_key = self._indexes[subscription.params.kind]
        key = _key_of(subscription.params)
        index = by_key.get(key)
        if index is None or index.pop(subscription.id, None) is None:
            return False
        if not index:  # so the maps do not grow with every key ever followed
            del by_key[key]
        return True
