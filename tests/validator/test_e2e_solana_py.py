"""Unmodified solana-py AsyncClient against a psyche-validator subprocess: airdrop, confirm, transfer, reads."""

from __future__ import annotations

import asyncio

import pytest
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Confirmed, Finalized
from solana.rpc.core import RPCException
from solana.rpc.types import TxOpts
from solana.rpc.websocket_api import connect
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.rpc.errors import SendTransactionPreflightFailureMessage
from solders.rpc.responses import AccountNotification, SlotNotification
from solders.system_program import CreateAccountParams, TransferParams, create_account, transfer
from solders.transaction import Transaction
from solders.transaction_status import InstructionErrorCustom, TransactionErrorInstructionError

from authorizer.program import PROGRAM_ID as AUTHORIZER_ID
from validator.process import ValidatorProcess

pytestmark = [pytest.mark.asyncio, pytest.mark.integration]
SOL = 1_000_000_000
RECV_TIMEOUT_S = 30  # a guard against a hung test, not a timing assertion


async def funded(client: AsyncClient, lamports: int = 10 * SOL) -> Keypair:
    keypair = Keypair()
    signature = (await client.request_airdrop(keypair.pubkey(), lamports)).value
    await client.confirm_transaction(signature)
    return keypair


async def test_airdrop_confirm_and_balance(validator: ValidatorProcess) -> None:
    async with AsyncClient(validator.url) as client:
        assert await client.is_connected()
        keypair = await funded(client, 2 * SOL)
        assert (await client.get_balance(keypair.pubkey(), commitment=Finalized)).value == 2 * SOL


async def test_transfer_confirmed_by_block_height_then_read_back(validator: ValidatorProcess) -> None:
    async with AsyncClient(validator.url, commitment=Confirmed) as client:
        alice, bob = await funded(client), Pubkey.new_unique()
        latest = (await client.get_latest_blockhash()).value
        ix = transfer(TransferParams(from_pubkey=alice.pubkey(), to_pubkey=bob, lamports=SOL))
        tx = Transaction.new_signed_with_payer([ix], alice.pubkey(), [alice], latest.blockhash)
        opts = TxOpts(
            skip_confirmation=False,
            preflight_commitment=Confirmed,
            last_valid_block_height=latest.last_valid_block_height,
        )
        await client.send_transaction(tx, opts=opts)
        account = (await client.get_account_info(bob)).value
        assert account is not None and account.lamports == SOL
        assert (await client.get_balance(alice.pubkey())).value == 9 * SOL - 5000


async def test_a_failing_transfer_raises_the_preflight_failure(validator: ValidatorProcess) -> None:
    async with AsyncClient(validator.url) as client:
        alice = await funded(client, SOL)
        blockhash = (await client.get_latest_blockhash()).value.blockhash
        ix = transfer(TransferParams(from_pubkey=alice.pubkey(), to_pubkey=Pubkey.new_unique(), lamports=5 * SOL))
        tx = Transaction.new_signed_with_payer([ix], alice.pubkey(), [alice], blockhash)
        with pytest.raises(RPCException) as raised:
            await client.send_transaction(tx)
        failure = raised.value.args[0]
        assert isinstance(failure, SendTransactionPreflightFailureMessage)
        assert failure.data.err == TransactionErrorInstructionError(0, InstructionErrorCustom(1))
        assert (await client.get_balance(alice.pubkey())).value == SOL


async def test_program_accounts_of_an_owner_program(validator: ValidatorProcess) -> None:
    async with AsyncClient(validator.url) as client:
        payer, owned = await funded(client), Keypair()
        rent = (await client.get_minimum_balance_for_rent_exemption(8)).value
        ix = create_account(
            CreateAccountParams(
                from_pubkey=payer.pubkey(), to_pubkey=owned.pubkey(), lamports=rent, space=8, owner=AUTHORIZER_ID
            )
        )
        blockhash = (await client.get_latest_blockhash()).value.blockhash
        tx = Transaction.new_signed_with_payer([ix], payer.pubkey(), [payer, owned], blockhash)
        await client.confirm_transaction((await client.send_transaction(tx)).value)
        keyed = (await client.get_program_accounts(AUTHORIZER_ID, encoding="base64", filters=[8])).value
        assert owned.pubkey() in [account.pubkey for account in keyed]


async def test_fee_for_message_and_batched_reads(validator: ValidatorProcess) -> None:
    async with AsyncClient(validator.url) as client:
        payer = await funded(client)
        blockhash = (await client.get_latest_blockhash()).value.blockhash
        ix = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=payer.pubkey(), lamports=1))
        fee = await client.get_fee_for_message(Message.new_with_blockhash([ix], payer.pubkey(), blockhash))
        assert fee.value == 5000
        assert (await client.get_slot()).value >= 0


async def test_json_rpc_is_served_on_any_path(validator: ValidatorProcess) -> None:
    async with AsyncClient(f"{validator.url}/some/path") as client:
        assert (await client.get_slot()).value >= 0


async def test_websocket_subscriptions_receive_notifications(validator: ValidatorProcess) -> None:
    async with AsyncClient(validator.url) as client, connect(validator.ws_url) as websocket:
        target = Pubkey.new_unique()
        await websocket.account_subscribe(target, commitment=Confirmed)
        (ack,) = await websocket.recv()
        await websocket.slot_subscribe()
        await websocket.recv()
        await client.request_airdrop(target, SOL)
        seen_account = seen_slot = False
        async with asyncio.timeout(RECV_TIMEOUT_S):
            while not (seen_account and seen_slot):
                for message in await websocket.recv():
                    if isinstance(message, AccountNotification):
                        assert message.result.value.lamports == SOL
                        seen_account = True
                    seen_slot |= isinstance(message, SlotNotification)
        assert ack.result is not None
