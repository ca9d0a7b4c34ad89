"""Every solana-py ``Client`` method a single-node validator answers, sync and async, against a real validator.

One scenario runs first (an airdrop, a mint, an associated token account created by CPI, a token
transfer with a Memo, a delegate approval), then each method is called once through the sync
``Client`` and once through ``AsyncClient``, and its parsed answer is checked against what the
scenario did. ``validator_exit`` is answered as Agave answers it without ``--enable-rpc-exit``.
"""

from __future__ import annotations

import inspect
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from solana.rpc.api import Client
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Confirmed
from solana.rpc.core import RPCException
from solana.rpc.types import MemcmpOpts, TokenAccountOpts, TxOpts
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.rpc.errors import BlockNotAvailableMessage
from solders.signature import Signature
from solders.system_program import CreateAccountParams, TransferParams, create_account, transfer
from solders.transaction import Transaction
from spl.memo.constants import MEMO_PROGRAM_ID
from spl.memo.instructions import MemoParams, create_memo
from spl.token.constants import TOKEN_PROGRAM_ID
from spl.token.instructions import (
    ApproveParams,
    InitializeMintParams,
    MintToParams,
    TransferCheckedParams,
    approve,
    create_associated_token_account,
    get_associated_token_address,
    initialize_mint,
    mint_to,
    transfer_checked,
)

from emulator.native.spl_token import NATIVE_MINT_ID
from validator.process import ValidatorProcess

pytestmark = pytest.mark.integration
SOL = 1_000_000_000
MEMO = "psyche conformance"


@dataclass(frozen=True)
class Scenario:
    payer: Keypair
    mint: Pubkey
    payer_tokens: Pubkey
    bob: Pubkey
    bob_tokens: Pubkey
    delegate: Pubkey
    token_signature: Signature  # ATA create (CPIs) + transfer_checked + memo
    slot: int
    rpc_address: str


def _send(client: Client, payer: Keypair, instructions: list[Any], *signers: Keypair) -> Signature:
    blockhash = client.get_latest_blockhash().value.blockhash
    tx = Transaction.new_signed_with_payer(instructions, payer.pubkey(), [payer, *signers], blockhash)
    return client.send_transaction(tx, opts=TxOpts(skip_confirmation=False, preflight_commitment=Confirmed)).value


@pytest.fixture(scope="module")
def scenario(validator: ValidatorProcess) -> Iterator[Scenario]:
    client = Client(validator.url, commitment=Confirmed)
    while client.get_slot().value < 2:  # so the scenario's blocks have a parent block to point to
        time.sleep(0.1)
    payer, mint, bob, delegate = Keypair(), Keypair(), Keypair().pubkey(), Keypair().pubkey()
    client.confirm_transaction(client.request_airdrop(payer.pubkey(), 10 * SOL).value)
    rent = client.get_minimum_balance_for_rent_exemption(82).value
    params = CreateAccountParams(
        from_pubkey=payer.pubkey(), to_pubkey=mint.pubkey(), lamports=rent, space=82, owner=TOKEN_PROGRAM_ID
    )
    init = InitializeMintParams(6, TOKEN_PROGRAM_ID, mint.pubkey(), payer.pubkey(), None)
    _send(client, payer, [create_account(params), initialize_mint(init)], mint)
    payer_tokens = get_associated_token_address(payer.pubkey(), mint.pubkey())
    bob_tokens = get_associated_token_address(bob, mint.pubkey())
    mint_ix = mint_to(MintToParams(TOKEN_PROGRAM_ID, mint.pubkey(), payer_tokens, payer.pubkey(), 5_000_000))
    _send(client, payer, [create_associated_token_account(payer.pubkey(), payer.pubkey(), mint.pubkey()), mint_ix])
    move = TransferCheckedParams(
        TOKEN_PROGRAM_ID, payer_tokens, mint.pubkey(), bob_tokens, payer.pubkey(), 1_500_000, 6
    )
    signature = _send(
        client,
        payer,
        [
            create_associated_token_account(payer.pubkey(), bob, mint.pubkey()),
            transfer_checked(move),
            create_memo(MemoParams(MEMO_PROGRAM_ID, payer.pubkey(), MEMO.encode())),
        ],
    )
    _send(client, payer, [approve(ApproveParams(TOKEN_PROGRAM_ID, payer_tokens, delegate, payer.pubkey(), 7))])
    status = client.get_signature_statuses([signature]).value[0]
    assert status is not None and status.err is None
    yield Scenario(
        payer,
        mint.pubkey(),
        payer_tokens,
        bob,
        bob_tokens,
        delegate,
        signature,
        status.slot,
        validator.url.removeprefix("http://"),
    )


