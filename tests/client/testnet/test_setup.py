"""The testnet's setup over JSON-RPC to a validator inside the test: a configured, funded, authorized, resumed run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from solders.keypair import Keypair

from authorizer import JOIN_RUN_AUTHORIZATION_SCOPE
from client.chain.rpc import RpcBackend
from client.instructions import token as token_ix
from client.instructions.authorizer import join_authorization_address
from client.run_accounts import fetch_authorization, fetch_run, fetch_token_amount
from client.testnet.chain import running_chain
from client.testnet.setup import RewardSettings, prepare_run
from client.testnet.watch import json_line, snapshot
from coordinator_program.core.types import RunState

pytestmark = [pytest.mark.asyncio, pytest.mark.integration]

CONFIG = Path(__file__).resolve().parents[3] / "config" / "test" / "state.toml"


async def test_a_treasurer_run_is_ready_for_its_clients(tmp_path: Path) -> None:
    async with running_chain("embedded", tmp_path) as chain:
        backend = RpcBackend([chain.rpc_url])
        try:
            rewards = RewardSettings(earning_rate=1_000, funding=50_000)
            run = await prepare_run(backend, tmp_path, CONFIG, 2, run_id="setup-test", rewards=rewards)
            on_chain = await fetch_run(backend, run.run_id, run.treasurer_index)
            coordinator = on_chain.account.state.coordinator
            assert RunState(coordinator.run_state) is RunState.WaitingForMembers
            assert on_chain.account.state.clients_state.future_epoch_rates.earning_rate_total_shared == 1_000
            assert on_chain.treasurer is not None and run.collateral_mint is not None
            vault = token_ix.associated_token_address(on_chain.treasurer.address, run.collateral_mint)
            assert await fetch_token_amount(backend, vault) == 50_000
            assert [path.name for path in run.key_files] == ["client-1.json", "client-2.json"]  # as the clients are
            for client, key_file in zip(run.clients, run.key_files, strict=True):
                assert Keypair.from_bytes(bytes(json.loads(key_file.read_text()))) == client
                address = join_authorization_address(run.owner.pubkey(), client.pubkey())
                authorization = await fetch_authorization(backend, address)
                assert authorization is not None
                assert authorization.is_valid_for(run.owner.pubkey(), client.pubkey(), JOIN_RUN_AUTHORIZATION_SCOPE)
            snap = await snapshot(backend, run.run_id, run.treasurer_index, now=0)
            assert (snap.state, snap.epoch, snap.epoch_clients, snap.points) == ("WaitingForMembers", 0, 0, {})
            assert json.loads(json_line(snap))["event"] == "run_state" and not snap.finished
        finally:
            await backend.close()


async def test_an_unknown_chain_choice_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="--validator must be embedded, process or an http"):
        async with running_chain("nowhere", tmp_path):
            pass
