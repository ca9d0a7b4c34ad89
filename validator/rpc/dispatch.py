"""JSON-RPC 2.0 over one request body: single calls, batches (answered in order), notifications.

Every failure becomes a JSON-RPC error object, never an exception out of here: malformed JSON is
-32700, a malformed call -32600, an unknown method -32601, bad params -32602, and a bug in a
handler -32603 (logged with its traceback). A request is answered within :class:`RpcLimits`
(a batch too long, or an answer too large, is -32600; see :mod:`validator.rpc.limits`).
"""

from __future__ import annotations

import json
import logging

from validator.response_budget import ResponseTooLarge, response_budget
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
from validator.rpc.limits import DEFAULT_RPC_LIMITS, RpcLimits, batch_too_large, response_too_large
from validator.rpc.method import Method
from validator.rpc.params import Params

__all__ = ["METHODS", "answer_body", "handle_body"]

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
    except ResponseTooLarge as exc:
        return response_too_large(exc.limit)
    except Exception:
        log.exception("method %s failed on params %.200r", name, raw_params)
        return RpcError.internal_error()


def _serialized(response: object) -> str:
    return json.dumps(response, separators=(",", ":"))


def _fitted(response: dict[str, object], room: int, limit: int) -> str:
    """``response`` serialized, or the too-large error for its call when it takes more than ``room`` bytes."""
    text = _serialized(response)
    if len(text) > room:
        return _serialized(_error(response.get("id"), response_too_large(limit)))
    return text


def answer_body(ctx: RpcContext, body: str, limits: RpcLimits = DEFAULT_RPC_LIMITS) -> list[bytes] | None:
    """The JSON response to a request body within ``limits``, as chunks to write in order; None when there is
    nothing to answer. A batch's answers are not joined into one more copy: the server writes them one by one."""
    try:
        request = json.loads(body)
    except (ValueError, RecursionError):
        return [_serialized(_error(None, RpcError.parse_error())).encode()]
    limit = limits.max_response_bytes
    if not isinstance(request, list):
        with response_budget(limit):
            response = handle_call(ctx, request)
        return None if response is None else [_fitted(response, limit, limit).encode()]
    if not request:
        return [_serialized(_error(None, RpcError.invalid_request())).encode()]
    if len(request) > limits.max_batch_requests:
        return [_serialized(_error(None, batch_too_large(len(request), limits.max_batch_requests))).encode()]
    chunks: list[bytes] = []
    size = 2  # the brackets
    with response_budget(limit):
        for call in request:
            response = handle_call(ctx, call)
            if response is not None:
                chunks += [b"," if chunks else b"[", _fitted(response, limit - size, limit).encode()]
                size += len(chunks[-1]) + 1
    return [*chunks, b"]"] if chunks else None


def handle_body(ctx: RpcContext, body: str) -> object | None:
    """The JSON response to a request body, as :func:`answer_body` writes it with the default limits, parsed."""
    chunks = answer_body(ctx, body)
    return None if chunks is None else json.loads(b"".join(chunks))
