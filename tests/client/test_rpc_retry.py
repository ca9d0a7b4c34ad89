"""The reference's RPC retry policy (spec §3.1): its delays, how failures are classified, and the fallback loop."""

from __future__ import annotations

import asyncio
import errno
from collections.abc import Callable

import httpx
import pytest
from solana.exceptions import SolanaRpcException
from solana.rpc.async_api import AsyncClient
from solana.rpc.core import RPCException
from solders.keypair import Keypair
from solders.rpc.errors import (
    InternalErrorMessage,
    InvalidParamsMessage,
    InvalidRequestMessage,
    SendTransactionPreflightFailureMessage,
)
from solders.rpc.responses import RpcSimulateTransactionResult
from solders.transaction_status import (
    InstructionErrorCustom,
    TransactionErrorFieldless,
    TransactionErrorInstructionError,
    TransactionErrorType,
)

from client.chain.backend import ChainUnavailable, TransactionFailed
from client.chain.open import ChainTarget, open_backend
from client.chain.retry import (
    REFERENCE_BACKOFF,
    Backoff,
    Verdict,
    call_with_fallback,
    classify_read_error,
    classify_send_error,
    refusal_not_retried,
)
from tests.client.cli_harness import closed_port

RETRYABLE, NON_RETRYABLE, FATAL = Verdict.RETRYABLE, Verdict.NON_RETRYABLE, Verdict.FATAL


def test_reference_backoff_is_half_a_second_growing_by_half_three_times() -> None:
    assert REFERENCE_BACKOFF.delays() == [0.5, 0.75, 1.125]
    assert sum(REFERENCE_BACKOFF.delays()) == pytest.approx(2.375)  # a dead endpoint costs ~2.4 s


def test_backoff_is_capped() -> None:
    assert Backoff(initial_s=6.0, factor=2.0, cap_s=10.0, retries=4).delays() == [6.0, 10.0, 10.0, 10.0]


def _wrapped(exc: Exception) -> SolanaRpcException:
    """What solana-py raises for a transport failure: its own exception, caused by httpx's."""

    def request(body: object) -> None:
        """Stands for the solana-py request method named in the message."""

    try:
        raise SolanaRpcException(exc, request, None, "body") from exc
    except SolanaRpcException as wrapped:
        return wrapped


def _preflight(err: TransactionErrorType) -> RPCException:
    data = RpcSimulateTransactionResult(err=err, logs=["Program log: no"])
    return RPCException(SendTransactionPreflightFailureMessage("Transaction simulation failed", data))


def _instruction_error(code: int) -> TransactionErrorInstructionError:
    return TransactionErrorInstructionError(0, InstructionErrorCustom(code))


@pytest.mark.parametrize(
    ("failure", "verdict"),
    [
        (ConnectionRefusedError(), RETRYABLE),
        (ConnectionResetError(), RETRYABLE),
        (ConnectionAbortedError(), RETRYABLE),
        (TimeoutError(), RETRYABLE),
        (BlockingIOError(), RETRYABLE),
        (InterruptedError(), RETRYABLE),
        (OSError(errno.ENOTCONN, "not connected"), RETRYABLE),
        (PermissionError(), NON_RETRYABLE),
        (_wrapped(httpx.ConnectError("refused")), RETRYABLE),
        (_wrapped(httpx.ReadTimeout("slow")), RETRYABLE),
        (
            _wrapped(
                httpx.HTTPStatusError("502", request=httpx.Request("POST", "http://x"), response=httpx.Response(502))
            ),
            RETRYABLE,
        ),
        (_wrapped(httpx.UnsupportedProtocol("ftp")), NON_RETRYABLE),
        (RPCException(InvalidRequestMessage("bad request")), NON_RETRYABLE),
        (RPCException(InvalidParamsMessage("bad params")), NON_RETRYABLE),
        (_preflight(_instruction_error(6001)), NON_RETRYABLE),
        (_preflight(TransactionErrorFieldless.BlockhashNotFound), NON_RETRYABLE),  # preflight wins over the kind
        (RPCException(InternalErrorMessage("Coordinator error: InvalidRunState")), FATAL),
        (RPCException(InternalErrorMessage("InvalidWitness")), FATAL),
        (RPCException(InternalErrorMessage("Failed to tick: busy")), RETRYABLE),
        (RPCException(InternalErrorMessage("This transaction has already been processed")), NON_RETRYABLE),
        (RPCException(InternalErrorMessage("node is behind")), RETRYABLE),
        (TransactionFailed(TransactionErrorFieldless.BlockhashNotFound, []), RETRYABLE),
        (TransactionFailed(TransactionErrorFieldless.TooManyAccountLocks, []), RETRYABLE),
        (TransactionFailed(TransactionErrorFieldless.InsufficientFundsForFee, []), NON_RETRYABLE),
        (TransactionFailed(_instruction_error(2003), []), NON_RETRYABLE),
        (ValueError("signing failed"), NON_RETRYABLE),
        (RuntimeError("anything else"), RETRYABLE),
    ],
)
def test_send_failures_are_classified_as_the_reference_does(failure: Exception, verdict: Verdict) -> None:
    assert classify_send_error(failure) is verdict


