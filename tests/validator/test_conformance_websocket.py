"""Every PubSub subscription through solana-py's websocket client against a real psyche-validator.

account, program, logs, signature and slot subscriptions follow one transfer; block, slotsUpdates,
root and vote each have their own test. Every message is parsed by solders exactly as a user's
client parses it.
"""

from __future__ import annotations

import asyncio

import pytest
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Confirmed, Processed
from solana.rpc.websocket_api import SolanaWsClientProtocol, SubscriptionError, connect
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.rpc.config import (
    RpcBlockSubscribeFilter,
    RpcBlockSubscribeFilterMentions,
    RpcTransactionLogsFilterMentions,
)
from solders.rpc.responses import (
    AccountNotification,
    BlockNotification,
    LogsNotification,
    ProgramNotification,
    RootNotification,
    SignatureNotification,
    SlotNotification,
    SlotUpdateCreatedBank,
    SlotUpdateFrozen,
    SlotUpdateNotification,
    SlotUpdateOptimisticConfirmation,
    SlotUpdateRoot,
    SubscriptionResult,
    UnsubscribeResult,
)
from solders.signature import Signature
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction
from solders.transaction_status import TransactionDetails

from validator.process import ValidatorProcess

pytestmark = [pytest.mark.asyncio, pytest.mark.integration]
SOL = 1_000_000_000
RECV_TIMEOUT_S = 30  # a guard against a hung test, not a timing assertion


async def _ack(ws: SolanaWsClientProtocol) -> int:
    (message,) = await asyncio.wait_for(ws.recv(), RECV_TIMEOUT_S)
    assert isinstance(message, SubscriptionResult), message
    return message.result


async def _until(ws: SolanaWsClientProtocol, wanted: type, accept: object = None) -> object:
    """The first notification of type ``wanted`` (for which ``accept`` holds, when given)."""
    while True:
        for message in await asyncio.wait_for(ws.recv(), RECV_TIMEOUT_S):
            if isinstance(message, wanted) and (accept is None or accept(message)):  # type: ignore[operator]
                return message


async def _transfer(client: AsyncClient, lamports: int = SOL) -> tuple[Keypair, Pubkey, Signature]:
    payer, recipient = Keypair(), Pubkey.new_unique()
    await client.confirm_transaction((await client.request_airdrop(payer.pubkey(), 10 * SOL)).value)
    ix = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=recipient, lamports=lamports))
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    tx = Transaction.new_signed_with_payer([ix], payer.pubkey(), [payer], blockhash)
    return payer, recipient, (await client.send_transaction(tx)).value


def _block_signatures(notification: BlockNotification) -> list[Signature]:
    block = notification.result.value.block
    assert block is not None and block.signatures is not None
    return list(block.signatures)


async def test_account_program_logs_signature_and_slot_subscriptions_follow_a_transfer(
    validator: ValidatorProcess,
) -> None:
    async with AsyncClient(validator.url, commitment=Confirmed) as client, connect(validator.ws_url) as ws:
        payer, recipient = Keypair(), Pubkey.new_unique()
        await client.confirm_transaction((await client.request_airdrop(payer.pubkey(), 10 * SOL)).value)
        await ws.account_subscribe(recipient, commitment=Confirmed)
        account_id = await _ack(ws)
        await ws.program_subscribe(SYSTEM_PROGRAM_ID, commitment=Confirmed, filters=[0])
        program_id = await _ack(ws)
        await ws.logs_subscribe(RpcTransactionLogsFilterMentions(recipient), commitment=Confirmed)
        logs_id = await _ack(ws)
        ix = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=recipient, lamports=SOL))
        blockhash = (await client.get_latest_blockhash()).value.blockhash
        tx = Transaction.new_signed_with_payer([ix], payer.pubkey(), [payer], blockhash)
        await ws.signature_subscribe(tx.signatures[0], commitment=Confirmed)
        signature_id = await _ack(ws)
        await ws.slot_subscribe()
        slot_id = await _ack(ws)
        await client.send_transaction(tx)
        account = await _until(ws, AccountNotification)
        assert isinstance(account, AccountNotification) and account.subscription == account_id
        assert account.result.value.lamports == SOL
        program = await _until(ws, ProgramNotification, lambda n: n.result.value.pubkey == recipient)
        assert isinstance(program, ProgramNotification) and program.subscription == program_id
        logs = await _until(ws, LogsNotification)
        assert isinstance(logs, LogsNotification) and logs.subscription == logs_id
        assert logs.result.value.signature == tx.signatures[0] and logs.result.value.err is None
        landed = await _until(ws, SignatureNotification)
        assert isinstance(landed, SignatureNotification) and landed.subscription == signature_id
        slot = await _until(ws, SlotNotification)
        assert isinstance(slot, SlotNotification) and slot.subscription == slot_id
        assert slot.result.parent < slot.result.slot


