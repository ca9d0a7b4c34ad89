"""Turns the bank's commits and blocks into notifications for the subscriptions that follow them.

Runs on the event loop. A notification is due at the slot its transaction was processed in plus
the lag of the subscription's commitment (``lag_slots``); it is delivered at once when the bank
is already there, otherwise held until a block reaches that slot. Every notification's context
slot is the slot the change was processed in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from solders.account import Account as SoldersAccount
from solders.pubkey import Pubkey

from emulator import Bank
from emulator.ledger import BlockInfo
from emulator.results import TransactionRecord
from validator.encoding import AccountEncoding
from validator.finality import Commitment
from validator.pubsub.block_updates import BlockSource, BlockUpdates
from validator.pubsub.delivery import PendingNotifications
from validator.pubsub.messages import (
    CLOSED_ACCOUNT,
    logs_value,
    notification,
    program_value,
    signature_value,
    slot_info,
    to_json,
    with_context,
)
from validator.pubsub.params import AccountParams, ProgramParams, SubscriptionKind
from validator.pubsub.subscriptions import Subscription, SubscriptionRegistry
from validator.rpc.account_json import AccountView
from validator.rpc.errors import RpcError

LagSlots = Callable[[str], int]
# An account as it was committed (None: removed), copied out of the bank.
AccountSnapshot = tuple[Pubkey, SoldersAccount | None]


class NotificationDispatcher:
    """Matches events to subscriptions and sends or holds each notification; ``_slot`` is the newest block seen."""

    def __init__(
        self,
        registry: SubscriptionRegistry,
        lag_slots: LagSlots,
        bank: Bank,
        start_slot: int,
        blocks: BlockSource | None = None,
    ) -> None:
        self._registry = registry
        self._lag_slots = lag_slots
        self._bank = bank  # for the mints jsonParsed token accounts need
        self._slot = start_slot
        self._pending = PendingNotifications()
        self._block_updates = BlockUpdates(registry, blocks, lag_slots) if blocks is not None else None

    def on_block(self, block: BlockInfo) -> None:
        """A new slot: slot notifications, then whatever became due. A block in a slot already seen is ignored."""
        if block.slot <= self._slot:
            return
        parent, self._slot = self._slot, block.slot
        slot_subscriptions = self._registry.following(SubscriptionKind.SLOT, None)
        if slot_subscriptions:
            root = max(0, block.slot - self._lag_slots(Commitment.FINALIZED.wire_name))
            result = to_json(slot_info(parent, root, block.slot))
            for subscription in slot_subscriptions:
                self._deliver(subscription.id, notification(SubscriptionKind.SLOT, subscription.id, result))
        if self._block_updates is not None:
            for subscription, processed_slot, update in self._block_updates.on_block(parent, block):
                self._schedule(subscription, processed_slot, update)
        for subscription_id, message in self._pending.pop_due(self._slot):
            self._deliver(subscription_id, message)

    def on_commit(self, accounts: Sequence[AccountSnapshot], record: TransactionRecord | None) -> None:
        """Writes without a transaction (genesis, ``set_account``) count as processed in the current slot."""
        slot = record.slot if record is not None else self._slot
        for pubkey, account in accounts:
            self._notify_account(slot, pubkey, account)
            if account is not None:
                self._notify_program(slot, pubkey, account)
        if record is not None:
            self._notify_transaction(record)

    def signature_landed(self, subscription: Subscription, record: TransactionRecord) -> None:
        """A new signature subscription whose transaction is already in the ledger."""
        if self._registry.claim_signature_subscription(subscription):
            self._schedule(subscription, record.slot, to_json(with_context(record.slot, signature_value(record))))

    def _notify_account(self, slot: int, pubkey: Pubkey, account: SoldersAccount | None) -> None:
        shown = account if account is not None else CLOSED_ACCOUNT
        subscriptions = self._registry.following(SubscriptionKind.ACCOUNT, pubkey)
        for subscription, result in _rendered_once_per_view(
            subscriptions, lambda view: to_json(with_context(slot, self._render(shown, view)))
        ):
            self._schedule(subscription, slot, result)

    def _notify_program(self, slot: int, pubkey: Pubkey, account: SoldersAccount) -> None:
        subscriptions = [
            subscription
            for subscription in self._registry.following(SubscriptionKind.PROGRAM, account.owner)
            if isinstance(subscription.params, ProgramParams)
            and all(account_filter.allows(account.data) for account_filter in subscription.params.filters)
        ]
        for subscription, result in _rendered_once_per_view(
            subscriptions,
            lambda view: to_json(with_context(slot, program_value(pubkey, self._render(account, view)))),
        ):
            self._schedule(subscription, slot, result)

    def _notify_transaction(self, record: TransactionRecord) -> None:
        logs_subscriptions = self._registry.logs_subscribers(record.account_keys)
        if logs_subscriptions:
            result = to_json(with_context(record.slot, logs_value(record)))
            for subscription in logs_subscriptions:
                self._schedule(subscription, record.slot, result)
        signature_subscriptions = self._registry.claim_signature_subscribers(record.signature)
        if signature_subscriptions:
            result = to_json(with_context(record.slot, signature_value(record)))
            for subscription in signature_subscriptions:
                self._schedule(subscription, record.slot, result)

    def _render(self, account: SoldersAccount, view: AccountView) -> dict[str, object]:
        """UiAccount JSON. Base58 is quadratic in the data length, and Agave refuses it beyond 128 bytes
        over HTTP; a notification cannot be refused, so longer data goes as base64 instead."""
        try:
            return view.render(account, self._bank)
        except RpcError:
            if view.encoding is not AccountEncoding.BASE58:
                raise
            return AccountView(AccountEncoding.BASE64, view.data_slice).render(account, self._bank)

    def _schedule(self, subscription: Subscription, processed_slot: int, result_json: str) -> None:
        message = notification(subscription.params.kind, subscription.id, result_json)
        due = processed_slot + self._lag_slots(subscription.params.commitment.wire_name)
        if due <= self._slot:
            self._deliver(subscription.id, message)
        else:
            self._pending.push(due, subscription.id, message)

    def _deliver(self, subscription_id: int, message: str) -> None:
        subscription = self._registry.get(subscription_id)
        if subscription is None:  # cancelled while its notification waited
            return
        subscription.outbox.send(message)
        if subscription.params.kind is SubscriptionKind.SIGNATURE:  # fires once, then is gone (as in Agave)
            self._registry.remove(subscription.id, subscription.outbox)


def _rendered_once_per_view(
    subscriptions: Sequence[Subscription], render: Callable[[AccountView], str]
) -> Iterator[tuple[Subscription, str]]:
    """Each subscription with its result, rendering each distinct view (encoding, slice) once."""
    rendered: dict[AccountView, str] = {}
    for subscription in subscriptions:
        params = subscription.params
        assert isinstance(params, AccountParams | ProgramParams)
        if params.view not in rendered:
            rendered[params.view] = render(params.view)
        yield subscription, rendered[params.view]
