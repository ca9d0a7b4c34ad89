"""The PubSub websocket server (``ws://host:port``, Solana's ``accountSubscribe``, ``logsSubscribe``...).

The bank runs on whatever thread calls it and tells the ledger feed about each commit and block
from inside its lock; the bridge here copies what subscriptions need and hands it to the event
loop with ``call_soon_threadsafe``, where the dispatcher, the subscriptions and the sockets live.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping

from solders.pubkey import Pubkey
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosedError

from emulator import Bank
from emulator.account import Account
from emulator.ledger import BlockInfo
from emulator.results import TransactionRecord
from validator.notifications import NotifyingLedgerStore
from validator.pubsub.block_updates import BlockSource
from validator.pubsub.connection import ClientConnection
from validator.pubsub.dispatcher import NotificationDispatcher
from validator.pubsub.handler import RequestHandler
from validator.pubsub.limits import DEFAULT_SUBSCRIPTION_LIMITS, SubscriptionLimits
from validator.pubsub.params import SubscriptionKind
from validator.pubsub.subscriptions import SubscriptionRegistry

logger = logging.getLogger(__name__)

DEFAULT_MAX_QUEUED_MESSAGES = 10_000
# Largest request accepted; requests are small, notifications (outgoing) are not limited.
MAX_REQUEST_BYTES = 1 << 20

_ACCOUNT_KINDS = (SubscriptionKind.ACCOUNT, SubscriptionKind.PROGRAM)
_TRANSACTION_KINDS = (SubscriptionKind.LOGS, SubscriptionKind.SIGNATURE)


class PubSubServer:
    """Serves Solana's websocket PubSub API over ``bank``, fed by the bank's ledger ``feed``.

    ``lag_slots(commitment)`` is how many slots after a change was processed a subscription at
    that commitment ("processed", "confirmed", "finalized") may hear about it (0 for all with
    instant finality). ``feed`` must be the ledger the bank was built over. ``blocks`` is where
    block subscriptions read finished blocks from; without it blockSubscribe is not offered.
    """

    def __init__(
        self,
        bank: Bank,
        feed: NotifyingLedgerStore,
        lag_slots: Callable[[str], int],
        *,
        max_queued_messages: int = DEFAULT_MAX_QUEUED_MESSAGES,
        limits: SubscriptionLimits = DEFAULT_SUBSCRIPTION_LIMITS,
        blocks: BlockSource | None = None,
    ) -> None:
        self._bank = bank
        self._blocks = blocks
        self._feed = feed
        self._lag_slots = lag_slots
        self._max_queued = max_queued_messages
        self._limits = limits
        self._registry = SubscriptionRegistry()
        self._server: Server | None = None
        self._bridge: _LoopBridge | None = None
        self._handler: RequestHandler | None = None

    @property
    def subscription_count(self) -> int:
        """Live subscriptions of every connection (zero once every socket has closed)."""
        return len(self._registry)

    @property
    def port(self) -> int:
        """The bound port (the ephemeral one when started with port 0)."""
        if self._server is None:
            raise RuntimeError("the PubSub server is not running")
        return int(next(iter(self._server.sockets)).getsockname()[1])

    async def start(self, host: str, port: int) -> None:
        if self._server is not None:
            raise RuntimeError("the PubSub server is already running")
        self._registry = SubscriptionRegistry()
        latest = self._bank.latest_block()
        dispatcher = NotificationDispatcher(self._registry, self._lag_slots, self._bank, latest.slot, self._blocks)
        self._bridge = _LoopBridge(asyncio.get_running_loop(), self._registry, dispatcher)
        self._feed.add_listener(self._bridge)
        # A block produced before the listener was in place would otherwise go unseen until the next one.
        dispatcher.on_block(self._bank.latest_block())
        self._handler = RequestHandler(
            self._registry,
            dispatcher,
            self._feed.transaction,
            self._limits,
            offers_blocks=self._blocks is not None,
        )
        # No permessage-deflate (clients work either way): deflating a 160 kB coordinator notification once per
        # client cost ~7x the whole delivery in a 10-client benchmark, to save bytes on what is usually loopback.
        self._server = await serve(self._serve_connection, host, port, max_size=MAX_REQUEST_BYTES, compression=None)
        logger.info("PubSub listening on ws://%s:%d", host, self.port)

    async def stop(self) -> None:
        """Close every connection and stop listening; a stopped server may be started again."""
        if self._bridge is not None:
            self._feed.remove_listener(self._bridge)
            self._bridge = None
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        self._handler = None

    async def _serve_connection(self, websocket: ServerConnection) -> None:
        handler = self._handler
        assert handler is not None
        connection = ClientConnection(websocket, self._max_queued)
        writer = asyncio.create_task(connection.write_queued())
        try:
            async for message in websocket:
                handler.handle(message, connection)
        except ConnectionClosedError:
            pass  # the client went away without a close handshake
        finally:
            self._registry.remove_all(connection)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer


class _LoopBridge:
    """The ledger listener: runs in the bank's thread, copies what is needed, and hands it to the loop."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, registry: SubscriptionRegistry, dispatcher: NotificationDispatcher
    ) -> None:
        self._loop = loop
        self._registry = registry
        self._dispatcher = dispatcher

    def on_commit(self, accounts: Mapping[Pubkey, Account | None], record: TransactionRecord | None) -> None:
        wants_accounts = self._registry.count(*_ACCOUNT_KINDS) > 0
        wants_record = record is not None and self._registry.count(*_TRANSACTION_KINDS) > 0
        if not (wants_accounts or wants_record):
            return
        # The bank's Account objects are live: copy them (to immutable solders accounts) before leaving its lock.
        snapshot = (
            [(key, None if account is None else account.to_solders()) for key, account in accounts.items()]
            if wants_accounts
            else []
        )
        self._call_in_loop(self._dispatcher.on_commit, snapshot, record)

    def on_block(self, block: BlockInfo) -> None:
        self._call_in_loop(self._dispatcher.on_block, block)

    def _call_in_loop(self, callback: Callable[..., None], *args: object) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed under a bank that keeps running
            self._loop.call_soon_threadsafe(callback, *args)
