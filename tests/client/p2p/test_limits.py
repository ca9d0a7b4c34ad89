"""What one peer can cost a download: bounded bytes (declared or streamed), bounded slowness, no redirects."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from solders.keypair import Keypair

from client.p2p import BlobUnavailable, P2PNode, PeerAnnouncement
from client.p2p.limits import DownloadLimits, DownloadRefused, read_body

pytestmark = pytest.mark.asyncio

LIMITS = DownloadLimits(timeout=5, grace=0.3, min_bytes_per_sec=1000)
MAX_BYTES = 64 * 1024


class Peer:
    """A misbehaving peer's HTTP server; ``hits`` counts the requests each route received."""

    def __init__(self) -> None:
        self.hits: dict[str, int] = {}
        self.streamed = 0
        self.url = ""

    async def declared(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": str(1 << 30)})
        await response.prepare(request)
        await response.write(bytes(1024))
        return response

    async def endless(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for _ in range(1 << 14):  # up to 1 GiB in 64 kB pieces, unless the reader hangs up
            await response.write(bytes(1 << 16))
            self.streamed += 1 << 16
        return response

    async def slow(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": "100"})
        await response.prepare(request)
        for _ in range(100):
            await response.write(b"x")
            await asyncio.sleep(0.05)  # 20 bytes/s, under the 1000 allowed
        return response

    async def redirect(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPTemporaryRedirect(f"{self.url}/sink")

    async def sink(self, request: web.Request) -> web.StreamResponse:
        return web.Response(body=b"followed")

    def app(self) -> web.Application:
        @web.middleware
        async def count(request: web.Request, handler: object) -> web.StreamResponse:
            self.hits[request.path] = self.hits.get(request.path, 0) + 1
            return await handler(request)  # type: ignore[operator]

        app = web.Application(middlewares=[count])
        app.add_routes(
            [
                web.get("/declared", self.declared),
                web.get("/endless", self.endless),
                web.get("/slow", self.slow),
                web.get("/blobs/{digest}", self.redirect),
                web.get("/sink", self.sink),
            ]
        )
        return app


@pytest_asyncio.fixture
async def peer() -> AsyncIterator[Peer]:
    served = Peer()
    runner = web.AppRunner(served.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    served.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield served
    await runner.cleanup()


async def _read(url: str) -> bytes:
    async with aiohttp.ClientSession() as session, session.get(url, timeout=LIMITS.client_timeout()) as response:
        return await read_body(response, MAX_BYTES, LIMITS)


async def test_a_declared_length_over_the_limit_is_refused_before_reading(peer: Peer) -> None:
    with pytest.raises(DownloadRefused, match="declares 1,073,741,824 bytes"):
        await _read(peer.url + "/declared")


async def test_a_stream_running_past_the_limit_is_cut_off(peer: Peer) -> None:
    with pytest.raises(DownloadRefused, match="more than the 65,536 bytes"):
        await _read(peer.url + "/endless")
    await asyncio.sleep(0.2)
    assert peer.streamed < 64 * MAX_BYTES  # the peer was stopped long before its 1 GiB


async def test_a_transfer_under_the_minimum_rate_is_abandoned(peer: Peer) -> None:
    with pytest.raises(DownloadRefused, match="too slow"):
        await _read(peer.url + "/slow")


async def test_a_blob_request_follows_no_redirect(peer: Peer) -> None:
    key = Keypair()
    node = P2PNode(key, lambda _: True, _take_all, retry_delays=(), limits=LIMITS)
    await node.start()
    try:
        liar = Keypair()
        node.peers.offer(PeerAnnouncement(liar.pubkey(), peer.url, 1).signed(liar))
        with pytest.raises(BlobUnavailable):
            await node.fetch_blob("ab" * 32, [liar.pubkey()], "x", MAX_BYTES)
    finally:
        await node.stop()
    assert peer.hits == {f"/blobs/{'ab' * 32}": 1}  # asked once, redirected, and the redirect not followed


async def _take_all(message: object) -> bool:
    return True
