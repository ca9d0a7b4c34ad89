"""Signature statuses, transactions and address histories, as confirm_transaction and getTransaction read them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from solders.commitment_config import CommitmentLevel
from solders.message import MessageV0
from solders.pubkey import Pubkey
from solders.rpc.config import RpcSignaturesForAddressConfig, RpcTransactionConfig
from solders.rpc.errors import InvalidParamsMessage, UnsupportedTransactionVersionMessage
from solders.rpc.requests import GetSignaturesForAddress, GetSignatureStatuses, GetTransaction
from solders.rpc.responses import GetSignaturesForAddressResp, GetSignatureStatusesResp, GetTransactionResp
from solders.signature import Signature
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction
from solders.transaction_status import (
    EncodedTransactionWithStatusMeta,
    InstructionErrorCustom,
    TransactionConfirmationStatus,
    TransactionErrorInstructionError,
    UiTransaction,
    UiTransactionEncoding,
)

from tests.validator.rpc_harness import RpcHarness
from validator.finality import Finality


def landed_transfer(rpc: RpcHarness, lamports: int = 10**9) -> tuple[Signature, Pubkey]:
    payer, target = rpc.funded(), Pubkey.new_unique()
    result = rpc.bank.send_transaction(rpc.transfer_tx(payer, target, lamports))
    return result.signature, target


def test_statuses_are_finalized_at_once_and_null_for_unknown_signatures(rpc: RpcHarness) -> None:
    signature, _ = landed_transfer(rpc)
    resp = GetSignatureStatusesResp.from_json(
        rpc.post(GetSignatureStatuses([signature, Signature.new_unique()]).to_json())
    )
    assert isinstance(resp, GetSignatureStatusesResp)
    status, unknown = resp.value
    assert unknown is None
    assert status is not None and status.err is None and status.confirmations is None
    assert status.confirmation_status == TransactionConfirmationStatus.Finalized
    assert status.slot == rpc.bank.slot


def test_a_failed_transaction_status_carries_its_error(rpc: RpcHarness) -> None:
    signature, _ = landed_transfer(rpc, lamports=10**15)
    resp = GetSignatureStatusesResp.from_json(rpc.post(GetSignatureStatuses([signature]).to_json()))
    assert isinstance(resp, GetSignatureStatusesResp) and resp.value[0] is not None
    assert resp.value[0].err == TransactionErrorInstructionError(0, InstructionErrorCustom(1))


def test_realistic_finality_confirms_after_one_slot_and_finalizes_after_32(
    make_rpc: Callable[[Finality], RpcHarness],
) -> None:
    rpc = make_rpc(Finality.REALISTIC)
    signature, _ = landed_transfer(rpc)
    seen = []
    for _ in range(33):
        resp = GetSignatureStatusesResp.from_json(rpc.post(GetSignatureStatuses([signature]).to_json()))
        assert isinstance(resp, GetSignatureStatusesResp) and resp.value[0] is not None
        seen.append((resp.value[0].confirmation_status, resp.value[0].confirmations))
        rpc.bank.expire_blockhash()
    assert seen[0] == (TransactionConfirmationStatus.Processed, 0)
    assert seen[1] == (TransactionConfirmationStatus.Confirmed, 1)
    assert seen[31] == (TransactionConfirmationStatus.Confirmed, 31)
    assert seen[32] == (TransactionConfirmationStatus.Finalized, None)


def test_too_many_signatures_is_invalid_params(rpc: RpcHarness) -> None:
    body = rpc.call("getSignatureStatuses", [str(Signature.new_unique()) for _ in range(257)])
    assert isinstance(GetSignatureStatusesResp.from_json(body), InvalidParamsMessage)


@pytest.mark.parametrize(
    "encoding", [UiTransactionEncoding.Json, UiTransactionEncoding.Base64, UiTransactionEncoding.Base58]
)
def test_get_transaction_returns_the_transaction_and_its_meta(
    rpc: RpcHarness, encoding: UiTransactionEncoding
) -> None:
    signature, target = landed_transfer(rpc)
    record = rpc.store.transaction(signature)
    assert record is not None
    resp = GetTransactionResp.from_json(rpc.post(GetTransaction(signature, RpcTransactionConfig(encoding)).to_json()))
    assert isinstance(resp, GetTransactionResp) and resp.value is not None
    assert resp.value.slot == record.slot
    assert resp.value.block_time == record.block_time
    tx = resp.value.transaction
    assert isinstance(tx, EncodedTransactionWithStatusMeta)
    if encoding == UiTransactionEncoding.Json:
        assert isinstance(tx.transaction, UiTransaction)
        assert tx.transaction.signatures == [signature]
    else:
        assert tx.transaction == record.transaction
    meta = tx.meta
    assert meta is not None
    assert meta.err is None and meta.fee == 5000
    assert meta.pre_balances == record.pre_balances and meta.post_balances == record.post_balances
    assert meta.log_messages == record.result.logs
    assert target in record.account_keys


def test_get_transaction_json_parsed_lists_keys_with_their_privileges(rpc: RpcHarness) -> None:
    signature, _ = landed_transfer(rpc)
    config = RpcTransactionConfig(UiTransactionEncoding.JsonParsed, max_supported_transaction_version=0)
    resp = GetTransactionResp.from_json(rpc.post(GetTransaction(signature, config).to_json()))
    assert isinstance(resp, GetTransactionResp) and resp.value is not None
    assert resp.value.transaction.version is not None


def test_get_transaction_of_an_unknown_signature_is_null(rpc: RpcHarness) -> None:
    resp = GetTransactionResp.from_json(rpc.post(GetTransaction(Signature.new_unique()).to_json()))
    assert isinstance(resp, GetTransactionResp) and resp.value is None


def test_get_transaction_refuses_processed_commitment(rpc: RpcHarness) -> None:
    signature, _ = landed_transfer(rpc)
    config = RpcTransactionConfig(commitment=CommitmentLevel.Processed)
    resp = GetTransactionResp.from_json(rpc.post(GetTransaction(signature, config).to_json()))
    assert isinstance(resp, InvalidParamsMessage)


def test_a_v0_transaction_needs_max_supported_transaction_version(rpc: RpcHarness) -> None:
    payer = rpc.funded()
    ix = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=Pubkey.new_unique(), lamports=10**9))
    message = MessageV0.try_compile(payer.pubkey(), [ix], [], rpc.bank.latest_blockhash())
    signature = rpc.bank.send_transaction(VersionedTransaction(message, [payer])).signature
    refused = GetTransactionResp.from_json(rpc.post(GetTransaction(signature).to_json()))
    assert isinstance(refused, UnsupportedTransactionVersionMessage)
    config = RpcTransactionConfig(max_supported_transaction_version=0)
    resp = GetTransactionResp.from_json(rpc.post(GetTransaction(signature, config).to_json()))
    assert isinstance(resp, GetTransactionResp) and resp.value is not None
    assert resp.value.transaction.version == 0


def test_signatures_for_address_newest_first_with_before_and_limit(rpc: RpcHarness) -> None:
    payer, target = rpc.funded(), Pubkey.new_unique()
    signatures = []
    for lamports in (10**9, 2 * 10**9, 3 * 10**9):
        rpc.bank.expire_blockhash()
        signatures.append(rpc.bank.send_transaction(rpc.transfer_tx(payer, target, lamports)).signature)
    resp = GetSignaturesForAddressResp.from_json(rpc.post(GetSignaturesForAddress(target).to_json()))
    assert isinstance(resp, GetSignaturesForAddressResp)
    assert [entry.signature for entry in resp.value] == signatures[::-1]
    assert all(entry.confirmation_status == TransactionConfirmationStatus.Finalized for entry in resp.value)
    config = RpcSignaturesForAddressConfig(before=signatures[2], limit=1)
    page = GetSignaturesForAddressResp.from_json(rpc.post(GetSignaturesForAddress(target, config).to_json()))
    assert isinstance(page, GetSignaturesForAddressResp)
    assert [entry.signature for entry in page.value] == [signatures[1]]
    config = RpcSignaturesForAddressConfig(until=signatures[0])
    until = GetSignaturesForAddressResp.from_json(rpc.post(GetSignaturesForAddress(target, config).to_json()))
    assert isinstance(until, GetSignaturesForAddressResp)
    assert [entry.signature for entry in until.value] == [signatures[2], signatures[1]]


@pytest.mark.parametrize("config", [{"limit": 0}, {"limit": 1001}, {"before": "bad"}])
def test_bad_signatures_for_address_params_are_invalid_params(rpc: RpcHarness, config: dict[str, object]) -> None:
    body = rpc.call("getSignaturesForAddress", str(Pubkey.new_unique()), config)
    assert isinstance(GetSignaturesForAddressResp.from_json(body), InvalidParamsMessage)
