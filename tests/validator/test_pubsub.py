"""The PubSub server over a real bank, driven by the unmodified solana-py websocket client.

Every notification is parsed by solders (inside ``connect().recv()``), so a shape solders rejects
fails these tests. The bank runs in the test's own thread: its listener schedules each event on
the loop before the test sends its next request, which is what makes "nothing else arrived"
checkable without waiting (see :func:`assert_nothing_queued`).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import pytest
import pytest_asyncio
import spl.token.instructions as spl
from solana.rpc.commitment import Confirmed, Finalized, Processed
from solana.rpc.types import MemcmpOpts
from solana.rpc.websocket_api import SolanaWsClientProtocol, SubscriptionError, connect
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.rpc.config import RpcTransactionLogsFilter, RpcTransactionLogsFilterMentions
from solders.rpc.errors import InvalidParamsMessage, MethodNotFoundMessage
from solders.rpc.requests import AccountUnsubscribe, LogsSubscribe, SlotSubscribe
from solders.rpc.responses import (
    AccountNotification,
    AccountNotificationJsonParsed,
    LogsNotification,
    ProgramNotification,
    ProgramNotificationJsonParsed,
    SignatureNotification,
    SlotNotification,
    SubscriptionResult,
    UnsubscribeResult,
    parse_websocket_message,
)
from solders.rpc.responses import SubscriptionError as SoldersSubscriptionError
from solders.system_program import CreateAccountParams, TransferParams, create_account, transfer
from solders.transaction import Transaction
from solders.transaction_status import InstructionErrorCustom, TransactionErrorInstructionError
from spl.token.constants import TOKEN_PROGRAM_ID
from websockets.exceptions import ConnectionClosed
from websockets.legacy.client import WebSocketClientProtocol

from emulator import Bank, InMemoryLedgerStore, TransactionResult
from emulator.constants import SYSTEM_PROGRAM_ID
from emulator.native.spl_token import Mint, TokenAccount
from validator.notifications import NotifyingLedgerStore
from validator.pubsub import PubSubServer

pytestmark = pytest.mark.asyncio

SOL = 1_000_000_000
# A guard against a hung test, not a timing assertion: every awaited message is due at once.
RECV_TIMEOUT_S = 10
OVERDRAFT = 10**6 * SOL
LagSlots = Callable[[str], int]


def instant(commitment: str) -> int:
    return 0


def realistic_lags(commitment: str) -> int:
    return {"processed": 0, "confirmed": 1, "finalized": 3}[commitment]


class Node:
    """A bank behind a running PubSub server, with a funded payer and the transactions tests send."""

    def __init__(self, bank: Bank, server: PubSubServer) -> None:
        self.bank = bank
        self.server = server
        self.payer = Keypair()
        assert bank.airdrop(self.payer.pubkey(), 1_000 * SOL).ok

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.server.port}"

    def signed(self, instructions: Sequence[Instruction], *signers: Keypair) -> Transaction:
        return Transaction.new_signed_with_payer(
            list(instructions), self.payer.pubkey(), [self.payer, *signers], self.bank.latest_blockhash()
        )

    def send(self, instructions: Sequence[Instruction], *signers: Keypair) -> TransactionResult:
        return self.bank.send_transaction(self.signed(instructions, *signers))

    def transfer_ix(self, to: Pubkey, lamports: int) -> Instruction:
        return transfer(TransferParams(from_pubkey=self.payer.pubkey(), to_pubkey=to, lamports=lamports))

    def transfer(self, to: Pubkey, lamports: int) -> TransactionResult:
        return self.send([self.transfer_ix(to, lamports)])

    def create_mint(self, mint: Keypair, decimals: int = 6) -> TransactionResult:
        init = spl.initialize_mint(
            spl.InitializeMintParams(decimals, TOKEN_PROGRAM_ID, mint.pubkey(), self.payer.pubkey(), None)
        )
        result = self.send([self._create_token_owned(mint, Mint.LEN), init], mint)
        assert result.ok, result.logs
        return result

    def create_token_account(self, mint: Pubkey, owner: Pubkey) -> Pubkey:
        account = Keypair()
        init = spl.initialize_account(spl.InitializeAccountParams(TOKEN_PROGRAM_ID, account.pubkey(), mint, owner))
        assert self.send([self._create_token_owned(account, TokenAccount.LEN), init], account).ok
        return account.pubkey()

    def mint_to(self, mint: Pubkey, amounts: Sequence[tuple[Pubkey, int]]) -> TransactionResult:
        instructions = [
            spl.mint_to(spl.MintToParams(TOKEN_PROGRAM_ID, mint, destination, self.payer.pubkey(), amount))
            for destination, amount in amounts
        ]
        result = self.send(instructions)
        assert result.ok, result.logs
        return result

    def _create_token_owned(self, new: Keypair, space: int) -> Instruction:
        lamports = self.bank.minimum_balance_for_rent_exemption(space)
        payer = self.payer.pubkey()
        params = CreateAccountParams(
            from_pubkey=payer, to_pubkey=new.pubkey(), lamports=lamports, space=space, owner=TOKEN_PROGRAM_ID
        )
        return create_account(params)


@asynccontextmanager
async def running_node(lag_slots: LagSlots = instant, max_queued_messages: int = 10_000) -> AsyncIterator[Node]:
    feed = NotifyingLedgerStore(InMemoryLedgerStore())
    bank = Bank(programs=[], ledger=feed)
    server = PubSubServer(bank, feed, lag_slots, max_queued_messages=max_queued_messages)
    await server.start("127.0.0.1", 0)
    try:
        yield Node(bank, server)
    finally:
        await server.stop()


@pytest_asyncio.fixture
async def node() -> AsyncIterator[Node]:
    async with running_node() as running:
        yield running


async def next_message(ws: SolanaWsClientProtocol) -> object:
    messages = await asyncio.wait_for(ws.recv(), RECV_TIMEOUT_S)
    assert len(messages) == 1, messages
    return messages[0]


async def subscribed(ws: SolanaWsClientProtocol) -> int:
    """The id the server acked the last subscribe request with."""
    ack = await next_message(ws)
    assert isinstance(ack, SubscriptionResult), ack
    return ack.result


def subscription_and_slot(note: object) -> tuple[int, int]:
    """Which subscription a notification is for, and the slot it reports."""
    if isinstance(note, SlotNotification):
        return note.subscription, note.result.slot
    assert isinstance(note, AccountNotification | SignatureNotification), note
    return note.subscription, note.result.context.slot


async def assert_nothing_queued(ws: SolanaWsClientProtocol) -> None:
    """No notification is waiting: the server handles a request only after dispatching every earlier event,
    so a notification those events produced would arrive before the request's ack."""
    await ws.slot_subscribe()
    probe = await subscribed(ws)
    await ws.slot_unsubscribe(probe)
    assert isinstance(await next_message(ws), UnsubscribeResult)


