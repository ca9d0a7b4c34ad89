"""The CLI over JSON-RPC against a ``psyche-validator`` subprocess: the owner's life cycle in real time, program
errors read as on the embedded chain, fallback to a backup endpoint, a ledger the embedded chain built served
later, and json-dump-run of the reference's coordinator account fixture served with ``--account``."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from client.chain.open import ChainTarget, open_backend
from client.cli import cli
from coordinator_program.program import PROGRAM_ID as COORDINATOR_PROGRAM_ID
from coordinator_program.state.coordinator_instance import (
    COORDINATOR_INSTANCE_SPACE,
    CoordinatorInstance,
    find_coordinator_instance,
)
from emulator.anchor import account_bytes
from tests.client.cli_harness import CliChain, closed_port
from tests.client.lifecycle import owner_life_cycle, write_run_config
from tests.client.test_json_dump import FIXTURE, FIXTURE_SETUP, TEST_INSTANCE
from validator.process import ValidatorProcess

pytestmark = pytest.mark.integration


@contextmanager
def running_validator(ledger: Path, *args: str) -> Iterator[str]:
    """A psyche-validator serving ``ledger``; yields its RPC URL."""
    validator = ValidatorProcess(ledger, *args).start()
    try:
        yield validator.url
    finally:
        validator.stop()


FIXTURE_ACCOUNT = Pubkey.from_bytes(bytes([1]) * 32)
OWNER = Pubkey.from_bytes(bytes([2]) * 32)


@pytest.fixture(scope="module")
def validator_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_validator(tmp_path_factory.mktemp("validator") / "ledger", "--reset") as url:
        yield url


def test_owner_life_cycle_against_a_validator(validator_url: str, tmp_path: Path) -> None:
    owner_life_cycle(CliChain(ChainTarget(rpc=validator_url), tmp_path), time.sleep)


def test_a_program_error_over_rpc_reads_as_on_the_embedded_chain(validator_url: str, tmp_path: Path) -> None:
    """The preflight simulation's error and logs become the same message the embedded chain gives."""
    cli = CliChain(ChainTarget(rpc=validator_url), tmp_path)
    owner, _ = cli.funded("owner")
    stranger, _ = cli.funded("stranger")
    cli.ok("create-run", "-r", "rpc-errors", "-c", "test", wallet=owner)
    assert cli.fails("set-paused", "-r", "rpc-errors", "--resume", wallet=stranger).splitlines() == [
        "Error: ConstraintRaw (error 2003 from the coordinator program): A raw constraint was violated",
        "Hint: Unauthorized: the wallet is not the run's main authority",
    ]
    assert "Hint: the run is already halted" in cli.fails("set-paused", "-r", "rpc-errors", wallet=owner)
    assert "not found: no coordinator instance" in cli.fails("json-dump-run", "-r", "nope")


def test_tick_count_sends_every_tick_even_back_to_back_within_one_blockhash(
    validator_url: str, tmp_path: Path
) -> None:
    """Identical ticks sent within one slot would be one transaction the validator refuses as already processed;
    each repeat waits for a fresh blockhash instead, so ``--count 3 --ms-interval 0`` sends three."""
    cli = CliChain(ChainTarget(rpc=validator_url), tmp_path)
    owner, _ = cli.funded("owner")
    config = write_run_config(tmp_path / "state.toml")
    cli.ok("create-run", "-r", "ticks", "-c", "test", "--config-path", str(config), wallet=owner)
    cli.ok("set-paused", "-r", "ticks", "--resume", wallet=owner)
    out = cli.ok("tick", "-r", "ticks", "--count", "3", "--ms-interval", "0", wallet=owner)
    signatures = [line.rsplit(" ", 1)[1] for line in out.splitlines() if line.startswith("Ticked run ticks with")]
    assert len(set(signatures)) == 3, out


def test_a_dead_primary_rpc_falls_back_to_the_backup(validator_url: str) -> None:
    dead = f"http://127.0.0.1:{closed_port()}"
    key = Keypair().pubkey()

    async def balance() -> int:
        async with open_backend(ChainTarget(rpc=dead, backup_rpcs=[validator_url])) as backend:
            await backend.request_airdrop(key, 10**9)
            return await backend.get_balance(key)

    assert asyncio.run(balance()) == 10**9


def test_a_ledger_built_by_the_embedded_chain_is_served_by_the_validator(tmp_path: Path) -> None:
    embedded = CliChain(ChainTarget(ledger=tmp_path / "ledger"), tmp_path)
    owner, _ = embedded.funded("owner")
    embedded.ok("create-run", "-r", "handed-over", "-c", "test", wallet=owner)
    local = embedded.json("json-dump-run", "-r", "handed-over")
    with running_validator(tmp_path / "ledger") as url:
        served = CliChain(ChainTarget(rpc=url), tmp_path).json("json-dump-run", "-r", "handed-over")
    assert served == local


def _account_file(path: Path, address: object, data: bytes, lamports: int) -> Path:
    """An account in the JSON that ``solana account --output json`` writes."""
    account = {
        "lamports": lamports,
        "data": [base64.b64encode(data).decode(), "base64"],
        "owner": str(COORDINATOR_PROGRAM_ID),
        "executable": False,
        "rentEpoch": 0,
        "space": len(data),
    }
    path.write_text(json.dumps({"pubkey": str(address), "account": account}))
    return path


def test_json_dump_run_of_the_reference_fixture_served_by_a_validator(tmp_path: Path) -> None:
    """The instance of run "test" names the fixture account; the dump shows what the reference's data-layout
    test expects of it (scenario 4's settings, nonce 2, future earning rate 1,000,000)."""
    instance = CoordinatorInstance(255, OWNER, OWNER, FIXTURE_ACCOUNT, "test")
    instance_data = account_bytes(instance).ljust(COORDINATOR_INSTANCE_SPACE, b"\0")
    files = [
        (str(FIXTURE_ACCOUNT), _account_file(tmp_path / "account.json", FIXTURE_ACCOUNT, FIXTURE.read_bytes(), 10**9)),
        (TEST_INSTANCE, _account_file(tmp_path / "instance.json", TEST_INSTANCE, instance_data, 10**7)),
    ]
    assert str(find_coordinator_instance("test")) == TEST_INSTANCE
    accounts = [arg for address, path in files for arg in ("--account", address, str(path))]
    with running_validator(tmp_path / "ledger", "--reset", *accounts) as url:
        result = CliRunner(mix_stderr=False).invoke(cli, ["json-dump-run", "-r", "test", "--rpc", url])
    assert result.exit_code == 0, result.stderr
    dump = json.loads(result.stdout)
    assert dump["treasurer_run"] is None
    owner = str(OWNER)
    assert dump["coordinator_instance"] == {"address": TEST_INSTANCE, "join_authority": owner, "main_authority": owner}
    account = dump["coordinator_account"]
    assert account["address"] == str(FIXTURE_ACCOUNT) and account["run_id"] == "test" and account["nonce"] == 2
    assert account["setup"] == FIXTURE_SETUP
    assert account["status"] == {"epoch": 0, "next_active": 0, "state": "Uninitialized", "step": 0}
    assert account["epoch"]["rates"]["future"] == {"earning": 1_000_000, "slashing": 0}
    assert account["accounting"] == {"max_active": None, "sum_earned": 0, "sum_slashed": 0}
