"""The reference's RPC retry policy (``rpc_with_fallback``, spec programs-and-cli.md §3.1), as plain rules.

Every read and every send goes through :func:`call_with_fallback`: the endpoints are tried in order, each with
exponential backoff (0.5 s, ×1.5, capped at 10 s, 3 retries = 4 attempts, no jitter). A *retryable* failure that
outlives its retries moves on to the next endpoint; a *non-retryable* or *fatal* one is raised at once. Reads
treat every failure as retryable; sends are classified by :func:`classify_send_error`.

One departure, for one-shot commands only (:func:`refusal_not_retried`): a refused connection means nothing
listens at that endpoint, so it moves on to the next endpoint at once instead of backing off 2.4 s, and a
command whose every endpoint refuses says so within a second. Long-running callers (``train``) keep the
reference's rule, since a validator that restarts refuses connections for a moment.
"""

from __future__ import annotations

import asyncio
import errno
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

import httpx
from solana.exceptions import SolanaRpcException
from solana.rpc.core import RPCException
from solders.rpc.errors import (
    InvalidParamsMessage,
    InvalidRequestMessage,
    MethodNotFoundMessage,
    SendTransactionPreflightFailureMessage,
)
from solders.transaction_status import TransactionErrorFieldless, TransactionErrorProgramExecutionTemporarilyRestricted

from client.chain.backend import ChainUnavailable, TransactionFailed

__all__ = [
    "Backoff",
    "Verdict",
    "REFERENCE_BACKOFF",
    "call_with_fallback",
    "classify_read_error",
    "classify_send_error",
    "connection_refused",
    "refusal_not_retried",
]

log = logging.getLogger(__name__)

T = TypeVar("T")
E = TypeVar("E")