async def raw_exchange(ws: SolanaWsClientProtocol, text: str) -> dict[str, object]:
    """Send a frame as is and read the reply unparsed (the solana-py wrapper only sends what solders builds)."""
    await WebSocketClientProtocol.send(ws, text)
    reply = json.loads(await asyncio.wait_for(WebSocketClientProtocol.recv(ws), RECV_TIMEOUT_S))
    assert isinstance(reply, dict)
    return reply


# -- accountSubscribe ---------------------------------------------------------------------


async def test_account_subscription_reports_balances_after_a_transfer(node: Node) -> None:
    recipient = Pubkey.new_unique()
    async with connect(node.url) as ws:
        await ws.account_subscribe(recipient, Processed, "base64")
        recipient_sub = await subscribed(ws)
        await ws.account_subscribe(node.payer.pubkey())  # no config: finalized, binary
        payer_sub = await subscribed(ws)
        node.transfer(recipient, 2 * SOL)
        notes = [await next_message(ws), await next_message(ws)]

    by_subscription = {note.subscription: note for note in notes if isinstance(note, AccountNotification)}
    assert by_subscription.keys() == {recipient_sub, payer_sub}
    assert by_subscription[recipient_sub].result.value.lamports == 2 * SOL
    assert by_subscription[recipient_sub].result.value.owner == SYSTEM_PROGRAM_ID
    assert by_subscription[recipient_sub].result.context.slot == node.bank.slot
    assert by_subscription[payer_sub].result.value.lamports == node.bank.get_balance(node.payer.pubkey())


async def test_a_bank_running_on_another_thread_notifies_through_the_loop(node: Node) -> None:
    recipient = Pubkey.new_unique()
    async with connect(node.url) as ws:
        await ws.account_subscribe(recipient, Processed, "base64")
        await subscribed(ws)
        await asyncio.to_thread(node.transfer, recipient, 3 * SOL)
        note = await next_message(ws)

    assert isinstance(note, AccountNotification) and note.result.value.lamports == 3 * SOL


