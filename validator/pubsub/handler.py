"""Answers the calls of one websocket message: subscribe, unsubscribe, or a JSON-RPC error.

Handling a message is synchronous, so no bank event can slip in between a subscription and its
ack; the ack is queued before anything the new subscription triggers (a signature that has
already landed), so the client always learns the id before the first notification.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from solders.signature import Signature

from emulator.results import TransactionRecord
from validator.pubsub.dispatcher import NotificationDispatcher
from validator.pubsub.limits import DEFAULT_SUBSCRIPTION_LIMITS, SubscriptionLimits
from validator.pubsub.params import SignatureParams, SubscriptionKind, parse_subscribe, parse_unsubscribe
from validator.pubsub.protocol import RejectedCall, Request, encode, error_reply, parse_message, result_reply
from validator.pubsub.subscriptions import Outbox, Subscription, SubscriptionRegistry
from validator.rpc.errors import RpcError

logger = logging.getLogger(__name__)

FindTransaction = Callable[[Signature], TransactionRecord | None]

_SUBSCRIBE_METHODS = {kind.subscribe_method: kind for kind in SubscriptionKind}
_UNSUBSCRIBE_METHODS = frozenset(kind.unsubscribe_method for kind in SubscriptionKind)


class RequestHandler:
    """Turns calls into registry changes and replies; one instance serves every connection."""

    def __init__(
        self,
        registry: SubscriptionRegistry,
        dispatcher: NotificationDispatcher,
        find_transaction: FindTransaction,
        limits: SubscriptionLimits = DEFAULT_SUBSCRIPTION_LIMITS,
        offers_blocks: bool = False,
    ) -> None:
        self._offers_blocks = offers_blocks  # blockSubscribe needs a ledger that keeps blocks
        self._registry = registry
        self._dispatcher = dispatcher
        self._find_transaction = find_transaction
        self._limits = limits

    def handle(self, raw: str | bytes, outbox: Outbox) -> None:
        """Answer one websocket message on ``outbox``."""
        parsed = parse_message(raw)
        if isinstance(parsed, RejectedCall):
            outbox.send(encode(error_reply(parsed.id, parsed.error)))
            return
        new_subscriptions: list[Subscription] = []
        replies = []
        for call in parsed.calls:
            if isinstance(call, RejectedCall):
                replies.append(error_reply(call.id, call.error))
                continue
            reply = self._answer(call, outbox, new_subscriptions)
            if call.expects_reply:
                replies.append(reply)
        if replies:
            outbox.send(encode(replies if parsed.is_batch else replies[0]))
        for subscription in new_subscriptions:
            self._catch_up(subscription)

    def _answer(self, request: Request, outbox: Outbox, new_subscriptions: list[Subscription]) -> dict[str, object]:
        try:
            return result_reply(request.id, self._execute(request, outbox, new_subscriptions))
        except RpcError as exc:
            return error_reply(request.id, exc)
        except Exception:
            logger.exception("PubSub %s failed on params %.200r", request.method, request.params)
            return error_reply(request.id, RpcError.internal_error())

    def _execute(self, request: Request, outbox: Outbox, new_subscriptions: list[Subscription]) -> object:
        kind = _SUBSCRIBE_METHODS.get(request.method)
        if kind is SubscriptionKind.BLOCK and not self._offers_blocks:
            raise RpcError.method_not_found()
        if kind is not None:
            params = parse_subscribe(kind, request.params)
            refusal = self._limits.refusal(self._registry.count_of(outbox), len(self._registry))
            if refusal is not None:
                raise refusal
            subscription = self._registry.add(params, outbox)
            new_subscriptions.append(subscription)
            return subscription.id
        if request.method in _UNSUBSCRIBE_METHODS:
            # As in Agave, any kind's unsubscribe cancels any of the connection's subscriptions.
            if not self._registry.remove(parse_unsubscribe(request.params), outbox):
                raise RpcError.invalid_params("Invalid subscription id.")
            return True
        raise RpcError.method_not_found()

    def _catch_up(self, subscription: Subscription) -> None:
        """A signature subscription fires for a transaction that landed before it was made."""
        if isinstance(subscription.params, SignatureParams):
            record = self._find_transaction(subscription.params.signature)
            if record is not None:
                self._dispatcher.signature_landed(subscription, record)
