"""Follow one account over a validator's PubSub websocket (Solana's ``accountSubscribe``), polling while it is down.

A client that polls an account every half second reads it twice a second whether it changed or not, and learns
of a change up to half a second late. Subscribed, the validator pushes each new version of the account as it is
committed, so the client wakes at once and reads nothing. The subscription can drop (a validator restart, a
proxy timeout): the watch then resubscribes with the reference's backoff (``min(30, 2·n)`` s, spec
programs-and-cli.md §3.2), and :meth:`AccountWatch.current` reads the account over RPC until it is back. Each
new subscription starts with one read (changes made while it was down are not replayed), and a slow re-read
every ``reread_s`` guards against a notification that never came.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from solana.rpc.commitment import Commitment, Confirmed
from solana.rpc.websocket_api import SubscriptionError, connect
from solders.account import Account
from solders.errors import SerdeJSONError
from solders.pubkey import Pubkey
from solders.rpc.responses import AccountNotification
from websockets.exceptions import WebSocketException

__all__ = ["AccountWatch", "AccountFetch", "reference_reconnect_delay"]

log = logging.getLogger(__name__)

AccountFetch = Callable[[], Awaitable[Account | None]]
# Failures that end one subscription and call for another: the socket could not open or closed, the validator
# refused the subscription (it may accept it again after a restart), or it sent a message solders cannot parse.
_SUBSCRIPTION_LOST = (OSError, WebSocketException, SubscriptionError, TimeoutError, SerdeJSONError)
DEFAULT_REREAD_S = 5.0


def reference_reconnect_delay(failures: int) -> float:
    """Seconds to wait before resubscribing after ``failures`` failed attempts in a row: ``min(30, 2·n)``.

    >>> [reference_reconnect_delay(n) for n in (0, 1, 2, 20)]
    [0.0, 2.0, 4.0, 30.0]
    """
    return float(min(30, 2 * failures))


class AccountWatch:
    """The latest version of account ``key``: pushed by the validator while subscribed, else read with ``fetch``.

    ``fetch`` is the caller's RPC read of the same account at the same commitment; it also serves the one read
    each new subscription starts with and the re-read every ``reread_s``. Use between :meth:`start` and
    :meth:`close`, inside one event loop.
    """

    def __init__(
        self,
        url: str,
        key: Pubkey,
        fetch: AccountFetch,
        *,
        commitment: Commitment = Confirmed,
        reread_s: float = DEFAULT_REREAD_S,
        reconnect_delay: Callable[[int], float] = reference_reconnect_delay,
    ) -> None:
        self.url = url
        self.key = key
        self._fetch = fetch
        self._commitment = commitment
        self._reread_s = reread_s
        self._reconnect_delay = reconnect_delay
        self._live = False
        self._known = False  # _latest holds this subscription's view of the account
        self._latest: Account | None = None
        self._pushes = 0
        self._reread_at = 0.0
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.subscriptions = 0  # how many times a subscription went live: 1, plus one per resubscription

    @property
    def live(self) -> bool:
        """Subscribed now: changes arrive as they are committed, and :meth:`current` reads nothing."""
        return self._live

    def start(self) -> None:
        """Subscribe in the background (and keep resubscribing); :meth:`current` reads until it is live."""
        if self._task is None:
            self._task = asyncio.create_task(self._follow(), name=f"account-watch {self.key}")

    async def close(self) -> None:
        """Unsubscribe and stop; the watch then only reads."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._live = False

    async def current(self) -> Account | None:
        """The account now (None: it does not exist), as of the last notification while subscribed.

        A read instead when not subscribed, on the first call after each (re)subscription, and once every
        ``reread_s``. A notification that arrives during that read is newer than, or as new as, what it
        returns: it is kept, and :meth:`changed` reports it.
        """
        self._changed.clear()
        if self._live and self._known and time.monotonic() < self._reread_at:
            return self._latest
        seen = (self._live, self.subscriptions, self._pushes)
        account = await self._fetch()
        if seen[0] and seen == (self._live, self.subscriptions, self._pushes):
            self._latest, self._known = account, True
            self._reread_at = time.monotonic() + self._reread_s
        return account

    async def changed(self) -> None:
        """Return once there is something :meth:`current` has not handed out: a change, or a new subscription."""
        await self._changed.wait()

    async def _follow(self) -> None:
        failures = 0
        while True:
            try:
                await self._subscribe_and_listen()
            except _SUBSCRIPTION_LOST as exc:
                # Said once per outage (the drop, or a first attempt that failed); the retries that follow are quiet.
                first = self.subscriptions == 0 and failures == 0
                level = logging.WARNING if self._live or first else logging.DEBUG
                what = "lost the subscription to" if self._live else "cannot subscribe to"
                log.log(
                    level,
                    "%s %s at %s (%s: %s); reading the account over RPC until subscribed",
                    what,
                    self.key,
                    self.url,
                    type(exc).__name__,
                    exc,
                )
            finally:
                if self._live:
                    failures = 0
                self._live, self._known = False, False
            await asyncio.sleep(self._reconnect_delay(failures))
            failures += 1

    async def _subscribe_and_listen(self) -> None:
        async with connect(self.url) as socket:
            await socket.account_subscribe(self.key, self._commitment, "base64")
            await socket.recv()  # the subscription id (a refusal raises SubscriptionError)
            self._live, self._known = True, False
            self.subscriptions += 1
            self._changed.set()  # the caller reads once: what changed while no subscription was live
            log.info("subscribed to %s at %s", self.key, self.url)
            while True:
                for message in await socket.recv():
                    if isinstance(message, AccountNotification):
                        self._push(message.result.value)

    def _push(self, account: Account) -> None:
        # A closed account is notified with no lamports; getAccountInfo calls it missing, and so does the watch.
        self._latest = account if account.lamports > 0 else None
        self._known = True
        self._pushes += 1
        self._changed.set()
