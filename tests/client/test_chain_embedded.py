"""The embedded chain: a bank persisted in a ledger directory, chosen by ``--rpc embedded``, that successive
commands (and later a psyche-validator) share."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from solders.keypair import Keypair
from solders.system_program import TransferParams, transfer

from client.chain.backend import ChainUnavailable
from client.chain.embedded import EmbeddedBackend
from client.chain.ledger import CLOCK_OFFSET_ENV, open_ledger_bank
from client.chain.open import BadChainTarget, ChainTarget, open_backend, resolve_rpc
from client.chain.rpc import RpcBackend


def test_rpc_values_name_urls_monikers_or_the_embedded_chain() -> None:
    assert resolve_rpc("embedded") is None
    assert resolve_rpc("localhost") == resolve_rpc("l") == "http://127.0.0.1:8899"
    assert resolve_rpc("mainnet-beta") == "https://api.mainnet-beta.solana.com"
    assert resolve_rpc(' "https://rpc.example" ') == "https://rpc.example"
    with pytest.raises(BadChainTarget, match="got 'ws://x'"):
        resolve_rpc("ws://x")


def test_the_default_chain_is_the_embedded_ledger_and_a_url_is_rpc(tmp_path: Path) -> None:
    rpc_target = ChainTarget(rpc="http://127.0.0.1:9", backup_rpcs=["localhost", "embedded"])

    async def kinds() -> tuple[type, type]:
        async with open_backend(ChainTarget(ledger=tmp_path)) as embedded, open_backend(rpc_target) as rpc:
            assert isinstance(rpc, RpcBackend)
            assert rpc.urls == ["http://127.0.0.1:9", "http://127.0.0.1:8899"]  # the embedded "backup" is dropped
            return type(embedded), type(rpc)

    assert asyncio.run(kinds()) == (EmbeddedBackend, RpcBackend)
    assert ChainTarget().ledger == Path(".psyche-ledger")


def test_successive_opens_see_one_chain(tmp_path: Path) -> None:
    payer, receiver = Keypair(), Keypair()

    async def fund_then_send() -> None:
        async with open_backend(ChainTarget(ledger=tmp_path)) as backend:
            await backend.request_airdrop(payer.pubkey(), 10**9)
        async with open_backend(ChainTarget(ledger=tmp_path)) as backend:
            ix = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=receiver.pubkey(), lamports=1_000_000))
            await backend.send([ix], payer)

    asyncio.run(fund_then_send())
    with open_ledger_bank(tmp_path) as bank:
        assert bank.get_balance(receiver.pubkey()) == 1_000_000
        assert bank.get_balance(payer.pubkey()) == 10**9 - 1_000_000 - 5000


def test_the_same_instructions_twice_are_two_transactions(tmp_path: Path) -> None:
    payer, receiver = Keypair(), Keypair()
    ix = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=receiver.pubkey(), lamports=1_000_000))

    async def twice() -> tuple[object, object]:
        async with open_backend(ChainTarget(ledger=tmp_path)) as backend:
            await backend.request_airdrop(payer.pubkey(), 10**9)
            first = await backend.send([ix], payer)
            second = await backend.send([ix], payer)
            assert await backend.get_balance(receiver.pubkey()) == 2_000_000
            return first.signature, second.signature

    first, second = asyncio.run(twice())
    assert first != second


def test_the_clock_offset_moves_chain_time_ahead_and_time_never_goes_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CLOCK_OFFSET_ENV, "3600")
    with open_ledger_bank(tmp_path, 3600) as bank:
        ahead = bank.clock.unix_timestamp
        bank.latest_blockhash()  # records a block at that time
    assert ahead >= time.time() + 3590
    with open_ledger_bank(tmp_path) as bank:  # no offset now: resumes at the last block's time, not earlier
        assert bank.clock.unix_timestamp >= ahead


def test_a_bad_clock_offset_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CLOCK_OFFSET_ENV, "soon")

    async def open_it() -> None:
        async with open_backend(ChainTarget(ledger=tmp_path)):
            pass

    with pytest.raises(ChainUnavailable, match="must be a whole number of seconds, got 'soon'"):
        asyncio.run(open_it())
