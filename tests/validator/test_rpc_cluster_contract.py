"""Node and clock methods answer in shapes solders parses, and move with the bank's blocks."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from solders.commitment_config import CommitmentLevel
from solders.hash import Hash
from solders.message import Message
from solders.rpc.config import RpcContextConfig
from solders.rpc.errors import InvalidParamsMessage
from solders.rpc.requests import (
    GetBlockHeight,
    GetEpochInfo,
    GetFeeForMessage,
    GetGenesisHash,
    GetHealth,
    GetLatestBlockhash,
    GetSlot,
    GetTransactionCount,
    GetVersion,
    IsBlockhashValid,
)
from solders.rpc.responses import (
    GetBlockHeightResp,
    GetEpochInfoResp,
    GetFeeForMessageResp,
    GetGenesisHashResp,
    GetHealthResp,
    GetLatestBlockhashResp,
    GetSlotResp,
    GetTransactionCountResp,
    GetVersionResp,
    IsBlockhashValidResp,
)
from solders.system_program import TransferParams, transfer

from emulator.bank import GENESIS_HASH
from emulator.constants import MAX_PROCESSING_AGE
from tests.validator.rpc_harness import RpcHarness
from validator.finality import Finality


def test_health_version_and_genesis_hash(rpc: RpcHarness) -> None:
    assert GetHealthResp.from_json(rpc.post(GetHealth().to_json())).value == "ok"  # type: ignore[union-attr]
    version = GetVersionResp.from_json(rpc.post(GetVersion().to_json()))
    assert isinstance(version, GetVersionResp) and version.value.solana_core == "2.1.21"
    genesis = GetGenesisHashResp.from_json(rpc.post(GetGenesisHash().to_json()))
    assert isinstance(genesis, GetGenesisHashResp) and genesis.value == GENESIS_HASH


def test_slot_block_height_and_latest_blockhash_follow_the_bank(rpc: RpcHarness) -> None:
    for _ in range(3):
        rpc.bank.expire_blockhash()
    block = rpc.bank.latest_block()
    assert GetSlotResp.from_json(rpc.post(GetSlot().to_json())).value == block.slot  # type: ignore[union-attr]
    height = GetBlockHeightResp.from_json(rpc.post(GetBlockHeight().to_json()))
    assert isinstance(height, GetBlockHeightResp) and height.value == block.block_height
    latest = GetLatestBlockhashResp.from_json(rpc.post(GetLatestBlockhash().to_json()))
    assert isinstance(latest, GetLatestBlockhashResp)
    assert latest.value.blockhash == block.blockhash
    assert latest.value.last_valid_block_height == block.block_height + MAX_PROCESSING_AGE
    assert latest.context.slot == block.slot


def test_realistic_finality_reports_older_blocks_for_stronger_commitments(
    make_rpc: Callable[[Finality], RpcHarness],
) -> None:
    rpc = make_rpc(Finality.REALISTIC)
    for _ in range(40):
        rpc.bank.expire_blockhash()
    processed = rpc.bank.slot
    for level, lag in (
        (CommitmentLevel.Processed, 0),
        (CommitmentLevel.Confirmed, 1),
        (CommitmentLevel.Finalized, 32),
    ):
        slot = GetSlotResp.from_json(rpc.post(GetSlot(RpcContextConfig(level)).to_json()))
        assert isinstance(slot, GetSlotResp) and slot.value == processed - lag
        latest = GetLatestBlockhashResp.from_json(rpc.post(GetLatestBlockhash(RpcContextConfig(level)).to_json()))
        assert isinstance(latest, GetLatestBlockhashResp) and latest.context.slot == processed - lag
        assert rpc.bank.is_blockhash_valid(latest.value.blockhash)


def test_epoch_info_and_transaction_count(rpc: RpcHarness) -> None:
    rpc.funded()
    info = GetEpochInfoResp.from_json(rpc.post(GetEpochInfo().to_json()))
    assert isinstance(info, GetEpochInfoResp)
    assert info.value.absolute_slot == rpc.bank.slot
    assert info.value.slots_in_epoch == 432_000
    assert info.value.transaction_count == 1
    count = GetTransactionCountResp.from_json(rpc.post(GetTransactionCount().to_json()))
    assert isinstance(count, GetTransactionCountResp) and count.value == 1


def test_is_blockhash_valid_until_the_blockhash_expires(rpc: RpcHarness) -> None:
    old = rpc.bank.latest_blockhash()
    resp = IsBlockhashValidResp.from_json(rpc.post(IsBlockhashValid(old).to_json()))
    assert isinstance(resp, IsBlockhashValidResp) and resp.value is True
    rpc.bank.warp_to_slot(rpc.bank.slot + 1)
    for _ in range(MAX_PROCESSING_AGE):
        rpc.bank.expire_blockhash()
    resp = IsBlockhashValidResp.from_json(rpc.post(IsBlockhashValid(old).to_json()))
    assert isinstance(resp, IsBlockhashValidResp) and resp.value is False
    unknown = IsBlockhashValidResp.from_json(rpc.post(IsBlockhashValid(Hash.new_unique()).to_json()))
    assert isinstance(unknown, IsBlockhashValidResp) and unknown.value is False


def test_fee_for_message_is_5000_per_signature_and_null_for_an_expired_blockhash(rpc: RpcHarness) -> None:
    payer = rpc.funded()
    ix = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=payer.pubkey(), lamports=1))
    fresh = Message.new_with_blockhash([ix], payer.pubkey(), rpc.bank.latest_blockhash())
    resp = GetFeeForMessageResp.from_json(rpc.post(GetFeeForMessage(fresh).to_json()))
    assert isinstance(resp, GetFeeForMessageResp) and resp.value == 5000
    stale = Message.new_with_blockhash([ix], payer.pubkey(), Hash.new_unique())
    resp = GetFeeForMessageResp.from_json(rpc.post(GetFeeForMessage(stale).to_json()))
    assert isinstance(resp, GetFeeForMessageResp) and resp.value is None


@pytest.mark.parametrize("message", ["AAAA", "not base64!", "A" * 2000, 5])
def test_fee_for_a_garbage_message_is_invalid_params(rpc: RpcHarness, message: object) -> None:
    resp = GetFeeForMessageResp.from_json(rpc.call("getFeeForMessage", message))
    assert isinstance(resp, InvalidParamsMessage)


def test_an_unknown_commitment_is_invalid_params(rpc: RpcHarness) -> None:
    resp = GetSlotResp.from_json(rpc.call("getSlot", {"commitment": "eventually"}))
    assert isinstance(resp, InvalidParamsMessage)
    assert "unknown variant `eventually`" in resp.message
