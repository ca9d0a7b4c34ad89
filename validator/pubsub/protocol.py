"""JSON-RPC 2.0 framing of the websocket messages: requests in, replies out, framed as the HTTP side frames them.

A message is one call or a batch (an array, answered by an array in order). A call without ``id``
is a notification and gets no reply. A message that is not JSON is a parse error; a call that is
not well formed is an invalid request, answered with its ``id`` when it has a usable one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from validator.rpc.errors import RpcError

RequestId = int | str | None


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    params: object
    id: RequestId
    expects_reply: bool


@dataclass(frozen=True, slots=True)
class RejectedCall:
    """A malformed call: answered with ``error`` (never dropped, even without an id)."""

    id: RequestId
    error: RpcError


Call = Request | RejectedCall


@dataclass(frozen=True, slots=True)
class ParsedMessage:
    calls: list[Call]
    is_batch: bool


def parse_message(raw: str | bytes) -> ParsedMessage | RejectedCall:
    """The calls of one websocket message, or the single error that answers the whole message."""
    try:
        value = json.loads(raw.decode() if isinstance(raw, bytes) else raw)
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return RejectedCall(None, RpcError.parse_error())
    if not isinstance(value, list):
        return ParsedMessage([_parse_call(value)], is_batch=False)
    if not value:
        return RejectedCall(None, RpcError.invalid_request())
    return ParsedMessage([_parse_call(entry) for entry in value], is_batch=True)


def result_reply(request_id: RequestId, result: object) -> dict[str, object]:
    return {"jsonrpc": "2.0", "result": result, "id": request_id}


def error_reply(request_id: RequestId, error: RpcError) -> dict[str, object]:
    return {"jsonrpc": "2.0", "error": error.to_json(), "id": request_id}


def encode(reply: dict[str, object] | list[dict[str, object]]) -> str:
    return json.dumps(reply, separators=(",", ":"))


def _parse_call(value: object) -> Call:
    if not isinstance(value, dict):
        return RejectedCall(None, RpcError.invalid_request())
    expects_reply = "id" in value
    request_id = value.get("id")
    if isinstance(request_id, bool) or not isinstance(request_id, str | int | None):
        return RejectedCall(None, RpcError.invalid_request())
    method, params = value.get("method"), value.get("params")
    if not isinstance(method, str) or value.get("jsonrpc", "2.0") != "2.0":
        return RejectedCall(request_id, RpcError.invalid_request())
    if params is not None and not isinstance(params, list | dict):
        return RejectedCall(request_id, RpcError.invalid_request())
    return Request(method, params, request_id, expects_reply)
