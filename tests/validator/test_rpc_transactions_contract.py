"""sendTransaction, simulateTransaction and requestAirdrop: results and errors exactly as solders expects them.

A preflight failure is -32002 carrying the simulation's err and logs (what anchorpy maps to a
ProgramError), and it changes nothing: not even the fee is charged. Garbage never reaches the bank.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from solders.account_decoder import UiAccountEncoding
from solders.hash import Hash
from solders.pubkey import Pubkey
from solders.rpc.config import (
    RpcSendTransactionConfig,
    RpcSimulateTransactionAccountsConfig,
    RpcSimulateTransactionConfig,
)
from solders.rpc.errors import InvalidParamsMessage, RpcCustomErrorFieldless, SendTransactionPreflightFailureMessage
from solders.rpc.requests import RequestAirdrop, SendVersionedTransaction, SimulateVersionedTransaction
from solders.rpc.responses import (
    GetSignatureStatusesResp,
    RequestAirdropResp,
    SendTransactionResp,
    SimulateTransactionResp,
)
from solders.signature import Signature
from solders.transaction import Transaction, VersionedTransaction
from solders.transaction_status import (
    InstructionErrorCustom,
    TransactionErrorFieldless,
    TransactionErrorInstructionError,
    TransactionErrorInsufficientFundsForRent,
)

from tests.validator.rpc_harness import RpcHarness


def send(rpc: RpcHarness, tx: Transaction, skip_preflight: bool = False) -> str:
    config = RpcSendTransactionConfig(skip_preflight=skip_preflight)
    return rpc.post(SendVersionedTransaction(VersionedTransaction.from_legacy(tx), config).to_json())


def simulate(rpc: RpcHarness, tx: Transaction, config: RpcSimulateTransactionConfig | None = None) -> str:
    versioned = VersionedTransaction.from_legacy(tx)
    return rpc.post(SimulateVersionedTransaction(versioned, config or RpcSimulateTransactionConfig()).to_json())


def with_bad_signature(tx: Transaction) -> Transaction:
    return Transaction.populate(tx.message, [Signature.new_unique()])


def test_send_transaction_returns_the_signature_of_a_committed_transaction(rpc: RpcHarness) -> None:
    payer, target = rpc.funded(), Pubkey.new_unique()
    tx = rpc.transfer_tx(payer, target, 10**9)
    resp = SendTransactionResp.from_json(send(rpc, tx))
    assert isinstance(resp, SendTransactionResp)
    assert resp.value == tx.signatures[0]
    assert rpc.bank.get_balance(target) == 10**9
    assert rpc.store.transaction(tx.signatures[0]) is not None


def test_a_failing_preflight_is_32002_with_err_and_logs_and_charges_nothing(rpc: RpcHarness) -> None:
    payer = rpc.funded(10**9)
    tx = rpc.transfer_tx(payer, Pubkey.new_unique(), 10**12)
    resp = SendTransactionResp.from_json(send(rpc, tx))
    assert isinstance(resp, SendTransactionPreflightFailureMessage)
    assert resp.message == "Transaction simulation failed: Error processing Instruction 0: custom program error: 0x1"
    assert resp.data.err == TransactionErrorInstructionError(0, InstructionErrorCustom(1))
    assert resp.data.logs is not None and any("insufficient lamports" in line for line in resp.data.logs)
    assert rpc.bank.get_balance(payer.pubkey()) == 10**9
    assert rpc.store.transaction(tx.signatures[0]) is None


def test_an_unknown_blockhash_fails_preflight_with_blockhash_not_found(rpc: RpcHarness) -> None:
    tx = rpc.transfer_tx(rpc.funded(), Pubkey.new_unique(), 10**6, blockhash=Hash.new_unique())
    resp = SendTransactionResp.from_json(send(rpc, tx))
    assert isinstance(resp, SendTransactionPreflightFailureMessage)
    assert resp.data.err == TransactionErrorFieldless.BlockhashNotFound
    assert resp.message == "Transaction simulation failed: Blockhash not found"


def test_a_bad_signature_is_32003(rpc: RpcHarness) -> None:
    tx = with_bad_signature(rpc.transfer_tx(rpc.funded(), Pubkey.new_unique(), 10**6))
    resp = SendTransactionResp.from_json(send(rpc, tx))
    assert resp == RpcCustomErrorFieldless.TransactionSignatureVerificationFailure
    assert rpc.store.transaction(tx.signatures[0]) is None


def test_sending_the_same_transaction_twice_fails_preflight_with_already_processed(rpc: RpcHarness) -> None:
    payer, target = rpc.funded(), Pubkey.new_unique()
    tx = rpc.transfer_tx(payer, target, 10**9)
    assert isinstance(SendTransactionResp.from_json(send(rpc, tx)), SendTransactionResp)
    resp = SendTransactionResp.from_json(send(rpc, tx))
    assert isinstance(resp, SendTransactionPreflightFailureMessage)
    assert resp.data.err == TransactionErrorFieldless.AlreadyProcessed
    assert rpc.bank.get_balance(target) == 10**9


def test_skip_preflight_commits_a_failing_transaction_which_pays_its_fee(rpc: RpcHarness) -> None:
    payer = rpc.funded(10**9)
    tx = rpc.transfer_tx(payer, Pubkey.new_unique(), 10**12)
    resp = SendTransactionResp.from_json(send(rpc, tx, skip_preflight=True))
    assert isinstance(resp, SendTransactionResp) and resp.value == tx.signatures[0]
    assert rpc.bank.get_balance(payer.pubkey()) == 10**9 - 5000
    statuses = GetSignatureStatusesResp.from_json(rpc.call("getSignatureStatuses", [str(tx.signatures[0])]))
    assert isinstance(statuses, GetSignatureStatusesResp) and statuses.value[0] is not None
    assert statuses.value[0].err == TransactionErrorInstructionError(0, InstructionErrorCustom(1))


def test_skip_preflight_drops_a_transaction_on_an_unknown_blockhash(rpc: RpcHarness) -> None:
    tx = rpc.transfer_tx(rpc.funded(), Pubkey.new_unique(), 10**6, blockhash=Hash.new_unique())
    resp = SendTransactionResp.from_json(send(rpc, tx, skip_preflight=True))
    assert isinstance(resp, SendTransactionResp) and resp.value == tx.signatures[0]
    statuses = GetSignatureStatusesResp.from_json(rpc.call("getSignatureStatuses", [str(tx.signatures[0])]))
    assert isinstance(statuses, GetSignatureStatusesResp) and statuses.value == [None]


def _garbage_bodies(rpc: RpcHarness) -> list[list[object]]:
    wire = bytes(VersionedTransaction.from_legacy(rpc.transfer_tx(rpc.funded(), Pubkey.new_unique(), 1)))
    return [
        ["AAAA", {"encoding": "base64"}],
        ["not base64 at all", {"encoding": "base64"}],
        [base64.b64encode(wire[:-3]).decode(), {"encoding": "base64"}],
        [base64.b64encode(wire).decode()],  # base64 text without the encoding: Agave reads base58
        [base64.b64encode(bytes(1300)).decode(), {"encoding": "base64"}],
        ["A" * 5000, {"encoding": "base64"}],
        [base64.b64encode(wire).decode(), {"encoding": "json"}],
        [base64.b64encode(wire).decode(), {"encoding": "yaml"}],
        [12345],
        [],
    ]


def test_garbage_transactions_are_invalid_params_and_change_no_account(rpc: RpcHarness) -> None:
    bodies = _garbage_bodies(rpc)
    before = dict(rpc.store.accounts())
    for params in bodies:
        for method in ("sendTransaction", "simulateTransaction"):
            resp = SendTransactionResp.from_json(rpc.call(method, *params))
            assert isinstance(resp, InvalidParamsMessage), (method, params, resp)
    assert dict(rpc.store.accounts()) == before


def test_simulate_reports_the_post_state_of_requested_accounts_without_committing(rpc: RpcHarness) -> None:
    payer, target = rpc.funded(), Pubkey.new_unique()
    tx = rpc.transfer_tx(payer, target, 10**9)
    config = RpcSimulateTransactionConfig(
        sig_verify=True, accounts=RpcSimulateTransactionAccountsConfig([target], UiAccountEncoding.Base64)
    )
    resp = SimulateTransactionResp.from_json(simulate(rpc, tx, config))
    assert isinstance(resp, SimulateTransactionResp)
    assert resp.value.err is None
    assert resp.value.logs == [f"Program {Pubkey.default()} invoke [1]", f"Program {Pubkey.default()} success"]
    assert resp.value.accounts is not None and resp.value.accounts[0] is not None
    assert resp.value.accounts[0].lamports == 10**9
    assert rpc.bank.get_balance(target) == 0


def test_a_failing_simulation_is_a_result_not_an_error(rpc: RpcHarness) -> None:
    tx = rpc.transfer_tx(rpc.funded(10**9), Pubkey.new_unique(), 10**12)
    resp = SimulateTransactionResp.from_json(simulate(rpc, tx))
    assert isinstance(resp, SimulateTransactionResp)
    assert resp.value.err == TransactionErrorInstructionError(0, InstructionErrorCustom(1))


def test_simulate_can_replace_a_stale_blockhash(rpc: RpcHarness) -> None:
    tx = rpc.transfer_tx(rpc.funded(), Pubkey.new_unique(), 10**9, blockhash=Hash.new_unique())
    plain = SimulateTransactionResp.from_json(simulate(rpc, tx))
    assert (
        isinstance(plain, SimulateTransactionResp) and plain.value.err == TransactionErrorFieldless.BlockhashNotFound
    )
    body = simulate(rpc, tx, RpcSimulateTransactionConfig(replace_recent_blockhash=True))
    replaced = SimulateTransactionResp.from_json(body)
    assert isinstance(replaced, SimulateTransactionResp) and replaced.value.err is None
    # solders 0.26 drops replacementBlockhash when parsing, so it is read from the JSON
    replacement = json.loads(body)["result"]["value"]["replacementBlockhash"]
    assert replacement["blockhash"] == str(rpc.bank.latest_blockhash())


def test_simulate_with_sig_verify_rejects_a_bad_signature(rpc: RpcHarness) -> None:
    tx = with_bad_signature(rpc.transfer_tx(rpc.funded(), Pubkey.new_unique(), 1))
    resp = SimulateTransactionResp.from_json(simulate(rpc, tx, RpcSimulateTransactionConfig(sig_verify=True)))
    assert resp == RpcCustomErrorFieldless.TransactionSignatureVerificationFailure
    unverified = SimulateTransactionResp.from_json(simulate(rpc, tx))
    assert isinstance(unverified, SimulateTransactionResp)


def test_simulate_refuses_sig_verify_with_replace_recent_blockhash(rpc: RpcHarness) -> None:
    tx = rpc.transfer_tx(rpc.funded(), Pubkey.new_unique(), 1)
    config = RpcSimulateTransactionConfig(sig_verify=True, replace_recent_blockhash=True)
    assert isinstance(SimulateTransactionResp.from_json(simulate(rpc, tx, config)), InvalidParamsMessage)


def test_request_airdrop_funds_the_account(rpc: RpcHarness) -> None:
    target = Pubkey.new_unique()
    resp = RequestAirdropResp.from_json(rpc.post(RequestAirdrop(target, 2 * 10**9).to_json()))
    assert isinstance(resp, RequestAirdropResp)
    assert rpc.bank.get_balance(target) == 2 * 10**9
    assert rpc.store.transaction(resp.value) is not None


def test_an_airdrop_below_rent_exemption_lands_as_a_failed_transaction(rpc: RpcHarness) -> None:
    target = Pubkey.new_unique()
    resp = RequestAirdropResp.from_json(rpc.post(RequestAirdrop(target, 1).to_json()))
    assert isinstance(resp, RequestAirdropResp)
    record = rpc.store.transaction(resp.value)
    assert record is not None and record.result.err == TransactionErrorInsufficientFundsForRent(1)
    assert rpc.bank.get_balance(target) == 0


@pytest.mark.parametrize("params", [["x", 5], [str(Pubkey.new_unique()), -1], [str(Pubkey.new_unique()), "5"]])
def test_a_malformed_airdrop_is_invalid_params(rpc: RpcHarness, params: list[object]) -> None:
    assert isinstance(RequestAirdropResp.from_json(rpc.call("requestAirdrop", *params)), InvalidParamsMessage)


@pytest.mark.parametrize("skip_preflight", [False, True])
def test_a_transaction_resent_after_a_restart_is_not_applied_twice(tmp_path: Path, skip_preflight: bool) -> None:
    before = RpcHarness(tmp_path)
    payer, target = before.funded(), Pubkey.new_unique()
    tx = before.transfer_tx(payer, target, 10**9)
    assert isinstance(SendTransactionResp.from_json(send(before, tx)), SendTransactionResp)
    before.close()

    after = RpcHarness(tmp_path)  # a fresh bank over the same ledger: its status cache starts empty
    try:
        resp = SendTransactionResp.from_json(send(after, tx, skip_preflight=skip_preflight))
        if skip_preflight:
            assert isinstance(resp, SendTransactionResp)
        else:
            assert isinstance(resp, SendTransactionPreflightFailureMessage)
            assert resp.data.err == TransactionErrorFieldless.AlreadyProcessed
        assert after.bank.get_balance(target) == 10**9
    finally:
        after.close()
