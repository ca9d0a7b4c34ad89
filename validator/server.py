"""The HTTP side of the validator: JSON-RPC over POST, ``GET /health``, with Agave's transport rules.

Agave's transport (jsonrpc-http-server) answers every JSON-RPC error with HTTP 200, because
solana-py turns any other status into an exception that loses the error object. Only transport
faults get another status, with Agave's plain-text bodies: 413 past the 50 kB body limit, 415 for
a body that is not ``application/json``, 400 for one that is not UTF-8. Bodies are not inflated by
aiohttp (anchorpy labels plain bodies ``gzip``); :func:`validator.encoding.request_body` does it.
"""

from __future__ import annotations

import json

from aiohttp import web

from validator.encoding import BodyTooLarge, request_body
from validator.rpc.context import RpcContext
from validator.rpc.dispatch import handle_body

__all__ = ["MAX_REQUEST_BODY_SIZE", "RpcServer", "build_app"]

MAX_REQUEST_BODY_SIZE = 50 * 1024  # Agave's MAX_REQUEST_BODY_SIZE
_CONTEXT_KEY = web.AppKey("rpc_context", RpcContext)
_TOO_LARGE = "request body size exceeds allowed maximum"
_NOT_JSON = "Supplied content type is not allowed. Content-Type: application/json is required"


async def _handle_rpc(request: web.Request) -> web.Response:
    if request.content_type != "application/json":
        return web.Response(status=415, text=_NOT_JSON)
    if request.content_length is not None and request.content_length > MAX_REQUEST_BODY_SIZE:
        return web.Response(status=413, text=_TOO_LARGE)
    try:
        raw = await request.read()
        body = request_body(raw, request.headers.get("Content-Encoding", ""), MAX_REQUEST_BODY_SIZE)
    except (web.HTTPRequestEntityTooLarge, BodyTooLarge):
        return web.Response(status=413, text=_TOO_LARGE)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return web.Response(status=400, text=f"utf-8 encoding error at byte {exc.start} in request body")
    response = handle_body(request.app[_CONTEXT_KEY], text)
    if response is None:  # only notifications: nothing to answer
        return web.Response(status=200)
    return web.Response(text=json.dumps(response, separators=(",", ":")), content_type="application/json")


async def _handle_health(request: web.Request) -> web.Response:
    return web.Response(text="ok")


def build_app(ctx: RpcContext) -> web.Application:
    """The aiohttp application; run it with ``AppRunner(app, auto_decompress=False)`` (see :class:`RpcServer`)."""
    app = web.Application(client_max_size=MAX_REQUEST_BODY_SIZE)
    app[_CONTEXT_KEY] = ctx
    app.router.add_get("/health", _handle_health)
    app.router.add_post("/{path:.*}", _handle_rpc)
    return app


class RpcServer:
    """The JSON-RPC HTTP server on one host and port."""

    def __init__(self, ctx: RpcContext) -> None:
        self._runner = web.AppRunner(build_app(ctx), auto_decompress=False, access_log=None)

    async def start(self, host: str, port: int) -> None:
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()

    @property
    def port(self) -> int:
        """The bound port (the ephemeral one when started with port 0)."""
        return int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        await self._runner.cleanup()