@pytest.mark.parametrize("encoding", ["binary", "base58", "base64", "base64+zstd"])
@pytest.mark.parametrize("space", [Mint.LEN, TokenAccount.LEN], ids=["82-byte mint", "165-byte token account"])
async def test_account_data_arrives_intact_in_every_encoding(node: Node, encoding: str, space: int) -> None:
    mint = Keypair()
    node.create_mint(mint)
    token_account = node.create_token_account(mint.pubkey(), Pubkey.new_unique())
    watched = mint.pubkey() if space == Mint.LEN else token_account
    async with connect(node.url) as ws:
        await ws.account_subscribe(watched, Processed, encoding)
        await subscribed(ws)
        node.mint_to(mint.pubkey(), [(token_account, 7)])  # writes the mint and the token account
        note = await next_message(ws)

    stored = node.bank.get_account(watched)
    assert isinstance(note, AccountNotification)
    assert stored is not None and len(stored.data) == space
    assert note.result.value == stored


async def test_json_parsed_token_account_carries_the_ui_amount(node: Node) -> None:
    mint, owner = Keypair(), Pubkey.new_unique()
    node.create_mint(mint, decimals=6)
    account = node.create_token_account(mint.pubkey(), owner)
    async with connect(node.url) as ws:
        await ws.account_subscribe(account, Processed, "jsonParsed")
        await subscribed(ws)
        node.mint_to(mint.pubkey(), [(account, 1_500_000)])
        note = await next_message(ws)

    assert isinstance(note, AccountNotificationJsonParsed)
    parsed = note.result.value.data
    assert parsed.program == "spl-token" and parsed.space == TokenAccount.LEN
    assert parsed.parsed == {
        "type": "account",
        "info": {
            "isNative": False,
            "mint": str(mint.pubkey()),
            "owner": str(owner),
            "state": "initialized",
            "tokenAmount": {"amount": "1500000", "decimals": 6, "uiAmount": 1.5, "uiAmountString": "1.5"},
        },
    }


async def test_json_parsed_falls_back_to_base64_for_accounts_it_cannot_parse(node: Node) -> None:
    recipient = Pubkey.new_unique()
    async with connect(node.url) as ws:
        await ws.account_subscribe(recipient, Processed, "jsonParsed")
        await subscribed(ws)
        node.transfer(recipient, SOL)
        note = await next_message(ws)

    assert isinstance(note, AccountNotification)
    assert note.result.value.lamports == SOL and note.result.value.data == b""


async def test_a_closed_account_is_reported_empty_and_owned_by_the_system_program(node: Node) -> None:
    doomed = Keypair()
    node.transfer(doomed.pubkey(), SOL)
    drain = transfer(TransferParams(from_pubkey=doomed.pubkey(), to_pubkey=node.payer.pubkey(), lamports=SOL))
    async with connect(node.url) as ws:
        await ws.account_subscribe(doomed.pubkey(), Processed, "base64")
        await subscribed(ws)
        assert node.send([drain], doomed).ok
        note = await next_message(ws)

    assert isinstance(note, AccountNotification)
    assert (note.result.value.lamports, note.result.value.data) == (0, b"")
    assert note.result.value.owner == SYSTEM_PROGRAM_ID


# -- programSubscribe ---------------------------------------------------------------------


async def test_program_subscription_reports_the_program_owned_accounts_that_match_its_filters(node: Node) -> None:
    mint, alice, bob = Keypair(), Pubkey.new_unique(), Pubkey.new_unique()
    node.create_mint(mint)
    alice_account = node.create_token_account(mint.pubkey(), alice)
    bob_account = node.create_token_account(mint.pubkey(), bob)
    async with connect(node.url) as ws:
        # Token accounts (not the mint, which mint_to also writes) whose owner field (offset 32) is alice.
        filters: list[int | MemcmpOpts] = [TokenAccount.LEN, MemcmpOpts(offset=32, bytes=str(alice))]
        await ws.program_subscribe(TOKEN_PROGRAM_ID, Processed, "base64", filters=filters)
        await subscribed(ws)
        node.mint_to(mint.pubkey(), [(bob_account, 3), (alice_account, 42)])
        note = await next_message(ws)
        await assert_nothing_queued(ws)

    assert isinstance(note, ProgramNotification)
    assert note.result.value.pubkey == alice_account
    assert note.result.value.account.owner == TOKEN_PROGRAM_ID
    assert TokenAccount.unpack(note.result.value.account.data).amount == 42


