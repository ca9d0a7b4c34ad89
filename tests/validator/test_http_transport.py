"""The HTTP rules clients depend on: errors in HTTP 200, anchorpy's fake gzip header, Agave's transport faults."""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio

from tests.validator.rpc_harness import RpcHarness
from validator.server import MAX_REQUEST_BODY_SIZE, RpcServer

GET_SLOT = json.dumps({"jsonrpc": "2.0", "id": 0, "method": "getSlot"}).encode()


@pytest_asyncio.fixture
async def url(rpc: RpcHarness) -> AsyncIterator[str]:
    server = RpcServer(rpc.ctx)
    await server.start("127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        await server.stop()


async def post(url: str, body: bytes, **headers: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session:
        merged = {"Content-Type": "application/json", **headers}
        async with session.post(url, data=body, headers=merged) as response:
            return response.status, await response.text()


@pytest.mark.asyncio
async def test_json_rpc_errors_come_with_http_200(url: str) -> None:
    status, text = await post(url, b'{"jsonrpc":"2.0","id":0,"method":"nope"}')
    assert status == 200
    assert json.loads(text)["error"]["code"] == -32601


@pytest.mark.asyncio
async def test_a_plain_body_labelled_gzip_is_read_as_plain(url: str) -> None:
    status, text = await post(url, GET_SLOT, **{"Content-Encoding": "gzip"})
    assert status == 200
    assert json.loads(text)["result"] == 0


@pytest.mark.asyncio
async def test_a_gzipped_body_is_inflated(url: str) -> None:
    status, text = await post(url, gzip.compress(GET_SLOT), **{"Content-Encoding": "gzip"})
    assert status == 200
    assert json.loads(text)["result"] == 0


@pytest.mark.asyncio
async def test_bodies_past_50_kb_are_413_even_when_they_only_inflate_past_it(url: str) -> None:
    big = b" " * (MAX_REQUEST_BODY_SIZE + 1)
    for body, headers in ((big, {}), (gzip.compress(big + GET_SLOT), {"Content-Encoding": "gzip"})):
        status, text = await post(url, body, **headers)
        assert (status, text) == (413, "request body size exceeds allowed maximum")


@pytest.mark.asyncio
async def test_a_body_that_is_not_json_typed_is_415(url: str) -> None:
    status, _ = await post(url, GET_SLOT, **{"Content-Type": "text/plain"})
    assert status == 415


@pytest.mark.asyncio
async def test_a_body_that_is_not_utf8_is_400(url: str) -> None:
    status, text = await post(url, b'{"jsonrpc":"2.0","id":0,"method":"\xff"}')
    assert status == 400
    assert "utf-8" in text


@pytest.mark.asyncio
async def test_get_health_is_ok(url: str) -> None:
    async with aiohttp.ClientSession() as session, session.get(f"{url}/health") as response:
        assert (response.status, await response.text()) == (200, "ok")


@pytest.mark.asyncio
async def test_a_notification_gets_an_empty_200(url: str) -> None:
    assert await post(url, b'{"jsonrpc":"2.0","method":"getSlot"}') == (200, "")