class Verdict(Enum):
    """What to do after a failed call."""

    RETRYABLE = "retryable"  # back off and try again, then the next endpoint
    NON_RETRYABLE = "non-retryable"  # the same call would fail the same way: report it
    FATAL = "fatal"  # the run is not in a state where this can ever succeed
    UNREACHABLE = "unreachable"  # nothing listens at this endpoint: go on to the next one without retrying


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff without jitter.

    >>> REFERENCE_BACKOFF.delays()
    [0.5, 0.75, 1.125]
    >>> Backoff(initial_s=4.0, factor=2.0, cap_s=10.0, retries=3).delays()
    [4.0, 8.0, 10.0]
    """

    initial_s: float = 0.5
    factor: float = 1.5
    cap_s: float = 10.0
    retries: int = 3

    def delays(self) -> list[float]:
        """The waits before each retry of one endpoint."""
        return [min(self.initial_s * self.factor**attempt, self.cap_s) for attempt in range(self.retries)]


REFERENCE_BACKOFF = Backoff()

# io::ErrorKind values the reference retries: refused, reset, aborted, not connected, timed out, would block,
# interrupted.
_RETRYABLE_OS_ERRORS = (
    ConnectionRefusedError,
    ConnectionResetError,
    ConnectionAbortedError,
    TimeoutError,
    BlockingIOError,
    InterruptedError,
)
# TransactionError kinds that a later attempt can get past (blockhash, cluster load and cache limits); the
# restricted-program error carries data and is matched by type.
_RETRYABLE_TRANSACTION_ERRORS = (
    TransactionErrorFieldless.BlockhashNotFound,
    TransactionErrorFieldless.ClusterMaintenance,
    TransactionErrorFieldless.WouldExceedMaxBlockCostLimit,
    TransactionErrorFieldless.WouldExceedMaxAccountCostLimit,
    TransactionErrorFieldless.WouldExceedMaxVoteCostLimit,  # type: ignore[attr-defined]  # absent from the stubs
    TransactionErrorFieldless.WouldExceedAccountDataBlockLimit,
    TransactionErrorFieldless.WouldExceedAccountDataTotalLimit,
    TransactionErrorFieldless.TooManyAccountLocks,
    TransactionErrorFieldless.AddressLookupTableNotFound,
    TransactionErrorFieldless.MaxLoadedAccountsDataSizeExceeded,
    TransactionErrorFieldless.ResanitizationNeeded,
    TransactionErrorFieldless.ProgramCacheHitMaxLimit,  # type: ignore[attr-defined]  # absent from the stubs
    TransactionErrorFieldless.AccountBorrowOutstanding,
    TransactionErrorFieldless.UnsupportedVersion,
)
# JSON-RPC -32600 (invalid request), -32601 (method not found), -32602 (invalid params): a malformed call.
_MALFORMED_REQUESTS = (InvalidRequestMessage, MethodNotFoundMessage, InvalidParamsMessage)


def classify_send_error(exc: BaseException) -> Verdict:
    """How the reference treats a failed send (spec §3.1), for the exceptions solana-py and httpx raise.

    >>> classify_send_error(ConnectionRefusedError())
    <Verdict.RETRYABLE: 'retryable'>
    >>> classify_send_error(PermissionError())
    <Verdict.NON_RETRYABLE: 'non-retryable'>
    """
    match exc:
        case SolanaRpcException() if exc.__cause__ is not None:
            return classify_send_error(exc.__cause__)
        case RPCException():
            return _classify_rpc_error(exc.args[0] if exc.args else None)
        case TransactionFailed():
            return _classify_transaction_error(exc)
        case httpx.TimeoutException() | httpx.NetworkError() | httpx.HTTPStatusError():
            return Verdict.RETRYABLE
        case httpx.HTTPError():
            return Verdict.NON_RETRYABLE
        case OSError() if isinstance(exc, _RETRYABLE_OS_ERRORS) or exc.errno == errno.ENOTCONN:
            return Verdict.RETRYABLE
        case OSError() | ValueError():  # other I/O errors; signing and JSON (de)serialization errors
            return Verdict.NON_RETRYABLE
        case _:
            return Verdict.RETRYABLE


def _classify_rpc_error(error: object) -> Verdict:
    if isinstance(error, _MALFORMED_REQUESTS):
        return Verdict.NON_RETRYABLE
    if isinstance(error, SendTransactionPreflightFailureMessage) and error.data.err is not None:
        return Verdict.NON_RETRYABLE  # the simulation failed: every program error lands here
    message = str(getattr(error, "message", error))
    if "InvalidRunState" in message or "InvalidWitness" in message:
        return Verdict.FATAL
    if "Failed to tick" in message:
        return Verdict.RETRYABLE
    if "already been processed" in message:
        return Verdict.NON_RETRYABLE
    return Verdict.RETRYABLE


def _classify_transaction_error(exc: TransactionFailed) -> Verdict:
    error = exc.error
    if error in _RETRYABLE_TRANSACTION_ERRORS or isinstance(
        error, TransactionErrorProgramExecutionTemporarilyRestricted
    ):
        return Verdict.RETRYABLE
    return Verdict.NON_RETRYABLE


def classify_read_error(exc: BaseException) -> Verdict:
    """Reads (balances, accounts, rent, transactions) retry every failure, as the reference does."""
    return Verdict.RETRYABLE


def connection_refused(exc: BaseException | None) -> bool:
    """The failure is, underneath solana-py's and httpx's wrappers, a refused TCP connection.

    >>> connection_refused(ConnectionRefusedError()), connection_refused(TimeoutError())
    (True, False)
    """
    for _ in range(8):  # SolanaRpcException <- httpx <- httpcore <- OSError <- ConnectionRefusedError
        if exc is None:
            return False
        if isinstance(exc, ConnectionRefusedError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def refusal_not_retried(classify: Callable[[BaseException], Verdict]) -> Callable[[BaseException], Verdict]:
    """``classify`` for a one-shot command: a refused connection is :attr:`Verdict.UNREACHABLE` (a documented
    departure from the reference, which retries it like any other I/O failure)."""

    def classify_one_shot(exc: BaseException) -> Verdict:
        return Verdict.UNREACHABLE if connection_refused(exc) else classify(exc)

    return classify_one_shot


async def call_with_fallback(
    endpoints: Sequence[E],
    call: Callable[[E], Awaitable[T]],
    classify: Callable[[BaseException], Verdict],
    backoff: Backoff = REFERENCE_BACKOFF,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """``call`` against each endpoint in turn until one answers.

    A non-retryable or fatal failure is raised as it is. When every endpoint has used up its retries, raise
    :class:`ChainUnavailable` naming the last failure.
    """
    if not endpoints:
        raise ValueError("call_with_fallback needs at least one endpoint")
    last: BaseException | None = None
    for index, endpoint in enumerate(endpoints):
        for delay in [*backoff.delays(), None]:
            try:
                return await call(endpoint)
            except Exception as exc:
                verdict = classify(exc)
                last = exc
                if verdict is Verdict.UNREACHABLE:
                    break
                if verdict is not Verdict.RETRYABLE:
                    raise
            if delay is not None:
                await sleep(delay)
        if index + 1 < len(endpoints):
            log.warning("RPC %d exhausted retries, trying next", index)
    raise ChainUnavailable(f"all RPCs exhausted: {describe_failure(last)}") from last


def describe_failure(exc: BaseException | None) -> str:
    """One line for a transport or RPC failure (solana-py wraps httpx errors without a message of their own)."""
    if exc is None:
        return "no attempt was made"
    if isinstance(exc, SolanaRpcException) and exc.__cause__ is not None:
        return describe_failure(exc.__cause__)
    if isinstance(exc, RPCException) and exc.args:
        return str(getattr(exc.args[0], "message", exc.args[0]))
    if connection_refused(exc):
        return f"{type(exc).__name__}: connection refused (nothing listens there)"
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
