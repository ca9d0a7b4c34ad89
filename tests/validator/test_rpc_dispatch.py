"""The JSON-RPC envelope: malformed bodies, unknown methods, wrong params, batches and notifications."""

from __future__ import annotations

import json

import pytest
from solders.rpc.errors import InvalidParamsMessage, InvalidRequestMessage, MethodNotFoundMessage, ParseErrorMessage
from solders.rpc.requests import GetBlockHeight, GetSlot, batch_to_json
from solders.rpc.responses import GetBlockHeightResp, GetSlotResp, batch_from_json

from tests.validator.rpc_harness import RpcHarness
from validator.rpc.dispatch import METHODS
from validator.rpc.errors import RpcErrorCode


@pytest.mark.parametrize("body", ["{", "not json", '{"jsonrpc":"2.0","method":', "[" * 100_000])
def test_malformed_json_is_a_parse_error_with_a_null_id(rpc: RpcHarness, body: str) -> None:
    response = json.loads(rpc.post(body))
    assert response["id"] is None
    assert isinstance(GetSlotResp.from_json(json.dumps(response)), ParseErrorMessage)


@pytest.mark.parametrize(
    "call",
    [
        5,
        "getSlot",
        {"jsonrpc": "2.0", "id": 1},
        {"jsonrpc": "1.0", "id": 1, "method": "getSlot"},
        {"jsonrpc": "2.0", "id": 1, "method": 7},
        {"jsonrpc": "2.0", "id": [1], "method": "getSlot"},
    ],
)
def test_a_malformed_call_is_an_invalid_request(rpc: RpcHarness, call: object) -> None:
    assert isinstance(GetSlotResp.from_json(rpc.post(json.dumps(call))), InvalidRequestMessage)


def test_an_unknown_method_is_method_not_found_with_the_request_id(rpc: RpcHarness) -> None:
    response = json.loads(rpc.post(json.dumps({"jsonrpc": "2.0", "id": "abc", "method": "getEverything"})))
    assert response["id"] == "abc"
    assert isinstance(GetSlotResp.from_json(json.dumps(response)), MethodNotFoundMessage)


@pytest.mark.parametrize("params", [{"commitment": "finalized"}, [{}, {}, {}], "x", [[1, 2]]])
def test_wrong_params_are_invalid_params(rpc: RpcHarness, params: object) -> None:
    body = json.dumps({"jsonrpc": "2.0", "id": 0, "method": "getSlot", "params": params})
    assert isinstance(GetSlotResp.from_json(rpc.post(body)), InvalidParamsMessage)


def test_every_method_survives_junk_params(rpc: RpcHarness) -> None:
    """Junk is refused as such; a well-formed slot the ledger lacks gets Agave's error for it, never -32603."""
    junk: list[object] = [None, 1, -1, "x", [], {}, [None], {"a": 1}, 2**70, 1.5, True]
    about_slots = {
        RpcErrorCode.BLOCK_CLEANED_UP,
        RpcErrorCode.BLOCK_NOT_AVAILABLE,
        RpcErrorCode.SLOT_SKIPPED,
        RpcErrorCode.NO_SNAPSHOT,
    }
    for name in METHODS:
        for first in junk:
            for second in junk:
                body = json.dumps({"jsonrpc": "2.0", "id": 0, "method": name, "params": [first, second]})
                response = json.loads(rpc.post(body))
                assert "result" in response or response["error"]["code"] in (-32600, -32602, *about_slots), (
                    name,
                    first,
                    second,
                )


def test_a_batch_is_answered_in_order(rpc: RpcHarness) -> None:
    rpc.bank.expire_blockhash()
    body = batch_to_json([GetSlot(), GetBlockHeight()])
    slot, height = batch_from_json(rpc.post(body), [GetSlotResp, GetBlockHeightResp])
    assert isinstance(slot, GetSlotResp) and slot.value == rpc.bank.slot
    assert isinstance(height, GetBlockHeightResp) and height.value == rpc.bank.block_height


def test_a_batch_with_bad_entries_answers_each_one(rpc: RpcHarness) -> None:
    body = json.dumps(
        [{"jsonrpc": "2.0", "id": 1, "method": "getSlot"}, 5, {"jsonrpc": "2.0", "id": 3, "method": "nope"}]
    )
    responses = json.loads(rpc.post(body))
    assert [r.get("id") for r in responses] == [1, None, 3]
    assert "result" in responses[0]
    assert [r["error"]["code"] for r in responses[1:]] == [-32600, -32601]


def test_an_empty_batch_is_an_invalid_request(rpc: RpcHarness) -> None:
    assert isinstance(GetSlotResp.from_json(rpc.post("[]")), InvalidRequestMessage)


def test_notifications_get_no_answer(rpc: RpcHarness) -> None:
    assert rpc.post(json.dumps({"jsonrpc": "2.0", "method": "getSlot"})) == "null"
    assert rpc.post(json.dumps([{"jsonrpc": "2.0", "method": "getSlot"}])) == "null"