@dataclass(frozen=True)
class Case:
    """One Client method: its arguments from the scenario, and what its parsed answer must show."""

    method: str
    args: Callable[[Scenario], tuple[Any, ...]]
    check: Callable[[Scenario, Any], None]


def _parsed_types(instructions: list[Any]) -> list[str]:
    return [ix.parsed["type"] if isinstance(ix.parsed, dict) else ix.parsed for ix in instructions]


def _check_transaction(s: Scenario, resp: Any) -> None:
    tx = resp.value
    assert tx.slot == s.slot
    meta = tx.transaction.meta
    top = tx.transaction.transaction.message.instructions
    assert _parsed_types(top) == ["create", "transferChecked", MEMO]
    inner = meta.inner_instructions
    assert [group.index for group in inner] == [0]
    assert {ix.stack_height for ix in inner[0].instructions} == {2}
    assert "initializeAccount3" in _parsed_types(inner[0].instructions)
    balances = {(b.account_index, b.ui_token_amount.amount) for b in meta.post_token_balances}
    keys = [str(key.pubkey) for key in tx.transaction.transaction.message.account_keys]
    assert (keys.index(str(s.bob_tokens)), "1500000") in balances
    assert f'Program log: Memo (len {len(MEMO)}): "{MEMO}"' in meta.log_messages


def _check_block(s: Scenario, resp: Any) -> None:
    block = resp.value
    signatures = [entry.transaction.signatures[0] for entry in block.transactions]
    assert s.token_signature in signatures
    assert block.parent_slot < s.slot and block.block_height is not None


def _largest(s: Scenario, resp: Any) -> None:
    assert [(str(entry.address), entry.amount.amount) for entry in resp.value] == [
        (str(s.payer_tokens), "3500000"),
        (str(s.bob_tokens), "1500000"),
    ]


