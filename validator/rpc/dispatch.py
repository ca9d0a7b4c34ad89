"""JSON-RPC 2.0 over one request body: single calls, batches (answered in order), notifications.

Every failure becomes a JSON-RPC error object, never an exception out of here: malformed JSON is
-32700, a malformed call -32600, an unknown method -32601, bad params -32602, and a bug in a
handler -32603 (logged with its traceback).
"""

from __future__ import annotations

import json
import logging

from validator.rpc import (
    accounts,
    blocks,
    cluster,
    economics,
    history,
    leaders,
    performance,
    tokens,
    transactions,
)
from validator.rpc.context import RpcContext
from validator.rpc.errors import RpcError
from validator.rpc.method import Method
from validator.rpc.params import Params

__all__ = ["METHODS", "handle_body"]

log = logging.getLogger(__name__)

METHODS: dict[str, Method] = {
    method.name: method
    for module in (accounts, blocks, cluster, economics, history, leaders, performance, tokens, transactions)
    for method in module.METHODS
}

_NO_ID = object()


def _error(request_id: object, error: RpcError) -> dict[str, object]:
    return {"jsonrpc": "2.0", "error": error.to_json(), "id": request_id}


def handle_call(ctx: RpcContext, call: object) -> dict[str, object] | None:
    """The response to one call; None for a notification (a call without an ``id``)."""
    if not isinstance(call, dict):
        return _error(None, RpcError.invalid_request())
    request_id = call.get("id", _NO_ID)
    valid_id = request_id is _NO_ID or request_id is None or isinstance(request_id, str | int)
    if isinstance(request_id, bool) or not valid_id:
        return _error(None, RpcError.invalid_request())
    name = call.get("method")
    if not isinstance(name, str) or call.get("jsonrpc", "2.0") != "2.0":
        return _error(None if request_id is _NO_ID else request_id, RpcError.invalid_request())
    response = _invoke(ctx, name, call.get("params"))
    if request_id is _NO_ID:
        return None
    if isinstance(response, RpcError):
        return _error(request_id, response)
    return {"jsonrpc": "2.0", "result": response, "id": request_id}


def _invoke(ctx: RpcContext, name: str, raw_params: object) -> object:
    """The method's result, or the RpcError it failed with."""
    method = METHODS.get(name)
    if method is None:
        return RpcError.method_not_found()
    try:
        params = Params(raw_params)
        params.limit(method.max_params)
        return method.handler(ctx, params)
    except RpcError as exc:
        return exc
    except Exception:
        log.exception("method %s failed on params %.200r", name, raw_params)
        return RpcError.internal_error()


def handle_body(ctx: RpcContext, body: str) -> object | None:
    """The JSON response to a request body, or None when there is nothing to answer (only notifications)."""
    try:
        request = json.loads(body)
    except (ValueError, RecursionError):
        return _error(None, RpcError.parse_error())
    if not isinstance(request, list):
        return handle_call(ctx, request)
    if not request:
        return _error(None, RpcError.invalid_request())
    responses = [response for call in request if (response := handle_call(ctx, call)) is not None]
    return responses or None
