"""JSON-RPC framing of PubSub messages: calls, batches, notifications and malformed input."""

from __future__ import annotations

import pytest

from validator.pubsub.protocol import ParsedMessage, RejectedCall, Request, encode, error_reply, parse_message
from validator.rpc.errors import RpcError, RpcErrorCode


def test_a_call() -> None:
    parsed = parse_message('{"jsonrpc":"2.0","id":3,"method":"accountSubscribe","params":["k"]}')
    assert parsed == ParsedMessage([Request("accountSubscribe", ["k"], 3, expects_reply=True)], is_batch=False)


def test_a_call_without_id_is_a_notification_that_expects_no_reply() -> None:
    parsed = parse_message(b'{"jsonrpc":"2.0","method":"slotSubscribe"}')
    assert parsed == ParsedMessage([Request("slotSubscribe", None, None, expects_reply=False)], is_batch=False)


def test_a_batch_keeps_its_order_and_answers_malformed_calls_with_their_id() -> None:
    parsed = parse_message('[{"jsonrpc":"2.0","id":1,"method":"a"}, 7, {"jsonrpc":"2.0","id":"x","method":5}]')
    assert isinstance(parsed, ParsedMessage) and parsed.is_batch
    first, second, third = parsed.calls
    assert first == Request("a", None, 1, expects_reply=True)
    assert isinstance(second, RejectedCall) and second.id is None
    assert second.error.code is RpcErrorCode.INVALID_REQUEST
    assert isinstance(third, RejectedCall) and third.id == "x"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{", RpcErrorCode.PARSE_ERROR),
        (b"\xff\xfe", RpcErrorCode.PARSE_ERROR),
        ("[" * 100_000, RpcErrorCode.PARSE_ERROR),
        ("[]", RpcErrorCode.INVALID_REQUEST),
    ],
)
def test_a_message_that_is_not_json_or_an_empty_batch_is_answered_once(raw: str | bytes, code: RpcErrorCode) -> None:
    parsed = parse_message(raw)
    assert isinstance(parsed, RejectedCall) and parsed.id is None and parsed.error.code is code


@pytest.mark.parametrize(
    ("raw", "answered_id"),
    [
        ("42", None),
        ('{"jsonrpc":"1.0","id":1,"method":"a"}', 1),
        ('{"jsonrpc":"2.0","id":2,"method":5}', 2),
        ('{"jsonrpc":"2.0","id":3,"method":"a","params":"x"}', 3),
        ('{"jsonrpc":"2.0","id":true,"method":"a"}', None),
        ('{"jsonrpc":"2.0","id":1.5,"method":"a"}', None),
    ],
)
def test_a_malformed_call_is_an_invalid_request(raw: str, answered_id: int | None) -> None:
    parsed = parse_message(raw)
    assert isinstance(parsed, ParsedMessage)
    (call,) = parsed.calls
    assert isinstance(call, RejectedCall) and call.id == answered_id
    assert call.error.code is RpcErrorCode.INVALID_REQUEST


def test_replies_are_compact_json_rpc() -> None:
    assert encode(error_reply(None, RpcError.method_not_found())) == (
        '{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":null}'
    )
