"""The coordinator account followed over a ``psyche-validator`` subprocess's PubSub websocket.

A run is created and renamed over JSON-RPC (an ``update`` of its metadata: a change that bumps the account's
nonce). Each test counts the reads the watch makes through its ``fetch``, so "pushed, not read" is checked by
the count staying where it was, and the re-read guard is set far beyond the test's length.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from solders.account import Account
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from client.chain.account_watch import AccountWatch
from client.chain.backend import ChainUnavailable
from client.chain.rpc import RpcBackend
from client.run_accounts import fetch_run
from client.run_owner import RunChanges, apply_changes, create_run
from coordinator_program.state.coordinator_account import CoordinatorAccount, load
from formats.run_config import updated_metadata
from tests.client.cli_harness import closed_port
from validator.process import ValidatorProcess

pytestmark = [pytest.mark.asyncio, pytest.mark.integration]

RUN_ID = "watched"
GUARD_S = 30.0  # a guard against a hung test, not a timing assertion
NEVER_S = 3600.0  # no safety re-read within a test


@dataclass
class WatchedRun:
    """A run on the validator, its owner, and the watch's reads of its coordinator account (counted)."""

    backend: RpcBackend
    owner: Keypair
    key: Pubkey
    reads: int = 0

    async def fetch(self) -> Account | None:
        self.reads += 1
        return await self.backend.get_account(self.key)

    async def rename(self, name: str) -> None:
        run = await fetch_run(self.backend, RUN_ID)
        changes = RunChanges(metadata=updated_metadata(run.account.state.metadata, name=name))
        await apply_changes(self.backend, self.owner, RUN_ID, None, changes)


@asynccontextmanager
async def watched_run(validator: ValidatorProcess) -> AsyncIterator[WatchedRun]:
    backend = RpcBackend([validator.url])
    try:
        owner = Keypair()
        await backend.request_airdrop(owner.pubkey(), 10**10)
        created = await create_run(backend, owner, RUN_ID, "test")
        yield WatchedRun(backend, owner, created.keys.account)
    finally:
        await backend.close()


@pytest.fixture
def validator(tmp_path: Path) -> ValidatorProcess:
    return ValidatorProcess(tmp_path / "ledger").start()


def decoded(account: Account | None) -> CoordinatorAccount:
    assert account is not None
    return load(bytearray(account.data))


def name_of(account: CoordinatorAccount) -> str:
    return str(account.state.metadata.name.value)


async def until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(GUARD_S):
        while not condition():
            await asyncio.sleep(0.05)


async def test_a_change_is_pushed_without_a_read(validator: ValidatorProcess) -> None:
    try:
        async with watched_run(validator) as run:
            watch = AccountWatch(validator.ws_url, run.key, run.fetch, reread_s=NEVER_S)
            watch.start()
            try:
                await until(lambda: watch.live)
                before = decoded(await watch.current())  # a new subscription starts with one read
                assert run.reads == 1
                await run.rename("renamed")
                async with asyncio.timeout(GUARD_S):
                    await watch.changed()
                after = decoded(await watch.current())
                assert (name_of(after), after.nonce) == ("renamed", before.nonce + 1)
                assert run.reads == 1
                assert decoded(await watch.current()).nonce == after.nonce and run.reads == 1
            finally:
                await watch.close()
    finally:
        assert validator.stop() == 0


async def test_without_a_websocket_the_watch_reads_every_time(validator: ValidatorProcess) -> None:
    try:
        async with watched_run(validator) as run:
            watch = AccountWatch(f"ws://127.0.0.1:{closed_port()}", run.key, run.fetch, reread_s=NEVER_S)
            watch.start()
            try:
                assert name_of(decoded(await watch.current())) == ""
                await run.rename("polled")
                assert name_of(decoded(await watch.current())) == "polled"
                assert (run.reads, watch.live, watch.subscriptions) == (2, False, 0)
            finally:
                await watch.close()
    finally:
        assert validator.stop() == 0


async def test_the_watch_resubscribes_when_the_validator_comes_back(validator: ValidatorProcess) -> None:
    """Stopped, the validator closes the socket: the watch reads instead of handing out its last push (the read
    fails here, the validator being down); restarted on the same ports, it is followed again."""
    try:
        async with watched_run(validator) as run:
            watch = AccountWatch(validator.ws_url, run.key, run.fetch, reread_s=NEVER_S, reconnect_delay=lambda _: 0.2)
            watch.start()
            try:
                await until(lambda: watch.live)
                await watch.current()
                await asyncio.to_thread(validator.stop)
                await until(lambda: not watch.live)
                with pytest.raises(ChainUnavailable):
                    await watch.current()

                await asyncio.to_thread(validator.restart)
                await run.rename("after the restart")
                await until(lambda: watch.live)
                assert name_of(decoded(await watch.current())) == "after the restart"
                reads = run.reads
                await run.rename("pushed again")
                async with asyncio.timeout(GUARD_S):
                    await watch.changed()
                assert name_of(decoded(await watch.current())) == "pushed again"
                assert (run.reads, watch.subscriptions) == (reads, 2)
            finally:
                await watch.close()
    finally:
        assert validator.stop() == 0