def test_reads_retry_every_failure() -> None:
    assert classify_read_error(RPCException(InvalidParamsMessage("bad"))) is RETRYABLE
    assert classify_read_error(PermissionError()) is RETRYABLE


class Endpoints:
    """Fake endpoints that fail a given number of times with a given error, recording the sleeps between."""

    def __init__(self, failures: dict[str, tuple[int, Exception]]) -> None:
        self.failures = failures
        self.calls: list[str] = []
        self.sleeps: list[float] = []

    async def call(self, endpoint: str) -> str:
        self.calls.append(endpoint)
        count, error = self.failures.get(endpoint, (0, RuntimeError()))
        if self.calls.count(endpoint) <= count:
            raise error
        return f"answer from {endpoint}"

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def run(self, endpoints: list[str]) -> str:
        return asyncio.run(call_with_fallback(endpoints, self.call, classify_send_error, sleep=self.sleep))


def test_a_retryable_failure_is_retried_with_backoff_on_the_same_endpoint() -> None:
    fake = Endpoints({"a": (2, ConnectionRefusedError())})
    assert fake.run(["a", "b"]) == "answer from a"
    assert fake.calls == ["a", "a", "a"] and fake.sleeps == [0.5, 0.75]


def test_an_endpoint_that_stays_down_is_left_for_the_next_after_four_attempts(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = Endpoints({"a": (99, ConnectionRefusedError())})
    assert fake.run(["a", "b"]) == "answer from b"
    assert fake.calls == ["a"] * 4 + ["b"]
    assert fake.sleeps == [0.5, 0.75, 1.125]
    assert "RPC 0 exhausted retries, trying next" in caplog.text


def test_when_every_endpoint_is_exhausted_the_chain_is_unavailable() -> None:
    fake = Endpoints({"a": (99, ConnectionRefusedError("down")), "b": (99, ConnectionResetError("reset"))})
    with pytest.raises(ChainUnavailable, match="all RPCs exhausted: ConnectionResetError: reset"):
        fake.run(["a", "b"])
    assert len(fake.calls) == 8


def test_a_non_retryable_failure_is_raised_at_once() -> None:
    refused = _preflight(_instruction_error(2003))
    fake = Endpoints({"a": (1, refused)})
    with pytest.raises(RPCException) as caught:
        fake.run(["a", "b"])
    assert caught.value is refused and fake.calls == ["a"] and fake.sleeps == []


def test_a_one_shot_command_does_not_retry_a_refused_connection_through_solana_py() -> None:
    """A documented departure from the reference: nothing listens at the first endpoint, so a one-shot command
    asks it once and moves on to the backup without backing off; the long-running policy still retries it."""
    dead = f"http://127.0.0.1:{closed_port()}"
    key = Keypair().pubkey()

    async def attempts(classify: Callable[[BaseException], Verdict]) -> tuple[list[str], list[float]]:
        clients = {url: AsyncClient(url) for url in (dead, dead + "/backup")}
        asked: list[str] = []
        sleeps: list[float] = []

        async def call(url: str) -> int:
            asked.append(url)
            if url != dead:
                return 0  # the backup answers
            return (await clients[url].get_balance(key)).value

        async def sleep(seconds: float) -> None:
            sleeps.append(seconds)

        try:
            await call_with_fallback(list(clients), call, classify, sleep=sleep)
        finally:
            for client in clients.values():
                await client.close()
        return asked, sleeps

    assert asyncio.run(attempts(refusal_not_retried(classify_read_error))) == ([dead, dead + "/backup"], [])
    assert asyncio.run(attempts(classify_read_error)) == ([dead] * 4 + [dead + "/backup"], [0.5, 0.75, 1.125])


def test_a_refused_connection_is_reported_as_refused() -> None:
    async def refused() -> None:
        async with open_backend(ChainTarget(rpc=f"http://127.0.0.1:{closed_port()}"), one_shot=True) as backend:
            await backend.get_balance(Keypair().pubkey())

    with pytest.raises(ChainUnavailable, match="all RPCs exhausted: ConnectError: connection refused"):
        asyncio.run(refused())
