"""The long-running commands' policy for an unreachable chain: keep repeating the reference's backoff until a limit.

One call through :func:`client.chain.retry.call_with_fallback` gives up after the reference's backoff across
every endpoint (0.5 + 0.75 + 1.125 s each, then :class:`ChainUnavailable`): right for a one-shot command, where
the user is waiting for an answer, but a validator restart or a network blip of a few seconds would end a
training client that has hours of work in it, while the chain still lists it as Healthy. A long-running command
(``train``) therefore repeats that whole sweep until the chain answers again or ``timeout_s`` has passed since
it stopped answering (``--rpc-outage-timeout``), telling the user what it is waiting for as it goes.

An outage is a sweep that ended in :class:`ChainUnavailable`, or in a transport failure (a refused or reset
connection, a timeout) raised as it is, as a one-shot policy that does not retry refused connections may do.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

import httpx
from solana.exceptions import SolanaRpcException

from client.chain.backend import ChainUnavailable

__all__ = ["DEFAULT_OUTAGE_TIMEOUT_S", "OutagePolicy", "OutageReport", "as_outage", "through_outage"]

T = TypeVar("T")

DEFAULT_OUTAGE_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class OutagePolicy:
    """How long to keep trying (``timeout_s`` from the first failed sweep) and how often to say so."""

    timeout_s: float = DEFAULT_OUTAGE_TIMEOUT_S
    report_every_s: float = 10.0
    min_pause_s: float = 0.5  # between sweeps that fail at once (a backend without backoff of its own)


class OutageReport(Protocol):
    """Told about an outage: while waiting (``waited_s`` so far, ``cause`` the last failure) and when it ended."""

    def waiting(self, what: str, waited_s: float, timeout_s: float, cause: ChainUnavailable) -> None: ...

    def recovered(self, what: str, waited_s: float) -> None: ...


def as_outage(exc: BaseException) -> ChainUnavailable | None:
    """``exc`` as an outage of the chain (the chain was not reached at all), or None when it is something else.

    >>> as_outage(ConnectionRefusedError("refused")) is not None, as_outage(ValueError("bad")) is None
    (True, True)
    """
    if isinstance(exc, ChainUnavailable):
        return exc
    cause = exc.__cause__ if isinstance(exc, SolanaRpcException) else exc
    if isinstance(cause, (httpx.TransportError, ConnectionError, TimeoutError)):
        return ChainUnavailable(f"{type(cause).__name__}: {cause}")
    return None


async def through_outage(
    call: Callable[[], Awaitable[T]],
    what: str,
    policy: OutagePolicy,
    report: OutageReport,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """``call()`` (one sweep of the endpoints), repeated while it raises ChainUnavailable, up to the policy's limit.

    ``what`` names the call for the user ("reading the coordinator"). The first failure and then one every
    ``report_every_s`` are reported; past ``timeout_s`` the last ChainUnavailable is raised, saying how long.
    """
    started: float | None = None
    reported_at: float | None = None
    while True:
        sweep_began = clock()
        try:
            result = await call()
        except Exception as raised:
            exc = as_outage(raised)
            if exc is None:
                raise
            now = clock()
            started = sweep_began if started is None else started
            waited = now - started
            if waited >= policy.timeout_s:
                raise ChainUnavailable(
                    f"{exc} (still unreachable after {waited:.0f} s of retries; --rpc-outage-timeout is "
                    f"{policy.timeout_s:.0f} s)"
                ) from raised
            if reported_at is None or now - reported_at >= policy.report_every_s:
                reported_at = now
                report.waiting(what, waited, policy.timeout_s, exc)
            if now - sweep_began < policy.min_pause_s:
                await sleep(policy.min_pause_s)
            continue
        if started is not None:
            report.recovered(what, clock() - started)
        return result
