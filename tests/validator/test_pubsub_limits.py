"""PubSub subscription caps, per connection and per node, and the memory a closed socket gives back.

One socket once held 200,000 subscriptions (+130 MB, 64 MB still held after it closed). Memory is measured with
tracemalloc against generous bounds and the registry's own count, never with timings.
"""

from __future__ import annotations

import asyncio
import gc
import json
import tracemalloc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from solders.pubkey import Pubkey
from websockets.asyncio.client import ClientConnection, connect

from emulator import Bank, InMemoryLedgerStore
from validator.notifications import NotifyingLedgerStore
from validator.pubsub import PubSubServer
from validator.pubsub.limits import SubscriptionLimits

pytestmark = pytest.mark.asyncio

RECV_TIMEOUT_S = 10  # a guard against a hung test, not a timing assertion


@asynccontextmanager
async def running_server(limits: SubscriptionLimits) -> AsyncIterator[PubSubServer]:
    feed = NotifyingLedgerStore(InMemoryLedgerStore())
    server = PubSubServer(Bank(programs=[], ledger=feed), feed, lambda commitment: 0, limits=limits)
    await server.start("127.0.0.1", 0)
    try:
        yield server
    finally:
        await server.stop()


def url(server: PubSubServer) -> str:
    return f"ws://127.0.0.1:{server.port}"


def account_subscribe(request_id: int, key: Pubkey) -> dict[str, object]:
    return {"jsonrpc": "2.0", "id": request_id, "method": "accountSubscribe", "params": [str(key)]}


async def exchange(ws: ClientConnection, calls: list[dict[str, object]]) -> list[dict[str, object]]:
    """Send a batch of calls and read its replies."""
    await ws.send(json.dumps(calls))
    replies = json.loads(await asyncio.wait_for(ws.recv(), RECV_TIMEOUT_S))
    assert isinstance(replies, list)
    return replies


def outcome(reply: dict[str, object]) -> str:
    if "result" in reply:
        return "ok"
    error = reply["error"]
    assert isinstance(error, dict) and error["code"] == -32603, reply
    return str(error["message"])


CONNECTION_FULL = "Internal Error: Subscription refused. Connection subscription limit reached (3 per connection)"
NODE_FULL = "Internal Error: Subscription refused. Node subscription limit reached"


async def test_subscription_caps_per_connection_and_per_node_hold_with_a_json_rpc_error() -> None:
    limits = SubscriptionLimits(max_active=5, max_per_connection=3)
    async with running_server(limits) as server, connect(url(server)) as first, connect(url(server)) as second:
        keys = [Pubkey.new_unique() for _ in range(4)]
        replies = await exchange(first, [account_subscribe(n, key) for n, key in enumerate(keys)])
        assert [outcome(reply) for reply in replies] == ["ok", "ok", "ok", CONNECTION_FULL]
        replies = await exchange(second, [account_subscribe(n, key) for n, key in enumerate(keys[:3])])
        assert [outcome(reply) for reply in replies] == ["ok", "ok", NODE_FULL]
        assert server.subscription_count == 5

        unsubscribe = {"jsonrpc": "2.0", "id": 9, "method": "accountUnsubscribe", "params": [replies[0]["result"]]}
        assert [outcome(reply) for reply in await exchange(second, [unsubscribe])] == ["ok"]
        replies = await exchange(second, [account_subscribe(10, keys[3])])
        assert [outcome(reply) for reply in replies] == ["ok"]


async def wait_until_no_subscriptions(server: PubSubServer) -> None:
    """The server notices closed sockets on its own loop; wait for that (guarded, not timed)."""
    async with asyncio.timeout(RECV_TIMEOUT_S):
        while server.subscription_count:
            await asyncio.sleep(0.01)


async def test_closing_sockets_drops_their_subscriptions_and_gives_their_memory_back() -> None:
    connections, per_connection = 5, 1_000
    async with running_server(SubscriptionLimits(max_per_connection=per_connection)) as server:
        gc.collect()
        tracemalloc.start()
        try:
            baseline = tracemalloc.get_traced_memory()[0]
            sockets = [await connect(url(server), max_size=None) for _ in range(connections)]
            for ws in sockets:
                batch = [account_subscribe(n, Pubkey.new_unique()) for n in range(per_connection)]
                assert all(outcome(reply) == "ok" for reply in await exchange(ws, batch))
            assert server.subscription_count == connections * per_connection
            gc.collect()
            held = tracemalloc.get_traced_memory()[0] - baseline
            for ws in sockets:
                await ws.close()
            await wait_until_no_subscriptions(server)
            del sockets, ws, batch
            gc.collect()
            left = tracemalloc.get_traced_memory()[0] - baseline
        finally:
            tracemalloc.stop()
    assert held > 1_000_000, held  # about 5,000 subscriptions' worth
    assert left < held / 5, (held, left)
