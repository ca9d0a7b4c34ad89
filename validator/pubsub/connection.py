"""One client's websocket: a send queue that never blocks the dispatcher, drained by a writer task.

Replies and notifications are queued synchronously and written in order. A client that stops
reading would make the queue grow without bound, so past ``max_queued`` messages the connection
is closed (1008, policy violation) and its subscriptions go with it.
"""

from __future__ import annotations

import asyncio
import logging

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode

logger = logging.getLogger(__name__)


class ClientConnection:
    """The outbox of one websocket (the :class:`~validator.pubsub.subscriptions.Outbox` its subscriptions use)."""

    def __init__(self, websocket: ServerConnection, max_queued: int) -> None:
        self._websocket = websocket
        self._max_queued = max_queued
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._closing: asyncio.Task[None] | None = None

    def send(self, message: str) -> None:
        """Queue ``message``; never blocks and never raises (on a closed socket the writer just stops)."""
        if self._closing is not None:
            return
        if self._queue.qsize() >= self._max_queued:
            peer = self._websocket.remote_address
            logger.warning("closing websocket %s: %d messages queued and not read", peer, self._max_queued)
            self._closing = asyncio.get_running_loop().create_task(
                self._websocket.close(CloseCode.POLICY_VIOLATION, "too many unread notifications")
            )
            return
        self._queue.put_nowait(message)

    async def write_queued(self) -> None:
        """Write queued messages in order until the socket closes (run as a task; cancel to stop)."""
        try:
            while True:
                await self._websocket.send(await self._queue.get())
        except ConnectionClosed:
            return
