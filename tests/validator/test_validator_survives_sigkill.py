"""SIGKILL the validator under a stream of transactions, restart it on the same ledger: nothing confirmed is lost.

Each transaction pays the same amount to two fresh accounts in two instructions, so a half-applied
one would show as a pair that differs. After the restart every transaction a sender saw confirmed
is there with its effects, every pair is equal, and each payer's balance accounts exactly for the
transactions that landed (confirmed or not), fees included.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from solana.exceptions import SolanaRpcException
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Confirmed
from solana.rpc.types import TxOpts
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction
from solders.transaction_status import TransactionConfirmationStatus

from validator.process import ValidatorProcess

pytestmark = [pytest.mark.asyncio, pytest.mark.integration]

SENDERS = 4
PAYER_LAMPORTS = 100 * 10**9
AMOUNT = 1_000_000  # above the rent-exempt minimum of an empty account
FEE = 5000
KILL_AFTER_CONFIRMED = 120
MAX_PER_SENDER = 400  # bounds the stream even if the kill came late


@dataclass
class Sent:
    signature: Signature
    first: Pubkey
    second: Pubkey


@dataclass
class Sender:
    payer: Keypair
    sent: list[Sent] = field(default_factory=list)
    confirmed: set[Signature] = field(default_factory=set)


CONFIRMED = (TransactionConfirmationStatus.Confirmed, TransactionConfirmationStatus.Finalized)


async def stream(url: str, sender: Sender, total_confirmed: list[int], enough: asyncio.Event) -> None:
    """Send and confirm paired transfers until the validator dies (or the bound is reached)."""
    async with AsyncClient(url) as client:
        try:
            blockhash = (await client.get_latest_blockhash()).value.blockhash
            for _ in range(MAX_PER_SENDER):
                first, second = Pubkey.new_unique(), Pubkey.new_unique()
                ixs = [
                    transfer(TransferParams(from_pubkey=sender.payer.pubkey(), to_pubkey=key, lamports=AMOUNT))
                    for key in (first, second)
                ]
                tx = Transaction.new_signed_with_payer(ixs, sender.payer.pubkey(), [sender.payer], blockhash)
                sender.sent.append(Sent(tx.signatures[0], first, second))
                await client.send_transaction(tx, opts=TxOpts(skip_preflight=True))
                status = (await client.get_signature_statuses([tx.signatures[0]])).value[0]
                if status is not None and status.err is None and status.confirmation_status in CONFIRMED:
                    sender.confirmed.add(tx.signatures[0])
                    total_confirmed[0] += 1
                    if total_confirmed[0] >= KILL_AFTER_CONFIRMED:
                        enough.set()
        except (SolanaRpcException, httpx.HTTPError):
            return  # the validator is gone


async def fund(url: str, senders: list[Sender]) -> None:
    async with AsyncClient(url, commitment=Confirmed) as client:
        for sender in senders:
            await client.confirm_transaction(
                (await client.request_airdrop(sender.payer.pubkey(), PAYER_LAMPORTS)).value
            )


async def test_confirmed_transactions_survive_a_sigkill(tmp_path: Path) -> None:
    ledger = tmp_path / "test-ledger"
    validator = ValidatorProcess(ledger).start()
    senders = [Sender(Keypair()) for _ in range(SENDERS)]
    await fund(validator.url, senders)
    total_confirmed, enough = [0], asyncio.Event()
    streams = [asyncio.create_task(stream(validator.url, sender, total_confirmed, enough)) for sender in senders]
    await asyncio.wait([asyncio.create_task(enough.wait()), *streams], return_when=asyncio.FIRST_COMPLETED)
    validator.kill()
    await asyncio.gather(*streams)
    assert total_confirmed[0] >= KILL_AFTER_CONFIRMED

    restarted = ValidatorProcess(ledger).start()
    try:
        async with AsyncClient(restarted.url, commitment=Confirmed) as client:
            for sender in senders:
                await check_sender(client, sender)
    finally:
        assert restarted.stop() == 0


async def check_sender(client: AsyncClient, sender: Sender) -> None:
    landed = 0
    for sent in sender.sent:
        first, second = (await client.get_multiple_accounts([sent.first, sent.second])).value
        balances = [account.lamports if account is not None else 0 for account in (first, second)]
        assert balances[0] == balances[1], f"{sent.signature} is half-applied: {balances}"
        status = (await client.get_signature_statuses([sent.signature])).value[0]
        assert (status is not None) == (balances[0] == AMOUNT), sent.signature
        if sent.signature in sender.confirmed:
            assert balances == [AMOUNT, AMOUNT], f"confirmed {sent.signature} was lost"
            assert (await client.get_transaction(sent.signature)).value is not None
        landed += status is not None
    payer = (await client.get_balance(sender.payer.pubkey())).value
    assert payer == PAYER_LAMPORTS - landed * (2 * AMOUNT + FEE)
