"""getBlock and the other block, cluster and economics methods over a real bank and ledger, in-process.

Each answer is parsed by the solders response type solana-py uses; slots move only when a test
says so (the bank's clock is manual), so skipped and future slots are exact.
"""

from __future__ import annotations

import base64
import json

from solders.compute_budget import set_compute_unit_price
from solders.message import MessageV0
from solders.pubkey import Pubkey
from solders.rpc.errors import BlockNotAvailableMessage, SlotSkippedMessage, UnsupportedTransactionVersionMessage
from solders.rpc.responses import (
    GetBlockResp,
    GetBlocksResp,
    GetBlockTimeResp,
    GetInflationRewardResp,
    GetLeaderScheduleResp,
    GetRecentPerformanceSamplesResp,
    RpcSimulateTransactionResult,
)
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction, VersionedTransaction
from spl.token.instructions import create_associated_token_account

from emulator.constants import SLOTS_PER_EPOCH
from tests.validator.rpc_harness import RpcHarness
from validator.identity import IDENTITY_KEYPAIR


def _landed_slot(rpc: RpcHarness, tx: Transaction | VersionedTransaction) -> int:
    assert rpc.bank.send_transaction(tx).err is None
    record = rpc.store.transaction(tx.signatures[0])
    assert record is not None
    return record.slot


def test_a_block_holds_its_transactions_in_order_and_links_to_its_parent(rpc: RpcHarness) -> None:
    payer = rpc.funded()
    rpc.bank.expire_blockhash()
    rpc.bank.forward_unix_timestamp(7)  # the clock moves within the slot; the block keeps its time
    first = rpc.transfer_tx(payer, Pubkey.new_unique(), 1_000_000)
    second = rpc.transfer_tx(payer, Pubkey.new_unique(), 2_000_000)
    slot = _landed_slot(rpc, first)
    assert _landed_slot(rpc, second) == slot
    rpc.bank.expire_blockhash()
    resp = GetBlockResp.from_json(rpc.call("getBlock", slot, {"transactionDetails": "signatures"}))
    assert isinstance(resp, GetBlockResp) and resp.value is not None
    block = resp.value
    assert block.signatures == [first.signatures[0], second.signatures[0]]
    parent = GetBlockResp.from_json(rpc.call("getBlock", block.parent_slot)).value
    assert parent is not None and block.previous_blockhash == parent.blockhash
    assert block.block_height == parent.block_height + 1  # type: ignore[operator]
    assert str(block.blockhash) == str(rpc.store.block(slot).blockhash)  # type: ignore[union-attr]
    transaction = rpc.result("getTransaction", str(first.signatures[0]))
    assert isinstance(transaction, dict) and transaction["blockTime"] == block.block_time


def test_transaction_details_and_rewards_shape_the_block(rpc: RpcHarness) -> None:
    payer = rpc.funded()
    rpc.bank.expire_blockhash()
    slot = _landed_slot(rpc, rpc.transfer_tx(payer, Pubkey.new_unique(), 1_000_000))
    rpc.bank.expire_blockhash()
    none = rpc.result("getBlock", slot, {"transactionDetails": "none", "rewards": False})
    assert isinstance(none, dict) and "transactions" not in none and "signatures" not in none
    assert "rewards" not in none
    accounts = rpc.result("getBlock", slot, {"transactionDetails": "accounts"})
    assert isinstance(accounts, dict)
    (entry,) = accounts["transactions"]
    assert [key["signer"] for key in entry["transaction"]["accountKeys"]] == [True, False, False]
    assert set(entry["meta"]) == {
        "err",
        "status",
        "fee",
        "preBalances",
        "postBalances",
        "preTokenBalances",
        "postTokenBalances",
        "rewards",
    }
    parsed = rpc.result("getBlock", slot, {"encoding": "jsonParsed"})
    assert isinstance(parsed, dict)
    instruction = parsed["transactions"][0]["transaction"]["message"]["instructions"][0]
    assert instruction["parsed"]["type"] == "transfer" and parsed["rewards"] == []
    binary = rpc.result("getBlock", slot, {"encoding": "base64"})
    assert isinstance(binary, dict) and binary["transactions"][0]["transaction"][1] == "base64"


