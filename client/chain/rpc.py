"""The RPC backend: Solana JSON-RPC through solana-py's ``AsyncClient``, with the reference's retry and fallback.

It speaks to ``psyche-validator`` or to any real cluster the same way: commitment ``confirmed``, one legacy
transaction per send with preflight, then a wait for confirmation and a ``getTransaction`` for the logs. Every
call goes through :func:`client.chain.retry.call_with_fallback` over the configured endpoints.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Confirmed
from solana.rpc.core import RPCException
from solana.rpc.types import TxOpts
from solders.account import Account
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.rpc.errors import SendTransactionPreflightFailureMessage
from solders.signature import Signature
from solders.transaction import Transaction

from client.chain.backend import ChainError, ChainUnavailable, SentTransaction, TransactionFailed
from client.chain.retry import (
    REFERENCE_BACKOFF,
    Backoff,
    Verdict,
    call_with_fallback,
    classify_read_error,
    classify_send_error,
    describe_failure,
    refusal_not_retried,
)

__all__ = ["RpcBackend"]

T = TypeVar("T")

BLOCKHASH_POLL_S = 0.1
FRESH_BLOCKHASH_WAIT_S = 10.0  # 25 slots of 400 ms: a chain whose blockhash stays the same this long makes no blocks
_SENT_REMEMBERED = 256


class RpcBackend:
    """A :class:`client.chain.backend.ChainBackend` over one or more JSON-RPC endpoints (primary first)."""

    def __init__(
        self,
        urls: Sequence[str],
        backoff: Backoff = REFERENCE_BACKOFF,
        timeout_s: float = 10.0,
        one_shot: bool = False,
    ) -> None:
        """``one_shot``: a command that answers and exits, for which a refused connection is not retried
        (:func:`~client.chain.retry.refusal_not_retried`)."""
        if not urls:
            raise ValueError("RpcBackend needs at least one endpoint")
        self.urls = list(urls)
        self._clients = [AsyncClient(url, commitment=Confirmed, timeout=timeout_s) for url in self.urls]
        self._backoff = backoff
        policy = refusal_not_retried if one_shot else _as_is
        self._classify_read = policy(classify_read_error)
        self._classify_send = policy(classify_send_error)
        self._sent: OrderedDict[Signature, None] = OrderedDict()  # our latest transactions (see send)

    async def _read(self, call: Callable[[AsyncClient], Awaitable[T]]) -> T:
        return await call_with_fallback(self._clients, call, self._classify_read, self._backoff)

    async def get_account(self, key: Pubkey) -> Account | None:
        return (await self._read(lambda client: client.get_account_info(key))).value

    async def get_multiple_accounts(self, keys: Sequence[Pubkey]) -> list[Account | None]:
        return list((await self._read(lambda client: client.get_multiple_accounts(list(keys)))).value)

    async def get_program_accounts(
        self, program_id: Pubkey, data_size: int | None = None
    ) -> list[tuple[Pubkey, Account]]:
        filters = None if data_size is None else [data_size]
        response = await self._read(
            lambda client: client.get_program_accounts(program_id, encoding="base64", filters=filters)
        )
        return [(keyed.pubkey, keyed.account) for keyed in response.value]

    async def get_balance(self, key: Pubkey) -> int:
        return int((await self._read(lambda client: client.get_balance(key))).value)

    async def minimum_balance_for_rent_exemption(self, data_len: int) -> int:
        response = await self._read(lambda client: client.get_minimum_balance_for_rent_exemption(data_len))
        return int(response.value)

    async def send(
        self, instructions: Sequence[Instruction], payer: Keypair, signers: Sequence[Keypair] = ()
    ) -> SentTransaction:
        unique = list({bytes(k.pubkey()): k for k in (payer, *signers)}.values())
        # Transactions of earlier sends: this one must differ from them. A retry of this send may repeat its own
        # transaction (which the chain then reports as already processed) but never sends a second copy of it.
        earlier = frozenset(self._sent)

        async def attempt(client: AsyncClient) -> Signature:
            latest = (await client.get_latest_blockhash(Confirmed)).value
            tx = Transaction.new_signed_with_payer(list(instructions), payer.pubkey(), unique, latest.blockhash)
            waited = 0.0
            while tx.signatures[0] in earlier:
                # The same instructions again under the same blockhash (a second `tick`, say) would be the same
                # transaction, which the chain refuses as already processed: wait for the next block's blockhash.
                if waited >= FRESH_BLOCKHASH_WAIT_S:
                    raise ChainUnavailable(
                        f"the chain's blockhash has not changed for {FRESH_BLOCKHASH_WAIT_S:.0f} s, so this "
                        "transaction cannot be sent again: is the validator producing blocks?"
                    )
                await asyncio.sleep(BLOCKHASH_POLL_S)
                waited += BLOCKHASH_POLL_S
                latest = (await client.get_latest_blockhash(Confirmed)).value
                tx = Transaction.new_signed_with_payer(list(instructions), payer.pubkey(), unique, latest.blockhash)
            sent = await client.send_raw_transaction(
                bytes(tx), TxOpts(skip_confirmation=True, preflight_commitment=Confirmed)
            )
            self._remember(sent.value)
            await client.confirm_transaction(
                sent.value, Confirmed, last_valid_block_height=latest.last_valid_block_height
            )
            status = (await client.get_signature_statuses([sent.value])).value[0]
            if status is not None and status.err is not None:
                # Landed but failed (preflight passed on an older state): the fee is paid, the logs are on chain.
                raise TransactionFailed(status.err, await self._logs(sent.value), sent.value)
            return sent.value

        try:
            signature = await call_with_fallback(self._clients, attempt, self._classify_send, self._backoff)
        except RPCException as exc:
            raise _send_failure(exc) from exc
        return SentTransaction(signature, await self._logs(signature))

    def _remember(self, signature: Signature) -> None:
        self._sent[signature] = None
        if len(self._sent) > _SENT_REMEMBERED:
            self._sent.popitem(last=False)

    async def _logs(self, signature: Signature) -> list[str]:
        response = await self._read(
            lambda client: client.get_transaction(signature, "json", Confirmed, max_supported_transaction_version=0)
        )
        meta = None if response.value is None else response.value.transaction.meta
        return [] if meta is None or meta.log_messages is None else list(meta.log_messages)

    async def request_airdrop(self, key: Pubkey, lamports: int) -> Signature:
        async def attempt(client: AsyncClient) -> Signature:
            signature = (await client.request_airdrop(key, lamports, Confirmed)).value
            await client.confirm_transaction(signature, Confirmed)
            return signature

        try:
            return await call_with_fallback(self._clients, attempt, self._classify_send, self._backoff)
        except RPCException as exc:
            raise _send_failure(exc) from exc

    async def close(self) -> None:
        for client in self._clients:
            await client.close()


def _as_is(classify: Callable[[BaseException], Verdict]) -> Callable[[BaseException], Verdict]:
    return classify


def _send_failure(exc: RPCException) -> ChainError:
    """A refused send as the backend reports it: a failed preflight simulation is a failed transaction."""
    error = exc.args[0] if exc.args else None
    if isinstance(error, SendTransactionPreflightFailureMessage) and error.data.err is not None:
        return TransactionFailed(error.data.err, error.data.logs or [])
    kind = "fatal" if classify_send_error(exc) is Verdict.FATAL else "non-retryable"
    return ChainError(f"{kind} RPC error: {describe_failure(exc)}")
