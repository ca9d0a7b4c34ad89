"""Blocks and transactions read back the same after the validator restarts on its ledger.

What getBlock and getTransaction answer (inner instructions, token balances, logs included) is
all in the SQLite ledger, so a restarted validator serves identical JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from solana.rpc.api import Client
from solana.rpc.commitment import Confirmed
from solana.rpc.types import TxOpts
from solders.keypair import Keypair
from solders.transaction import Transaction
from spl.memo.constants import MEMO_PROGRAM_ID
from spl.memo.instructions import MemoParams, create_memo
from spl.token.instructions import create_associated_token_account

from emulator.native.spl_token import NATIVE_MINT_ID
from validator.process import ValidatorProcess

pytestmark = pytest.mark.integration


def _call(url: str, method: str, *params: object) -> object:
    body = {"jsonrpc": "2.0", "id": 0, "method": method, "params": list(params)}
    response = httpx.post(url, json=body, timeout=30).json()
    assert "result" in response, response
    return response["result"]


def test_blocks_and_transactions_read_back_after_a_restart(tmp_path: Path) -> None:
    node = ValidatorProcess(tmp_path / "ledger").start()
    try:
        client = Client(node.url, commitment=Confirmed)
        payer = Keypair()
        client.confirm_transaction(client.request_airdrop(payer.pubkey(), 10**9).value)
        instructions = [
            create_associated_token_account(payer.pubkey(), payer.pubkey(), NATIVE_MINT_ID),  # CPIs, a token account
            create_memo(MemoParams(MEMO_PROGRAM_ID, payer.pubkey(), b"kept")),
        ]
        blockhash = client.get_latest_blockhash().value.blockhash
        tx = Transaction.new_signed_with_payer(instructions, payer.pubkey(), [payer], blockhash)
        signature = str(client.send_transaction(tx, opts=TxOpts(preflight_commitment=Confirmed)).value)
        client.confirm_transaction(tx.signatures[0])
        before = _call(node.url, "getTransaction", signature, {"encoding": "jsonParsed", "commitment": "confirmed"})
        assert isinstance(before, dict)
        slot = before["slot"]
        block_before = _call(node.url, "getBlock", slot, {"commitment": "confirmed"})
        assert before["meta"]["innerInstructions"] and before["meta"]["postTokenBalances"]
        assert node.stop() == 0
        node.restart()
        after = _call(node.url, "getTransaction", signature, {"encoding": "jsonParsed", "commitment": "confirmed"})
        assert json.dumps(after, sort_keys=True) == json.dumps(before, sort_keys=True)
        assert _call(node.url, "getBlock", slot, {"commitment": "confirmed"}) == block_before
        assert _call(node.url, "getBlocks", slot, slot) == [slot]
    finally:
        if node.process.poll() is None:
            assert node.stop() == 0