def test_a_v0_transaction_needs_max_supported_transaction_version(rpc: RpcHarness) -> None:
    payer = rpc.funded()  # a legacy airdrop, in the same block
    ix = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=Pubkey.new_unique(), lamports=1_000_000))
    message = MessageV0.try_compile(payer.pubkey(), [ix], [], rpc.bank.latest_blockhash())
    slot = _landed_slot(rpc, VersionedTransaction(message, [payer]))
    rpc.bank.expire_blockhash()
    refused = GetBlockResp.from_json(rpc.call("getBlock", slot))
    assert isinstance(refused, UnsupportedTransactionVersionMessage)
    block = rpc.result("getBlock", slot, {"maxSupportedTransactionVersion": 0})
    assert isinstance(block, dict) and [tx["version"] for tx in block["transactions"]] == ["legacy", 0]


def test_unavailable_slots_get_agaves_errors(rpc: RpcHarness) -> None:
    rpc.bank.expire_blockhash()
    produced = rpc.bank.slot
    rpc.bank.warp_to_slot(produced + 5)  # slots produced+1 .. produced+4 are skipped
    skipped = GetBlockResp.from_json(rpc.call("getBlock", produced + 2))
    assert isinstance(skipped, SlotSkippedMessage) and str(produced + 2) in skipped.message
    future = GetBlockResp.from_json(rpc.call("getBlock", produced + 50))
    assert isinstance(future, BlockNotAvailableMessage)
    assert rpc.error("getBlock", produced, {"commitment": "processed"})["code"] == -32602
    assert isinstance(GetBlockTimeResp.from_json(rpc.call("getBlockTime", produced + 3)), SlotSkippedMessage)
    blocks = GetBlocksResp.from_json(rpc.call("getBlocks", produced, produced + 10))
    assert isinstance(blocks, GetBlocksResp) and blocks.value == [produced, produced + 5]
    assert rpc.result("getBlocksWithLimit", produced, 1) == [produced]
    assert rpc.error("getBlocksWithLimit", 0, 500_001)["message"] == "Limit too large; max 500000"
    rpc.bank.warp_to_slot(600_010)
    assert rpc.result("getBlocks", 600_000) == [600_010]
    assert rpc.error("getBlocks", 0, 600_001)["message"] == "Slot range too large; max 500000"


def test_performance_samples_count_the_ledgers_slots_and_transactions(rpc: RpcHarness) -> None:
    payer = rpc.funded()  # one airdrop in the first period
    for _ in range(2 * 150):  # two full 60 s periods of 400 ms slots
        rpc.bank.expire_blockhash()
    resp = GetRecentPerformanceSamplesResp.from_json(rpc.call("getRecentPerformanceSamples", 5))
    assert isinstance(resp, GetRecentPerformanceSamplesResp)
    assert [(s.num_slots, s.num_transactions, s.sample_period_secs) for s in resp.value] == [
        (150, 0, 60),
        (150, 1, 60),
    ]
    assert resp.value[0].slot > resp.value[1].slot
    assert rpc.error("getRecentPerformanceSamples", 721)["message"] == "Invalid limit; max 720"
    del payer


def test_prioritization_fees_are_the_lowest_unit_price_of_each_block(rpc: RpcHarness) -> None:
    payer = rpc.funded()
    rpc.bank.expire_blockhash()
    destination = Pubkey.new_unique()
    ixs = [
        set_compute_unit_price(7),
        transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=destination, lamports=10**6)),
    ]
    tx = Transaction.new_signed_with_payer(ixs, payer.pubkey(), [payer], rpc.bank.latest_blockhash())
    slot = _landed_slot(rpc, tx)
    fees = {entry["slot"]: entry["prioritizationFee"] for entry in rpc.result("getRecentPrioritizationFees")}  # type: ignore[union-attr]
    assert fees[slot] == 7 and set(fees.values()) == {0, 7}
    unrelated = rpc.result("getRecentPrioritizationFees", [str(Pubkey.new_unique())])
    assert {entry["prioritizationFee"] for entry in unrelated} == {0}  # type: ignore[union-attr]
    mentioned = rpc.result("getRecentPrioritizationFees", [str(destination)])
    assert {entry["slot"]: entry["prioritizationFee"] for entry in mentioned}[slot] == 7  # type: ignore[union-attr]


