"""The HTTP side of the validator: JSON-RPC over POST, ``GET /health``, with Agave's transport rules.

Agave's transport (jsonrpc-http-server) answers every JSON-RPC error with HTTP 200, because
solana-py turns any other status into an exception that loses the error object. Only transport
faults get another status, with Agave's plain-text bodies: 413 past the 50 kB body limit, 415 for
a body that is not ``application/json``, 400 for one that is not UTF-8. Bodies are not inflated by
aiohttp (anchorpy labels plain bodies ``gzip``); :func:`validator.encoding.request_body` does it.

Requests are answered on a small pool of worker threads (the bank is thread-safe), not on the event
loop: a request that encodes megabytes of account data then delays only itself, while the loop keeps
accepting and answering other connections and PubSub keeps delivering. Each answer is bounded by
:class:`~validator.rpc.limits.RpcLimits`, so the memory in flight is at most ``RPC_WORKERS`` times
``--rpc-max-response-bytes``.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from aiohttp import web

from validator.encoding import BodyTooLarge, request_body
from validator.rpc.context import RpcContext
from validator.rpc.dispatch import answer_body
from validator.rpc.limits import DEFAULT_RPC_LIMITS, RpcLimits

__all__ = ["MAX_REQUEST_BODY_SIZE", "RPC_WORKERS", "RpcServer", "build_app"]

MAX_REQUEST_BODY_SIZE = 50 * 1024  # Agave's MAX_REQUEST_BODY_SIZE
RPC_WORKERS = 4


@dataclass(frozen=True)
class _Answerer:
    """Answers request bodies on the worker threads."""

    ctx: RpcContext
    limits: RpcLimits
    workers: ThreadPoolExecutor

    async def answer(self, text: str) -> list[bytes] | None:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.workers, answer_body, self.ctx, text, self.limits)


_ANSWERER_KEY = web.AppKey("rpc_answerer", _Answerer)
_TOO_LARGE = "request body size exceeds allowed maximum"
_NOT_JSON = "Supplied content type is not allowed. Content-Type: application/json is required"


async def _handle_rpc(request: web.Request) -> web.StreamResponse:
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
    chunks = await request.app[_ANSWERER_KEY].answer(text)
    if chunks is None:  # only notifications: nothing to answer
        return web.Response(status=200)
    if len(chunks) == 1:
        return web.Response(body=chunks[0], content_type="application/json")
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    response.content_length = sum(len(chunk) for chunk in chunks)
    await response.prepare(request)
    chunks.reverse()
    while chunks:  # each chunk is released once written
        await response.write(chunks.pop())
    await response.write_eof()
    return response


async def _handle_health(request: web.Request) -> web.Response:
    return web.Response(text="ok")


def build_app(ctx: RpcContext, limits: RpcLimits, workers: ThreadPoolExecutor) -> web.Application:
    """The aiohttp application; run it with ``AppRunner(app, auto_decompress=False)`` (see :class:`RpcServer`)."""
    app = web.Application(client_max_size=MAX_REQUEST_BODY_SIZE)
    app[_ANSWERER_KEY] = _Answerer(ctx, limits, workers)
    app.router.add_get("/health", _handle_health)
    app.router.add_post("/{path:.*}", _handle_rpc)
    return app


class RpcServer:
    """The JSON-RPC HTTP server on one host and port, answering within ``limits``."""

    def __init__(self, ctx: RpcContext, limits: RpcLimits = DEFAULT_RPC_LIMITS) -> None:
        self._workers = ThreadPoolExecutor(RPC_WORKERS, thread_name_prefix="rpc")
        self._runner = web.AppRunner(build_app(ctx, limits, self._workers), auto_decompress=False, access_log=None)

    async def start(self, host: str, port: int) -> None:
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()

    @property
    def port(self) -> int:
        """The bound port (the ephemeral one when started with port 0)."""
        return int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        await self._runner.cleanup()
        self._workers.shutdown(wait=True, cancel_futures=True)
