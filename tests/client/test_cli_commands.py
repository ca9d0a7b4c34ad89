"""The commands' successful paths that the life-cycle test does not walk, with the lines they print."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from client.chain.open import ChainTarget
from tests.client.cli_harness import CliChain
from tests.client.lifecycle import write_run_config


@dataclass
class Chain:
    cli: CliChain
    owner: Path
    owner_key: Pubkey
    config: Path


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    workdir = tmp_path_factory.mktemp("commands")
    cli = CliChain(ChainTarget(ledger=workdir / "ledger"), workdir)
    owner, owner_key = cli.funded("owner", "100")
    yield Chain(cli, owner, owner_key, write_run_config(workdir / "state.toml"))


def test_keygen_pubkey_reads_back_the_new_key(chain: Chain) -> None:
    path, key = chain.cli.keypair("someone")
    assert chain.cli.ok("keygen", "pubkey", str(path), chain=False) == f"{key}\n"


def test_close_run_frees_both_accounts_and_reports_the_recovered_rent(chain: Chain) -> None:
    cli = chain.cli
    created = cli.ok("create-run", "-r", "closing", "-c", "test", wallet=chain.owner)
    assert created.splitlines()[1:] == [
        f"Instance account: {created.splitlines()[1].split()[-1]}",
        f"Coordinator account: {created.splitlines()[2].split()[-1]}",
        "Locked for storage: 0.830244480 SOL",
    ]
    closed = cli.ok("close-run", "-r", "closing", wallet=chain.owner).splitlines()
    assert closed[0].startswith("Closed run closing with transaction: ")
    # both rents (the account's 830,244,480 and the instance's 2,094,960 lamports) less the 5,000-lamport fee
    assert closed[1] == "Recovered 0.832334440 SOL"
    assert closed[2] == "===== Logs ====="
    assert "not found" in cli.fails("json-dump-run", "-r", "closing")


def test_a_run_can_name_another_join_authority_and_dump_a_user_without_treasurer(chain: Chain) -> None:
    cli = chain.cli
    joiner = Keypair().pubkey()
    cli.ok("create-run", "-r", "delegated", "-c", "v1", "--join-authority", str(joiner), wallet=chain.owner)
    dump = cli.json("json-dump-run", "-r", "delegated")
    assert dump["coordinator_instance"]["join_authority"] == str(joiner)
    assert dump["coordinator_instance"]["main_authority"] == str(chain.owner_key)
    assert dump["coordinator_account"]["setup"]["client_version"] == "v1"
    user = cli.json("json-dump-user", "-r", "delegated", "--user", str(chain.owner_key))
    assert user["treasurer_participant"] is None and user["coordinator_account"]["client"] is None
    assert 0 < user["lamports"] < 100 * 10**9


def test_update_config_restarts_from_a_step_and_switches_to_the_hub(chain: Chain) -> None:
    cli = chain.cli
    config = cli.workdir / "dummy-repo.toml"
    config.write_text(chain.config.read_text().replace('repo_id = ""', 'repo_id = "org/start"'))
    cli.ok("create-run", "-r", "restart", "-c", "test", "--config-path", str(config), wallet=chain.owner)
    cli.ok("set-paused", "-r", "restart", "--resume", wallet=chain.owner)
    cli.ok("set-paused", "-r", "restart", "--pause", wallet=chain.owner)
    out = cli.ok(
        "update-config", "-r", "restart", "--restart-from-step", "3", "--switch-to-hub", "--num-parameters", "7",
        wallet=chain.owner,
    )  # fmt: skip
    assert " - progress: " + '{"epoch": 0, "epoch_start_data_index": 8, "step": 3}' in out
    assert ' - metadata: {"description": "", "name": "", "num_parameters": 7, "vocab_size": 0}' in out
    assert " - config: None" in out and " - client_version: None" in out
    setup = cli.json("json-dump-run", "-r", "restart")["coordinator_account"]
    assert setup["status"]["step"] == 3
    assert setup["setup"]["model"]["LLM"]["checkpoint"] == {"Hub": {"repo_id": "org/start", "revision": None}}
    assert setup["setup"]["metadata"]["num_parameters"] == 7


def test_two_ticks_go_back_to_back(chain: Chain) -> None:
    cli = chain.cli
    cli.ok("create-run", "-r", "ticking", "-c", "test", "--config-path", str(chain.config), wallet=chain.owner)
    cli.ok("set-paused", "-r", "ticking", "--resume", wallet=chain.owner)
    out = cli.ok("tick", "-r", "ticking", "--count", "2", "--ms-interval", "60000", wallet=chain.owner)
    ticked = [line for line in out.splitlines() if line.startswith("Ticked run ticking with transaction ")]
    assert len(ticked) == 2 and ticked[0] != ticked[1]


def test_delegates_are_set_read_and_cleared(chain: Chain) -> None:
    cli = chain.cli
    grantee, grantee_key = cli.funded("grantee", "1")
    delegates = [str(Keypair().pubkey()) for _ in range(3)]
    cli.ok("join-authorization-create", "--authorizer", str(grantee_key), wallet=chain.owner)
    owner = str(chain.owner_key)
    out = cli.ok(
        "join-authorization-set-delegates", "--join-authority", owner, "--delegates-added", delegates[0],
        "--delegate-added", delegates[1], wallet=grantee,
    )  # fmt: skip
    assert "Delegates added count: 2" in out and f" - Delegate added #1: {delegates[1]}" in out
    # The reference's spelling: one flag, then several keys.
    cli.ok("join-authorization-delegate", "--join-authority", owner, "--delegates-added", delegates[2], wallet=grantee)
    read = cli.ok("join-authorization-read", "--join-authority", owner, "--authorizer", str(grantee_key))
    assert "Authorization Active: true" in read and "Authorization Delegate Count: 3" in read
    assert [line.split()[-1] for line in read.splitlines() if line.startswith(" - ")] == delegates
    cli.ok("join-authorization-set-delegates", "--join-authority", owner, "--delegates-clear", wallet=grantee)
    read = cli.ok("join-authorization-read", "--join-authority", owner, "--authorizer", str(grantee_key))
    assert "Authorization Delegate Count: 0" in read


def test_an_authorization_is_deactivated_reactivated_and_closed(chain: Chain) -> None:
    cli = chain.cli
    grantee = str(Keypair().pubkey())
    created = cli.ok("join-authorization-create", "--authorizer", grantee, wallet=chain.owner)
    assert "Authorization Lamports: 0" in created and "Created authorization in transaction: " in created
    again = cli.ok("join-authorization-create", "--authorizer", grantee, wallet=chain.owner)
    assert "Created" not in again and "Activated" not in again  # idempotent
    assert "Deactivated authorization" in cli.ok(
        "join-authorization-delete", "--authorizer", grantee, wallet=chain.owner
    )
    assert "Activated authorization" in cli.ok(
        "join-authorization-activate", "--authorizer", grantee, wallet=chain.owner
    )
    cli.ok("join-authorization-deactivate", "--authorizer", grantee, wallet=chain.owner)
    closed = cli.ok("join-authorization-close", "--authorizer", grantee, wallet=chain.owner)
    assert "Closed authorization in transaction: " in closed
    assert "Recovered 0.001637560 SOL" in closed  # the 108-byte account's rent less the fee
    stderr = cli.fails("join-authorization-read", "--join-authority", str(chain.owner_key), "--authorizer", grantee)
    assert stderr.startswith(f"Error: Authorization does not exist for authorizer: {grantee}")
