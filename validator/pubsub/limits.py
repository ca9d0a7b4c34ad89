"""How many PubSub subscriptions one connection, and the whole node, may hold.

Each subscription costs the node memory (about 650 bytes) and work on every matching event; without a cap one
socket opened 200,000 of them. Past either cap a subscribe call is refused with a JSON-RPC error and nothing
is registered. The node-wide cap answers as Agave does when its ``--rpc-pubsub-max-active-subscriptions`` is
reached (Agave's default is 1,000,000 on machines with far more memory; this node's is smaller); the
per-connection cap is this server's own, so that one client cannot take the whole node's allowance.
"""

from __future__ import annotations

from dataclasses import dataclass

from validator.rpc.errors import RpcError, RpcErrorCode

__all__ = [
    "DEFAULT_MAX_ACTIVE_SUBSCRIPTIONS",
    "DEFAULT_MAX_CONNECTION_SUBSCRIPTIONS",
    "DEFAULT_SUBSCRIPTION_LIMITS",
    "SubscriptionLimits",
]

DEFAULT_MAX_ACTIVE_SUBSCRIPTIONS = 25_000
DEFAULT_MAX_CONNECTION_SUBSCRIPTIONS = 1_000


@dataclass(frozen=True, slots=True)
class SubscriptionLimits:
    """``--rpc-pubsub-max-active-subscriptions`` (node-wide) and ``--rpc-pubsub-max-connection-subscriptions``."""

    max_active: int = DEFAULT_MAX_ACTIVE_SUBSCRIPTIONS
    max_per_connection: int = DEFAULT_MAX_CONNECTION_SUBSCRIPTIONS

    def __post_init__(self) -> None:
        if self.max_active <= 0 or self.max_per_connection <= 0:
            raise ValueError(f"subscription limits must be positive: {self}")

    def refusal(self, connection_count: int, node_count: int) -> RpcError | None:
        """Why one more subscription is refused, given the connection's and the node's live ones; None if it fits.

        >>> SubscriptionLimits(max_active=10, max_per_connection=2).refusal(1, 9) is None
        True
        >>> SubscriptionLimits(max_active=10, max_per_connection=2).refusal(2, 2).message
        'Internal Error: Subscription refused. Connection subscription limit reached (2 per connection)'
        """
        if node_count >= self.max_active:
            return RpcError(
                RpcErrorCode.INTERNAL_ERROR, "Internal Error: Subscription refused. Node subscription limit reached"
            )
        if connection_count >= self.max_per_connection:
            return RpcError(
                RpcErrorCode.INTERNAL_ERROR,
                "Internal Error: Subscription refused. Connection subscription limit reached "
                f"({self.max_per_connection} per connection)",
            )
        return None


DEFAULT_SUBSCRIPTION_LIMITS = SubscriptionLimits()