async def test_program_subscription_in_json_parsed_reports_mints_and_token_accounts(node: Node) -> None:
    mint = Keypair()
    node.create_mint(mint, decimals=2)
    account = node.create_token_account(mint.pubkey(), Pubkey.new_unique())
    async with connect(node.url) as ws:
        await ws.program_subscribe(TOKEN_PROGRAM_ID, Processed, "jsonParsed")
        await subscribed(ws)
        node.mint_to(mint.pubkey(), [(account, 250)])
        notes = [await next_message(ws), await next_message(ws)]

    parsed: dict[Pubkey, Any] = {}
    for note in notes:
        assert isinstance(note, ProgramNotificationJsonParsed)
        parsed[note.result.value.pubkey] = note.result.value.account.data.parsed
    assert parsed[mint.pubkey()]["type"] == "mint" and parsed[mint.pubkey()]["info"]["supply"] == "250"
    assert parsed[account]["info"]["tokenAmount"]["uiAmountString"] == "2.5"


# -- logsSubscribe ------------------------------------------------------------------------


async def test_logs_subscription_reports_the_logs_and_the_error_of_each_transaction(node: Node) -> None:
    recipient = Pubkey.new_unique()
    async with connect(node.url) as ws:
        await ws.logs_subscribe(RpcTransactionLogsFilter.All, Processed)
        await subscribed(ws)
        landed = node.transfer(recipient, SOL)
        failed = node.transfer(recipient, OVERDRAFT)
        first, second = await next_message(ws), await next_message(ws)

    assert isinstance(first, LogsNotification) and isinstance(second, LogsNotification)
    assert first.result.value.signature == landed.signature
    assert first.result.value.err is None
    assert first.result.value.logs == landed.logs
    assert second.result.value.signature == failed.signature
    assert second.result.value.err == TransactionErrorInstructionError(0, InstructionErrorCustom(1))
    assert second.result.value.logs == failed.logs
    assert any(line.startswith("Transfer: insufficient lamports") for line in second.result.value.logs)


async def test_logs_subscription_with_mentions_only_reports_transactions_naming_the_key(node: Node) -> None:
    watched, other = Pubkey.new_unique(), Pubkey.new_unique()
    async with connect(node.url) as ws:
        await ws.logs_subscribe(RpcTransactionLogsFilterMentions(watched), Processed)
        await subscribed(ws)
        node.transfer(other, SOL)
        mentioning = node.transfer(watched, SOL)
        note = await next_message(ws)

    assert isinstance(note, LogsNotification)
    assert note.result.value.signature == mentioning.signature


# -- signatureSubscribe -------------------------------------------------------------------


async def test_signature_subscription_fires_when_the_transaction_lands(node: Node) -> None:
    tx = node.signed([node.transfer_ix(Pubkey.new_unique(), SOL)])
    async with connect(node.url) as ws:
        await ws.signature_subscribe(tx.signatures[0], Processed)
        subscription = await subscribed(ws)
        node.bank.send_transaction(tx)
        note = await next_message(ws)

    assert isinstance(note, SignatureNotification)
    assert note.subscription == subscription
    assert note.result.value.err is None
    assert note.result.context.slot == node.bank.slot


async def test_signature_subscription_to_a_landed_transaction_fires_at_once_and_only_once(node: Node) -> None:
    failed = node.transfer(Pubkey.new_unique(), OVERDRAFT)
    async with connect(node.url) as ws:
        await ws.signature_subscribe(failed.signature, Processed)
        subscription = await subscribed(ws)
        note = await next_message(ws)
        # Like Agave, the subscription ends with its notification: cancelling it is cancelling an unknown id.
        await ws.signature_unsubscribe(subscription)
        with pytest.raises(SubscriptionError, match="Invalid subscription id."):
            await ws.recv()

    assert isinstance(note, SignatureNotification)
    assert note.result.value.err == TransactionErrorInstructionError(0, InstructionErrorCustom(1))


# -- slotSubscribe ------------------------------------------------------------------------


async def test_slot_subscription_reports_parent_root_and_slot_of_each_new_slot(node: Node) -> None:
    start = node.bank.slot
    async with connect(node.url) as ws:
        await ws.slot_subscribe()
        await subscribed(ws)
        node.bank.warp_to_slot(start + 10)
        node.bank.expire_blockhash()
        first, second = await next_message(ws), await next_message(ws)

    assert isinstance(first, SlotNotification) and isinstance(second, SlotNotification)
    assert (first.result.parent, first.result.slot, first.result.root) == (start, start + 10, start + 10)
    assert (second.result.parent, second.result.slot, second.result.root) == (start + 10, start + 11, start + 11)