async def test_block_subscribe_delivers_the_block_holding_a_transaction(validator: ValidatorProcess) -> None:
    async with AsyncClient(validator.url, commitment=Confirmed) as client, connect(validator.ws_url) as ws:
        await ws.block_subscribe(
            commitment=Confirmed, encoding="base64", transaction_details=TransactionDetails.Signatures
        )
        subscription = await _ack(ws)
        _, _, signature = await _transfer(client)
        found = await _until(ws, BlockNotification, lambda n: signature in _block_signatures(n))
        assert isinstance(found, BlockNotification) and found.subscription == subscription
        value = found.result.value
        assert value.err is None and value.block is not None
        status = (await client.get_signature_statuses([signature])).value[0]
        assert status is not None and value.slot == status.slot
        fetched = (await client.get_block(value.slot, "json")).value
        assert fetched.blockhash == value.block.blockhash and fetched.parent_slot == value.block.parent_slot
        await ws.block_unsubscribe(subscription)
        done = await _until(ws, UnsubscribeResult)  # a block may still be on its way before the answer
        assert isinstance(done, UnsubscribeResult) and done.result


async def test_block_subscribe_mentions_sends_only_blocks_naming_the_account(validator: ValidatorProcess) -> None:
    async with AsyncClient(validator.url, commitment=Confirmed) as client, connect(validator.ws_url) as ws:
        payer, recipient = Keypair(), Pubkey.new_unique()
        await ws.block_subscribe(RpcBlockSubscribeFilterMentions(recipient), commitment=Confirmed)
        await _ack(ws)
        await client.confirm_transaction((await client.request_airdrop(payer.pubkey(), 10 * SOL)).value)
        other = (await client.request_airdrop(Keypair().pubkey(), SOL)).value  # a block without the recipient
        await client.confirm_transaction(other)
        ix = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=recipient, lamports=SOL))
        blockhash = (await client.get_latest_blockhash()).value.blockhash
        mine = (
            await client.send_transaction(Transaction.new_signed_with_payer([ix], payer.pubkey(), [payer], blockhash))
        ).value
        notification = await _until(ws, BlockNotification)
        assert isinstance(notification, BlockNotification)
        block = notification.result.value.block
        assert block is not None and block.transactions is not None
        # The default encoding of blockSubscribe is base64; the block keeps only the mentioning transaction.
        signatures = [entry.transaction.signatures[0] for entry in block.transactions]  # type: ignore[union-attr]
        assert signatures == [mine]


async def test_block_subscribe_refuses_processed_commitment(validator: ValidatorProcess) -> None:
    async with connect(validator.ws_url) as ws:
        await ws.block_subscribe(RpcBlockSubscribeFilter.All, commitment=Processed)
        with pytest.raises(SubscriptionError, match="commitment below"):
            await asyncio.wait_for(ws.recv(), RECV_TIMEOUT_S)


async def test_slots_updates_report_each_stage_of_a_slot(validator: ValidatorProcess) -> None:
    async with connect(validator.ws_url) as ws:
        await ws.slots_updates_subscribe()
        subscription = await _ack(ws)
        seen: dict[type, object] = {}
        wanted = (SlotUpdateCreatedBank, SlotUpdateFrozen, SlotUpdateOptimisticConfirmation, SlotUpdateRoot)
        while len(seen) < len(wanted):
            message = await _until(ws, SlotUpdateNotification)
            assert isinstance(message, SlotUpdateNotification) and message.subscription == subscription
            seen[type(message.result)] = message.result
        created, frozen = seen[SlotUpdateCreatedBank], seen[SlotUpdateFrozen]
        assert isinstance(created, SlotUpdateCreatedBank) and created.parent < created.slot
        assert isinstance(frozen, SlotUpdateFrozen) and frozen.stats.num_failed_transactions >= 0
        await ws.slots_updates_unsubscribe(subscription)


async def test_root_subscribe_follows_the_finalized_slot(validator: ValidatorProcess) -> None:
    async with AsyncClient(validator.url) as client, connect(validator.ws_url) as ws:
        await ws.root_subscribe()
        subscription = await _ack(ws)
        first = await _until(ws, RootNotification)
        second = await _until(ws, RootNotification)
        assert isinstance(first, RootNotification) and isinstance(second, RootNotification)
        assert first.subscription == subscription and first.result < second.result
        assert second.result <= (await client.get_slot()).value
        await ws.root_unsubscribe(subscription)


async def test_vote_subscribe_is_accepted_and_cancelled(validator: ValidatorProcess) -> None:
    async with connect(validator.ws_url) as ws:
        await ws.vote_subscribe()
        subscription = await _ack(ws)
        await ws.vote_unsubscribe(subscription)
        (done,) = await asyncio.wait_for(ws.recv(), RECV_TIMEOUT_S)
        assert isinstance(done, UnsubscribeResult) and done.result
