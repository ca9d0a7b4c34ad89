"""``psyche-local-testnet --hardened``: the chain it starts runs the hardened coordinator, fixed in its ledger."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from solders.pubkey import Pubkey

from client.chain.backend import ChainUnavailable
from client.chain.ledger import open_ledger_bank
from client.chain.rpc import RpcBackend
from client.testnet.chain import running_chain
from client.testnet.cli import cli
from coordinator_program.mode import ProgramMode

pytestmark = pytest.mark.integration  # a validator in the test, or its subprocess

TINY_CONFIG = Path(__file__).resolve().parent / "config" / "tiny"


@pytest.mark.asyncio
@pytest.mark.parametrize("choice", ["embedded", "process"])
async def test_a_hardened_testnet_chain_records_the_hardened_coordinator_in_its_ledger(
    tmp_path: Path, choice: str
) -> None:
    async with running_chain(choice, tmp_path, ProgramMode.HARDENED) as chain:
        backend = RpcBackend([chain.rpc_url])
        try:
            assert await backend.get_balance(Pubkey.new_unique()) == 0  # it serves
        finally:
            await backend.close()
    with pytest.raises(ChainUnavailable, match="runs the hardened coordinator"), open_ledger_bank(tmp_path / "ledger"):
        pass
    with open_ledger_bank(tmp_path / "ledger", mode=ProgramMode.HARDENED) as bank:
        assert bank.slot > 0


def test_hardened_with_a_validator_url_is_refused_before_anything_starts(tmp_path: Path) -> None:
    args = ["start", "--num-clients", "2", "--config-path", str(TINY_CONFIG), "--write-log", str(tmp_path)]
    result = CliRunner(mix_stderr=False).invoke(cli, [*args, "--validator", "http://127.0.0.1:1", "--hardened"])
    assert result.exit_code == 2
    assert "a validator given by URL chose its coordinator at genesis" in result.stderr
    assert not (tmp_path / "chain").exists()