def test_inflation_rewards_exist_once_an_epoch_has_ended(rpc: RpcHarness) -> None:
    payer = rpc.funded()
    early = GetInflationRewardResp.from_json(rpc.call("getInflationReward", [str(payer.pubkey())]))
    assert isinstance(early, BlockNotAvailableMessage) and str(SLOTS_PER_EPOCH) in early.message
    rpc.bank.warp_to_slot(SLOTS_PER_EPOCH + 1)
    resp = GetInflationRewardResp.from_json(rpc.call("getInflationReward", [str(payer.pubkey())], {"epoch": 0}))
    assert isinstance(resp, GetInflationRewardResp) and resp.value == [None]  # no stake, no reward


def test_the_leader_schedule_is_the_validator_for_every_slot(rpc: RpcHarness) -> None:
    resp = GetLeaderScheduleResp.from_json(rpc.call("getLeaderSchedule"))
    assert isinstance(resp, GetLeaderScheduleResp) and resp.value is not None
    assert resp.value == {IDENTITY_KEYPAIR.pubkey(): list(range(SLOTS_PER_EPOCH))}
    assert rpc.result("getLeaderSchedule", None, {"identity": str(Pubkey.new_unique())}) == {}
    assert rpc.result("getLeaderSchedule", 10 * SLOTS_PER_EPOCH) is None
    assert rpc.result("getSlotLeaders", 0, 2) == [str(IDENTITY_KEYPAIR.pubkey())] * 2
    assert rpc.error("getSlotLeaders", 0, 5001)["message"] == "Invalid limit; max 5000"


def test_supply_counts_every_lamport_and_largest_accounts_are_sorted(rpc: RpcHarness) -> None:
    rpc.funded(123 * 10**9)
    supply = rpc.result("getSupply")
    largest = rpc.result("getLargestAccounts")
    assert isinstance(supply, dict) and isinstance(largest, dict)
    lamports = [entry["lamports"] for entry in largest["value"]]
    assert lamports == sorted(lamports, reverse=True) and 123 * 10**9 in lamports
    total = supply["value"]["total"]
    assert total == supply["value"]["circulating"] and sum(lamports) <= total
    assert rpc.result("getLargestAccounts", {"filter": "nonCirculating"})["value"] == []  # type: ignore[index]
    assert json.loads(rpc.call("getHighestSnapshotSlot"))["error"] == {"code": -32008, "message": "No snapshot"}


def test_a_simulation_reports_its_cpis_when_asked(rpc: RpcHarness) -> None:
    payer = rpc.funded()
    mint = rpc.create_mint(payer)
    ix = create_associated_token_account(payer.pubkey(), Pubkey.new_unique(), mint)
    tx = Transaction.new_signed_with_payer([ix], payer.pubkey(), [payer], rpc.bank.latest_blockhash())
    encoded = base64.b64encode(bytes(tx)).decode()
    plain = rpc.result("simulateTransaction", encoded, {"encoding": "base64"})
    asked = rpc.result("simulateTransaction", encoded, {"encoding": "base64", "innerInstructions": True})
    assert isinstance(plain, dict) and plain["value"]["innerInstructions"] is None
    assert isinstance(asked, dict)
    (group,) = asked["value"]["innerInstructions"]
    assert group["index"] == 0
    assert [ix["parsed"]["type"] for ix in group["instructions"]] == [
        "getAccountDataSize",
        "createAccount",
        "initializeImmutableOwner",
        "initializeAccount3",
    ]
    parsed = RpcSimulateTransactionResult.from_json(json.dumps(asked["value"]))  # solders still reads it
    assert parsed.logs == asked["value"]["logs"]