# -- unsubscribing ------------------------------------------------------------------------


async def test_no_notification_arrives_after_unsubscribing(node: Node) -> None:
    recipient = Pubkey.new_unique()
    tx = node.signed([node.transfer_ix(recipient, SOL)])
    async with connect(node.url) as ws:
        await ws.account_subscribe(recipient, Processed)
        account_sub = await subscribed(ws)
        await ws.program_subscribe(SYSTEM_PROGRAM_ID, Processed)
        program_sub = await subscribed(ws)
        await ws.logs_subscribe(RpcTransactionLogsFilter.All, Processed)
        logs_sub = await subscribed(ws)
        await ws.signature_subscribe(tx.signatures[0], Processed)
        signature_sub = await subscribed(ws)
        await ws.slot_subscribe()
        slot_sub = await subscribed(ws)

        await ws.account_unsubscribe(account_sub)
        await ws.program_unsubscribe(program_sub)
        await ws.logs_unsubscribe(logs_sub)
        await ws.signature_unsubscribe(signature_sub)
        await ws.slot_unsubscribe(slot_sub)
        for _ in range(5):
            ack = await next_message(ws)
            assert isinstance(ack, UnsubscribeResult) and ack.result is True

        assert node.bank.send_transaction(tx).ok
        node.bank.expire_blockhash()
        await assert_nothing_queued(ws)


async def test_a_connection_cannot_cancel_another_connections_subscription(node: Node) -> None:
    async with connect(node.url) as owner, connect(node.url) as stranger:
        await owner.slot_subscribe()
        subscription = await subscribed(owner)
        await stranger.send_data(AccountUnsubscribe(subscription, stranger.increment_counter_and_get_id()))
        with pytest.raises(SubscriptionError, match="Invalid subscription id."):
            await stranger.recv()
        node.bank.expire_blockhash()
        note = await next_message(owner)

    assert isinstance(note, SlotNotification) and note.subscription == subscription


# -- commitment ---------------------------------------------------------------------------


async def test_notifications_wait_until_the_slot_reaches_their_commitment() -> None:
    async with running_node(realistic_lags) as node, connect(node.url) as ws:
        recipient = Pubkey.new_unique()
        subscriptions: dict[str, int] = {}
        for commitment in (Processed, Confirmed, None):  # no commitment: finalized
            await ws.account_subscribe(recipient, commitment, "base64")
            subscriptions[commitment or Finalized] = await subscribed(ws)
        landed = node.transfer(recipient, SOL)
        processed_slot = node.bank.slot
        received = [await next_message(ws)]
        await ws.signature_subscribe(landed.signature, Finalized)
        subscriptions["signature"] = await subscribed(ws)
        await ws.slot_subscribe()
        subscriptions["slot"] = await subscribed(ws)

        for _ in range(3):
            node.bank.expire_blockhash()
        for _ in range(6):
            received.append(await next_message(ws))
        await assert_nothing_queued(ws)

    name_of = {subscription: name for name, subscription in subscriptions.items()}
    assert [(name_of[subscription], slot) for subscription, slot in map(subscription_and_slot, received)] == [
        (Processed, processed_slot),
        ("slot", processed_slot + 1),
        (Confirmed, processed_slot),
        ("slot", processed_slot + 2),
        ("slot", processed_slot + 3),
        (Finalized, processed_slot),
        ("signature", processed_slot),
    ]
    last_slot = received[4]
    assert isinstance(last_slot, SlotNotification) and last_slot.result.root == processed_slot


# -- errors -------------------------------------------------------------------------------


def frame(request_id: int, method: str, params: list[object]) -> str:
    return json.dumps({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})


