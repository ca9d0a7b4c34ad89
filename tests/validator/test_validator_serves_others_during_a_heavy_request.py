"""One client's heavy request does not stall the others: requests are answered off the event loop, within limits.

Counting what another connection got done while the heavy request was in flight is an ordering check, not a
timing one: answered on the event loop (as before), the heavy request would let at most the one small request
already in flight through before it finished.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio
from solders.account import Account
from solders.pubkey import Pubkey

from tests.validator.rpc_harness import RpcHarness
from validator.rpc.limits import RpcLimits
from validator.server import RpcServer

pytestmark = pytest.mark.asyncio

MIB = 1024 * 1024
LIMIT = 8 * MIB


@pytest_asyncio.fixture
async def url(rpc: RpcHarness) -> AsyncIterator[str]:
    server = RpcServer(rpc.ctx, RpcLimits(max_response_bytes=LIMIT))
    await server.start("127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        await server.stop()


def body(calls: object) -> bytes:
    return json.dumps(calls).encode()


async def post(session: aiohttp.ClientSession, url: str, data: bytes) -> tuple[int, object]:
    async with session.post(url, data=data, headers={"Content-Type": "application/json"}) as response:
        return response.status, json.loads(await response.read())


def ten_mib_account(rpc: RpcHarness) -> Pubkey:
    key = Pubkey.new_unique()
    rpc.bank.set_account(key, Account(10**12, bytes(10 * MIB), Pubkey.new_unique()))
    return key


async def test_other_connections_are_served_while_a_heavy_request_is_answered(url: str, rpc: RpcHarness) -> None:
    key = ten_mib_account(rpc)
    # 100 reads of a 10 MiB account: a gigabyte of copying for a 4.5 kB request with an empty answer per account.
    sliced = {"encoding": "base64", "dataSlice": {"offset": 0, "length": 0}}
    heavy = body({"jsonrpc": "2.0", "id": 0, "method": "getMultipleAccounts", "params": [[str(key)] * 100, sliced]})
    small = body({"jsonrpc": "2.0", "id": 0, "method": "getSlot"})
    async with aiohttp.ClientSession() as heavy_session, aiohttp.ClientSession() as small_session:
        heavy_task = asyncio.create_task(post(heavy_session, url, heavy))
        await asyncio.sleep(0)  # the heavy request is on its way first
        served_meanwhile = 0
        while not heavy_task.done():
            status, answer = await post(small_session, url, small)
            assert status == 200 and isinstance(answer, dict) and "result" in answer
            served_meanwhile += 1 if not heavy_task.done() else 0
        status, answer = await heavy_task
    assert status == 200 and isinstance(answer, dict) and len(answer["result"]["value"]) == 100
    assert served_meanwhile >= 3, served_meanwhile


async def test_over_http_a_batch_past_the_response_limit_is_answered_with_errors_in_http_200(
    url: str, rpc: RpcHarness
) -> None:
    key = ten_mib_account(rpc)
    batch = [
        {"jsonrpc": "2.0", "id": n, "method": "getAccountInfo", "params": [str(key), {"encoding": "base64"}]}
        for n in range(32)
    ]
    async with aiohttp.ClientSession() as session:
        status, answers = await post(session, url, body(batch))
    assert status == 200 and isinstance(answers, list) and len(answers) == 32
    assert all(item["error"]["code"] == -32600 for item in answers)  # one 10 MiB account is 14 MB > 8 MiB