CASES = [
    Case("is_connected", lambda s: (), lambda s, r: r is True),
    Case("get_balance", lambda s: (s.payer.pubkey(),), lambda s, r: 0 < r.value < 10 * SOL),
    Case("get_account_info", lambda s: (s.mint,), lambda s, r: r.value.owner == TOKEN_PROGRAM_ID),
    Case(
        "get_account_info_json_parsed",
        lambda s: (s.bob_tokens,),
        lambda s, r: r.value.data.parsed["info"]["tokenAmount"]["amount"] == "1500000",
    ),
    Case("get_block_commitment", lambda s: (s.slot,), lambda s, r: r.value.total_stake == 0),
    Case("get_block_time", lambda s: (s.slot,), lambda s, r: r.value > 0),
    Case(
        "get_cluster_nodes",
        lambda s: (),
        lambda s, r: [json.loads(node.to_json())["rpc"] for node in r.value] == [s.rpc_address],
    ),
    Case("get_block", lambda s: (s.slot, "jsonParsed", 0), _check_block),
    Case("get_recent_performance_samples", lambda s: (5,), lambda s, r: len(r.value) <= 5),
    Case("get_block_height", lambda s: (), lambda s, r: r.value > 0),
    Case("get_blocks", lambda s: (s.slot - 1, s.slot), lambda s, r: s.slot in r.value),
    Case(
        "get_signatures_for_address",
        lambda s: (s.bob_tokens,),
        lambda s, r: [info.signature for info in r.value] == [s.token_signature],
    ),
    Case("get_transaction", lambda s: (s.token_signature, "jsonParsed"), _check_transaction),
    Case("get_epoch_info", lambda s: (), lambda s, r: r.value.epoch == 0 and r.value.slots_in_epoch == 432_000),
    Case("get_epoch_schedule", lambda s: (), lambda s, r: r.value.slots_per_epoch == 432_000),
    Case(
        "get_fee_for_message",
        lambda s: (Message([transfer(TransferParams(from_pubkey=s.payer.pubkey(), to_pubkey=s.bob, lamports=1))]),),
        lambda s, r: r.value is None or r.value == 5000,  # null: the message has the default (unknown) blockhash
    ),
    Case("get_first_available_block", lambda s: (), lambda s, r: r.value <= s.slot),
    Case("get_genesis_hash", lambda s: (), lambda s, r: r.value is not None),
    Case("get_identity", lambda s: (), lambda s, r: r.value.identity is not None),
    Case("get_inflation_governor", lambda s: (), lambda s, r: r.value.initial == 0.08),
    Case("get_inflation_rate", lambda s: (), lambda s, r: r.value.epoch == 0 and r.value.total == 0.08),
    Case("get_largest_accounts", lambda s: (), lambda s, r: 0 < len(r.value) <= 20),
    Case("get_leader_schedule", lambda s: (), lambda s, r: [len(slots) for slots in r.value.values()] == [432_000]),
    Case("get_minimum_balance_for_rent_exemption", lambda s: (165,), lambda s, r: r.value == 2_039_280),
    Case(
        "get_multiple_accounts",
        lambda s: ([s.mint, s.delegate],),
        lambda s, r: r.value[0] is not None and r.value[1] is None,
    ),
    Case(
        "get_multiple_accounts_json_parsed",
        lambda s: ([s.mint],),
        lambda s, r: r.value[0].data.parsed["info"]["decimals"] == 6,
    ),
    Case(
        "get_program_accounts",
        lambda s: (TOKEN_PROGRAM_ID, None, "base64", None, [165, MemcmpOpts(0, str(s.mint))]),
        lambda s, r: {str(a.pubkey) for a in r.value} == {str(s.payer_tokens), str(s.bob_tokens)},
    ),
    Case(
        "get_program_accounts_json_parsed",
        lambda s: (TOKEN_PROGRAM_ID, None, [165, MemcmpOpts(0, str(s.mint))]),
        lambda s, r: len(r.value) == 2,
    ),
    Case("get_latest_blockhash", lambda s: (), lambda s, r: r.value.last_valid_block_height > 0),
    Case("get_signature_statuses", lambda s: ([s.token_signature],), lambda s, r: r.value[0].slot == s.slot),
    Case("get_slot", lambda s: (), lambda s, r: r.value >= s.slot),
    Case("get_slot_leader", lambda s: (), lambda s, r: r.value is not None),
    Case("get_supply", lambda s: (), lambda s, r: r.value.total == r.value.circulating > 0),
    Case("get_token_account_balance", lambda s: (s.bob_tokens,), lambda s, r: r.value.ui_amount_string == "1.5"),
    Case(
        "get_token_accounts_by_delegate",
        lambda s: (s.delegate, TokenAccountOpts(mint=s.mint)),
        lambda s, r: [a.pubkey for a in r.value] == [s.payer_tokens],
    ),
    Case(
        "get_token_accounts_by_delegate_json_parsed",
        lambda s: (s.delegate, TokenAccountOpts(mint=s.mint)),
        lambda s, r: r.value[0].account.data.parsed["info"]["delegatedAmount"]["amount"] == "7",
    ),
    Case(
        "get_token_accounts_by_owner",
        lambda s: (s.bob, TokenAccountOpts(mint=s.mint)),
        lambda s, r: [a.pubkey for a in r.value] == [s.bob_tokens],
    ),
    Case(
        "get_token_accounts_by_owner_json_parsed",
        lambda s: (s.bob, TokenAccountOpts(program_id=TOKEN_PROGRAM_ID)),
        lambda s, r: r.value[0].account.data.parsed["info"]["mint"] == str(s.mint),
    ),
    Case("get_token_largest_accounts", lambda s: (s.mint,), _largest),
    Case("get_token_supply", lambda s: (NATIVE_MINT_ID,), lambda s, r: r.value.decimals == 9),
    Case("get_transaction_count", lambda s: (), lambda s, r: r.value >= 5),
    Case("get_minimum_ledger_slot", lambda s: (), lambda s, r: r.value <= s.slot),
    Case("get_version", lambda s: (), lambda s, r: r.value.solana_core == "2.1.21"),
    Case("get_vote_accounts", lambda s: (), lambda s, r: r.value.current == [] and r.value.delinquent == []),
    Case("validator_exit", lambda s: (), lambda s, r: r.value is False),
]
# Answered with an error the client raises: the rewards of epoch 0 are in the first block of epoch 1.
RAISING = [("get_inflation_reward", lambda s: ([s.payer.pubkey()],), BlockNotAvailableMessage)]
# Exercised by the scenario itself (sending, airdrops, confirming) and by test_e2e_solana_py (simulation).
EXERCISED_ELSEWHERE = {
    "request_airdrop",
    "send_raw_transaction",
    "send_transaction",
    "simulate_transaction",
    "confirm_transaction",
    "get_signature_statuses",
}


