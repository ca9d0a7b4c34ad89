"""The validator's bounds on one JSON-RPC request: Agave's 100 keys per getMultipleAccounts, this server's cap on
calls per batch and on the bytes of an answer (account data past it is never encoded).

A 4.5 kB batch of 32 ``getAccountInfo`` on a 10 MiB account once made a 447 MB response and a 1.57 GB peak.
Memory is measured with tracemalloc against generous bounds, never with timings.
"""

from __future__ import annotations

import json
import tracemalloc

from solders.account import Account
from solders.pubkey import Pubkey

from tests.validator.rpc_harness import RpcHarness
from validator.rpc.dispatch import answer_body
from validator.rpc.limits import DEFAULT_RPC_LIMITS, RpcLimits

MIB = 1024 * 1024


def big_account(rpc: RpcHarness, size: int) -> Pubkey:
    key = Pubkey.new_unique()
    rpc.bank.set_account(key, Account(10**12, bytes(range(256)) * (size // 256), Pubkey.new_unique()))
    return key


def call(method: str, *params: object, request_id: int = 0) -> dict[str, object]:
    return {"jsonrpc": "2.0", "id": request_id, "method": method, "params": list(params)}


def answer(rpc: RpcHarness, body: object, limits: RpcLimits) -> tuple[object, int]:
    """The parsed answer and its size in bytes."""
    chunks = answer_body(rpc.ctx, json.dumps(body), limits)
    assert chunks is not None
    text = b"".join(chunks)
    return json.loads(text), len(text)


def error_of(response: object) -> tuple[int, str]:
    assert isinstance(response, dict) and "error" in response, response
    return response["error"]["code"], response["error"]["message"]


def test_get_multiple_accounts_takes_at_most_100_keys_as_agave(rpc: RpcHarness) -> None:
    keys = [str(Pubkey.new_unique()) for _ in range(101)]
    assert rpc.error("getMultipleAccounts", keys) == {"code": -32602, "message": "Too many inputs provided; max 100"}
    assert len(rpc.result("getMultipleAccounts", keys[:100])["value"]) == 100


def test_a_batch_over_the_cap_is_one_error_and_none_of_its_calls_runs(rpc: RpcHarness) -> None:
    target = Pubkey.new_unique()
    airdrops = [call("requestAirdrop", str(target), 10**9, request_id=n) for n in range(3)]
    response, _ = answer(rpc, airdrops, RpcLimits(max_batch_requests=2))
    code, message = error_of(response)
    assert code == -32600 and "Too many requests in one batch: 3" in message and "--rpc-max-batch-requests" in message
    assert rpc.bank.get_balance(target) == 0
    answers, _ = answer(rpc, airdrops[:2], RpcLimits(max_batch_requests=2))
    assert isinstance(answers, list) and all("result" in item for item in answers)


def test_a_batch_that_would_exceed_the_response_limit_gets_errors_not_a_huge_response(rpc: RpcHarness) -> None:
    """The issue's attack, scaled down: 32 reads of a 4 MiB account (5.6 MB each in base64) under a 12 MiB limit."""
    key = big_account(rpc, 4 * MIB)
    batch = [call("getAccountInfo", str(key), {"encoding": "base64"}, request_id=n) for n in range(32)]
    limit = 12 * MIB
    tracemalloc.start()
    try:
        answers, size = answer(rpc, batch, RpcLimits(max_response_bytes=limit))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert isinstance(answers, list) and [item["id"] for item in answers] == list(range(32))
    assert ["result" in item for item in answers] == [True, True] + [False] * 30
    assert all(error_of(item)[0] == -32600 and "--rpc-max-response-bytes" in error_of(item)[1] for item in answers[2:])
    assert size < limit + 32 * 300  # the answers that fit, and a short error for each of the others
    assert peak < 6 * limit  # unbounded, the 32 answers alone took 180 MB (and the parsed copy above 60 MB more)


def test_one_call_whose_answer_is_too_large_is_refused_and_a_slice_of_it_is_served(rpc: RpcHarness) -> None:
    key = big_account(rpc, 4 * MIB)
    limits = RpcLimits(max_response_bytes=1 * MIB)
    response, size = answer(rpc, call("getMultipleAccounts", [str(key)] * 100, {"encoding": "base64"}), limits)
    assert error_of(response)[0] == -32600 and size < 1_000
    sliced = {"encoding": "base64", "dataSlice": {"offset": 0, "length": 16}}
    response, _ = answer(rpc, call("getMultipleAccounts", [str(key)] * 100, sliced), limits)
    assert isinstance(response, dict) and len(response["result"]["value"]) == 100


def test_the_default_limits_serve_a_10_mib_account_whole(rpc: RpcHarness) -> None:
    key = big_account(rpc, 10 * MIB)
    response, size = answer(rpc, call("getAccountInfo", str(key), {"encoding": "base64+zstd"}), DEFAULT_RPC_LIMITS)
    assert isinstance(response, dict) and response["result"]["value"]["space"] == 10 * MIB
    assert size > 10 * MIB