PK = str(Pubkey.new_unique())
BAD_REQUESTS = [
    pytest.param("{not json", -32700, "Parse error", None, id="not-json"),
    pytest.param('{"jsonrpc":"2.0","id":1}', -32600, "Invalid request", 1, id="no-method"),
    pytest.param("[]", -32600, "Invalid request", None, id="empty-batch"),
    pytest.param(frame(4, "blockSubscribe", ["all"]), -32601, "Method not found", 4, id="unsupported-method"),
    pytest.param(frame(5, "accountSubscribe", ["nope"]), -32602, "Invalid Request: Invalid pubkey provided", 5),
    pytest.param(frame(6, "accountSubscribe", []), -32602, "Invalid params: invalid length 0", 6, id="no-pubkey"),
    pytest.param(
        frame(7, "accountSubscribe", [PK, {"encoding": "hex"}]), -32602, "Invalid params: unknown variant `hex`", 7
    ),
    pytest.param(
        frame(8, "programSubscribe", [PK, {"commitment": "soon"}]), -32602, "Invalid params: unknown variant `soon`", 8
    ),
    pytest.param(
        frame(9, "logsSubscribe", [{"mentions": [PK, PK]}]), -32602, "Invalid Request: Only 1 address supported", 9
    ),
    pytest.param(frame(10, "signatureSubscribe", ["xyz"]), -32602, "Invalid Request: Invalid signature provided", 10),
    pytest.param(frame(11, "slotUnsubscribe", ["one"]), -32602, 'Invalid params: invalid type: string "one"', 11),
    pytest.param(frame(12, "slotUnsubscribe", [424242]), -32602, "Invalid subscription id.", 12),
]


@pytest.mark.parametrize(("raw", "code", "message", "request_id"), BAD_REQUESTS)
async def test_a_bad_request_gets_the_json_rpc_error_and_the_connection_survives(
    node: Node, raw: str, code: int, message: str, request_id: int | None
) -> None:
    async with connect(node.url) as ws:
        reply = await raw_exchange(ws, raw)
        await ws.slot_subscribe()
        await subscribed(ws)

    assert reply["jsonrpc"] == "2.0" and reply["id"] == request_id
    assert isinstance(reply["error"], dict) and reply["error"]["code"] == code
    assert reply["error"]["message"].startswith(message)
    if request_id is not None:  # solders only parses errors that answer a request
        (parsed,) = parse_websocket_message(json.dumps(reply))
        assert isinstance(parsed, SoldersSubscriptionError)


async def test_the_solana_py_client_raises_on_an_unsupported_method_and_an_unknown_unsubscribe(node: Node) -> None:
    async with connect(node.url) as ws:
        await ws.block_subscribe()  # Agave serves it only with --rpc-pubsub-enable-block-subscription
        with pytest.raises(SubscriptionError) as unsupported:
            await ws.recv()
        await ws.send_data(AccountUnsubscribe(424242, ws.increment_counter_and_get_id()))
        with pytest.raises(SubscriptionError) as unknown:
            await ws.recv()
        await ws.slot_subscribe()
        await subscribed(ws)

    assert unsupported.value.type is MethodNotFoundMessage
    assert unknown.value.type is InvalidParamsMessage and unknown.value.msg == "Invalid subscription id."


async def test_a_batch_is_answered_in_order_and_a_request_without_id_gets_no_reply(node: Node) -> None:
    async with connect(node.url) as ws:
        first_id, second_id = ws.increment_counter_and_get_id(), ws.increment_counter_and_get_id()
        await ws.send_data([SlotSubscribe(first_id), LogsSubscribe(RpcTransactionLogsFilter.All, id=second_id)])
        acks = await asyncio.wait_for(ws.recv(), RECV_TIMEOUT_S)
        await WebSocketClientProtocol.send(ws, '{"jsonrpc":"2.0","method":"slotSubscribe"}')
        await assert_nothing_queued(ws)

    assert [(ack.id if isinstance(ack, SubscriptionResult) else ack) for ack in acks] == [first_id, second_id]


# -- connections --------------------------------------------------------------------------


async def test_a_client_that_stops_reading_is_disconnected() -> None:
    async with running_node(max_queued_messages=3) as node, connect(node.url) as ws:
        await ws.slot_subscribe()
        await subscribed(ws)
        for _ in range(10):  # ten notifications queued before the connection's writer gets a turn
            node.bank.expire_blockhash()
        with pytest.raises(ConnectionClosed) as closed:
            for _ in range(10):
                await next_message(ws)

    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
    assert node.bank.airdrop(Pubkey.new_unique(), SOL).ok


async def test_stopping_the_server_closes_connections_and_leaves_the_bank_running(node: Node) -> None:
    async with connect(node.url) as ws:
        await ws.slot_subscribe()
        await subscribed(ws)
        await node.server.stop()
        with pytest.raises(ConnectionClosed):
            await next_message(ws)

    node.bank.expire_blockhash()
    assert node.bank.airdrop(Pubkey.new_unique(), SOL).ok