def _client_methods(cls: type) -> set[str]:
    """The RPC calls a client offers (``parse_recent_blockhash`` is a local helper; ``close`` ends the session)."""
    helpers = {"parse_recent_blockhash", "close"}
    return {name for name, _ in inspect.getmembers(cls, inspect.isfunction) if not name.startswith("_")} - helpers


def test_the_cases_cover_every_client_method() -> None:
    covered = {case.method for case in CASES} | {name for name, _, _ in RAISING} | EXERCISED_ELSEWHERE
    assert _client_methods(Client) - covered == set()
    assert _client_methods(AsyncClient) - covered == set()


def _check(case: Case, s: Scenario, resp: Any) -> None:
    outcome = case.check(s, resp)
    assert outcome is None or outcome is True, (case.method, resp)


def test_sync_client_answers_every_method(validator: ValidatorProcess, scenario: Scenario) -> None:
    client = Client(validator.url, commitment=Confirmed)
    for case in CASES:
        _check(case, scenario, getattr(client, case.method)(*case.args(scenario)))
    for method, args, error in RAISING:
        with pytest.raises(RPCException) as raised:
            getattr(client, method)(*args(scenario))
        assert isinstance(raised.value.args[0], error), method
    sent = client.send_raw_transaction(
        Transaction.new_signed_with_payer(
            [transfer(TransferParams(from_pubkey=scenario.payer.pubkey(), to_pubkey=scenario.bob, lamports=SOL))],
            scenario.payer.pubkey(),
            [scenario.payer],
            client.get_latest_blockhash().value.blockhash,
        ).__bytes__()
    ).value
    client.confirm_transaction(sent)
    assert client.get_balance(scenario.bob).value == SOL


@pytest.mark.asyncio
async def test_async_client_answers_every_method(validator: ValidatorProcess, scenario: Scenario) -> None:
    async with AsyncClient(validator.url, commitment=Confirmed) as client:
        for case in CASES:
            _check(case, scenario, await getattr(client, case.method)(*case.args(scenario)))
        for method, args, error in RAISING:
            with pytest.raises(RPCException) as raised:
                await getattr(client, method)(*args(scenario))
            assert isinstance(raised.value.args[0], error), method
