"""Solana's websocket PubSub API over a bank: account, program, logs, signature and slot subscriptions."""

from validator.pubsub.server import PubSubServer

__all__ = ["PubSubServer"]
