"""Every way a command can fail gives one specific message and exit status 1 (2 for bad flags), never a traceback:
a missing or bad wallet, an unknown run, unauthorized actions, program errors with their hints, bad TOML (caught
before anything is sent), an unreachable RPC, a ledger in use."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from client.chain.open import ChainTarget
from client.keypairs import NO_WALLET_MESSAGE
from coordinator_program.state.coordinator_instance import find_coordinator_instance
from emulator.ledger_sqlite import LedgerDirectory
from tests.client.cli_harness import CliChain, closed_port
from tests.client.lifecycle import write_run_config

UNAUTHORIZED = "Hint: Unauthorized: the wallet is not the run's main authority"


@dataclass
class World:
    """One embedded chain: an owner with a plain run and a treasurer run, a funded stranger, a broke key."""

    cli: CliChain
    owner: Path
    owner_key: Pubkey
    stranger: Path
    broke: Path
    mint: str
    config: Path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    workdir = tmp_path_factory.mktemp("errors")
    cli = CliChain(ChainTarget(ledger=workdir / "ledger"), workdir)
    owner, owner_key = cli.funded("owner")
    stranger, _ = cli.funded("stranger")
    broke, _ = cli.keypair("broke")
    mint = cli.ok("create-mint", "--amount", "5", wallet=owner).split()[2]
    config = write_run_config(workdir / "state.toml")
    cli.ok("create-run", "-r", "plain", "-c", "test", "--config-path", str(config), wallet=owner)
    cli.ok("create-run", "-r", "paid", "-c", "test", "--treasurer-collateral-mint", mint, wallet=owner)
    yield World(cli, owner, owner_key, stranger, broke, mint, config)


def test_a_signing_command_without_a_wallet_gives_the_reference_message(world: World) -> None:
    stderr = world.cli.fails("set-paused", "-r", "plain")
    assert stderr == f"Error: {NO_WALLET_MESSAGE}\n"


def test_a_wallet_file_that_does_not_exist_is_named(world: World, tmp_path: Path) -> None:
    stderr = world.cli.fails("set-paused", "-r", "plain", wallet=tmp_path / "nope.json")
    assert f"Error: cannot read keypair file {tmp_path / 'nope.json'}: No such file or directory" in stderr


def test_a_binary_wallet_file_is_a_clear_error_not_a_traceback(world: World, tmp_path: Path) -> None:
    binary = tmp_path / "binary.json"
    binary.write_bytes(bytes(range(256)))
    stderr = world.cli.fails("set-paused", "-r", "plain", wallet=binary)
    expected = f"{binary}: not a keypair: byte 128 is not UTF-8 text (a solana-keygen file is a JSON array of 64 "
    expected += "integers)"
    assert stderr == f"Error: {expected}\n"


def test_raw_wallet_private_key_takes_precedence_over_the_file(world: World) -> None:
    raw_owner = {"RAW_WALLET_PRIVATE_KEY": world.owner.read_text()}
    argv = ["set-future-epoch-rates", "-r", "paid", "--earning-rate-total-shared", "1"]
    result = world.cli.invoke(*argv, wallet=world.stranger, env=raw_owner)
    assert result.exit_code == 0, result.stderr
    assert " - Set earning rate to 1 (divided between clients)" in result.stdout


def test_an_unknown_run_id_names_the_run_and_its_missing_instance(world: World) -> None:
    stderr = world.cli.fails("json-dump-run", "-r", "nope")
    assert stderr == f"Error: run 'nope' not found: no coordinator instance at {find_coordinator_instance('nope')}\n"
    assert "not found" in world.cli.fails("set-paused", "-r", "nope", wallet=world.owner)


def test_a_run_id_over_32_bytes_is_refused_before_anything_is_sent(world: World) -> None:
    stderr = world.cli.fails("create-run", "-r", "x" * 33, "-c", "test", wallet=world.owner)
    assert stderr == "Error: run_id must be 32 bytes or less, got 33\n"


def test_a_stranger_cannot_act_as_the_owner_of_a_plain_run(world: World) -> None:
    stderr = world.cli.fails("set-paused", "-r", "plain", "--resume", wallet=world.stranger)
    assert stderr.splitlines() == [
        "Error: ConstraintRaw (error 2003 from the coordinator program): A raw constraint was violated",
        UNAUTHORIZED,
    ]


def test_a_stranger_cannot_act_as_the_owner_of_a_treasurer_run(world: World) -> None:
    stderr = world.cli.fails("update-config", "-r", "paid", "--name", "mine", wallet=world.stranger)
    assert "ConstraintRaw (error 2003 from the treasurer program)" in stderr and UNAUTHORIZED in stderr


def test_a_treasurer_run_cannot_be_closed(world: World) -> None:
    stderr = world.cli.fails("close-run", "-r", "paid", wallet=world.owner)
    assert "ConstraintRaw (error 2003 from the coordinator program)" in stderr
    assert "a treasurer run belongs to its Run account: it cannot be closed" in stderr


def test_a_coordinator_error_inside_a_treasurer_call_is_the_coordinators(world: World) -> None:
    """A Paused-only change on a running treasurer run fails in the coordinator, under the treasurer's CPI."""
    cli = world.cli
    cli.ok("create-run", "-r", "running", "-c", "test", "--treasurer-collateral-mint", world.mint,
           "--config-path", str(world.config), wallet=world.owner)  # fmt: skip
    cli.ok("set-paused", "-r", "running", "--resume", wallet=world.owner)
    stderr = cli.fails("update-config", "-r", "running", "--config-path", str(world.config), wallet=world.owner)
    assert stderr.splitlines() == [
        "Error: UpdateConfigNotHalted (error 6001 from the coordinator program): Cannot update config when not halted",
        "Hint: config, model and progress change only while the run is halted: pause it first (`set-paused`) and "
        "wait until json-dump-run shows Paused",
    ]


def test_pausing_a_halted_run_and_ticking_it_say_it_is_halted(world: World) -> None:
    assert "Hint: the run is already halted" in world.cli.fails("set-paused", "-r", "plain", wallet=world.owner)
    stderr = world.cli.fails("tick", "-r", "plain", "--count", "1", wallet=world.owner)
    assert stderr.startswith("Error: CoordinatorErrorHalted (error 6015 from the coordinator program)")
    assert "Hint: the run has not started: its owner starts it with `set-paused --resume`" in stderr


def test_resuming_a_run_with_no_steps_left_says_why_it_cannot(world: World) -> None:
    """Resuming would finish the run at once and the tick after it fails as Halted: the hint must not say there is
    nothing to pause (the set-paused hint for Halted) but what to change."""
    cli, owner = world.cli, world.owner
    cli.ok("create-run", "-r", "no-steps", "-c", "test", "--config-path", str(world.config), wallet=owner)
    total_steps = cli.json("json-dump-run", "-r", "no-steps")["coordinator_account"]["setup"]["config"]["total_steps"]
    cli.ok("set-paused", "-r", "no-steps", "--resume", wallet=owner)
    cli.ok("set-paused", "-r", "no-steps", wallet=owner)
    cli.ok("update-config", "-r", "no-steps", "--restart-from-step", str(total_steps), wallet=owner)
    stderr = cli.fails("set-paused", "-r", "no-steps", "--resume", wallet=owner).splitlines()
    assert stderr[0].startswith("Error: CoordinatorErrorHalted (error 6015 from the coordinator program)")
    assert stderr[1].startswith("Hint: the run has no steps left (its step has reached config.total_steps)")


def test_only_a_client_of_the_epoch_can_checkpoint(world: World) -> None:
    stderr = world.cli.fails("checkpoint", "-r", "plain", "--repo", "org/model", wallet=world.stranger)
    assert "SignerNotAClient (error 6007 from the coordinator program)" in stderr
    assert "Hint: the wallet is not a client of the run's current epoch" in stderr


def test_a_wallet_without_sol_is_told_to_fund_it(world: World) -> None:
    stderr = world.cli.fails("join-authorization-create", "--authorizer", str(Pubkey.default()), wallet=world.broke)
    assert "AccountNotFound: the transaction was refused" in stderr
    assert "Hint: the wallet has no SOL to pay the fee" in stderr


def test_a_bad_toml_names_file_field_and_rule_before_any_chain_is_touched(world: World, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(world.config.read_text().replace("epoch_time = 30", "epoch_time = 0"))
    unreachable = ["--rpc", f"http://127.0.0.1:{closed_port()}"]
    for command in (["update-config", "-r", "plain"], ["create-run", "-r", "new", "-c", "test"]):
        result = world.cli.invoke(*command, "--config-path", str(bad), *unreachable, wallet=world.owner, chain=False)
        assert result.exit_code == 1
        assert result.stderr == (
            f"Error: {bad}: config.epoch_time: must be greater than 0 (coordinator config check EpochTime)\n"
        )


def test_an_unreachable_rpc_says_so_without_a_traceback(world: World) -> None:
    port = closed_port()
    result = world.cli.invoke("json-dump-run", "-r", "plain", "--rpc", f"http://127.0.0.1:{port}", chain=False)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: cannot reach the RPC at http://127.0.0.1:{port}: all RPCs exhausted: ")
    assert "ConnectError" in result.stderr and "Traceback" not in result.stderr


def test_a_ledger_held_by_another_process_is_reported(world: World, tmp_path: Path) -> None:
    held = LedgerDirectory(tmp_path / "held")
    held.open(reset=False)
    try:
        cli = CliChain(ChainTarget(ledger=tmp_path / "held"), tmp_path)
        stderr = cli.fails("json-dump-run", "-r", "plain")
    finally:
        held.close()
    assert stderr.startswith(f"Error: cannot reach the embedded ledger {tmp_path / 'held'}: it is in use by another")


def test_bad_flags_are_usage_errors(world: World) -> None:
    cases = [
        (["create-run", "--bogus"], "No such option: --bogus"),
        (
            ["json-dump-run", "-r", "plain", "--treasurer-index", "-1"],
            "-1 is not in the range 0<=x<=18446744073709551615",
        ),
        (["join-authorization-create", "--authorizer", "not-a-key"], "'not-a-key' is not a base58 public key"),
        (["json-dump-run", "-r", "plain", "--rpc", "ftp://x"], "must be an http(s) URL, a moniker"),
        (["json-dump-run"], "Missing option '-r' / '--run-id'"),
        (
            ["train", "-r", "plain", "--checkpoint-dir", "c", "--hub-repo", "h" * 65],
            "is 65 bytes; the on-chain HubRepo.repo_id holds at most 64",
        ),
        (["train", "-r", "plain", "--keep-steps", "0"], "0 is not in the range x>=1"),
    ]
    for argv, message in cases:
        result = world.cli.invoke(*argv, chain=False)
        assert result.exit_code == 2, argv
        assert message in result.stderr, (argv, result.stderr)


def test_flags_read_their_environment_variables(world: World) -> None:
    result = world.cli.invoke(
        "json-dump-run", chain=False, env={"RUN_ID": '"plain"', "PSYCHE_LEDGER": str(world.cli.target.ledger)}
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["coordinator_account"]["run_id"] == "plain"


def test_commands_that_would_do_nothing_refuse(world: World) -> None:
    cli = world.cli
    assert cli.fails("update-config", "-r", "plain", wallet=world.owner) == (
        "Error: this invocation would not update anything, bailing.\n"
    )
    assert "nothing to set" in cli.fails("set-future-epoch-rates", "-r", "paid", wallet=world.owner)
    stderr = cli.fails("set-future-epoch-rates", "-r", "plain", "--earning-rate-total-shared", "1", wallet=world.owner)
    assert stderr == "Error: Setting future epoch rates requires a treasurer.\n"
    stderr = cli.fails("create-run", "-r", "x", "-c", "test", "--treasurer-index", "3", wallet=world.owner)
    assert "The treasurer_index is set, but treasurer_collateral_mint is not" in stderr


def test_treasurer_commands_need_a_treasurer_run_and_a_token_account(world: World) -> None:
    cli = world.cli
    assert "Failed to resolve treasurer" in cli.fails("treasurer-claim-rewards", "-r", "plain", wallet=world.owner)
    stderr = cli.fails("treasurer-top-up-rewards", "-r", "paid", "--collateral-amount", "1", wallet=world.stranger)
    assert f"the wallet has no token account for the collateral mint {world.mint}" in stderr
    stderr = cli.fails("treasurer-top-up-rewards", "-r", "paid", "--collateral-amount", "9", wallet=world.owner)
    assert "InsufficientFunds (error 1 from the SPL Token program)" in stderr
    assert "Hint: the wallet's token account holds less than --collateral-amount" in stderr


def test_can_join_explains_why_not(world: World) -> None:
    cli = world.cli
    stranger = str(Keypair().pubkey())
    stderr = cli.fails("can-join", "-r", "plain", "--address", stranger)
    assert stderr == f"Error: Authorization does not exist for authorizer: {Pubkey.default()}\n"
    cli.ok("join-authorization-create", "--authorizer", str(Pubkey.default()), wallet=world.owner)
    cli.ok("join-authorization-deactivate", "--authorizer", str(Pubkey.default()), wallet=world.owner)
    stderr = cli.fails("can-join", "-r", "plain", "--address", stranger)
    assert stderr == f"Error: Authorization invalid for run id plain using pubkey {stranger}\n"


def test_authorization_commands_name_the_wrong_role_and_the_closing_rules(world: World) -> None:
    cli = world.cli
    grantee = Keypair().pubkey()
    cli.ok("join-authorization-create", "--authorizer", str(grantee), wallet=world.owner)
    stderr = cli.fails(
        "join-authorization-set-delegates", "--join-authority", str(world.owner_key), wallet=world.stranger
    )
    assert "AccountNotInitialized (error 3012 from the authorizer program)" in stderr
    assert "there is no authorization from --join-authority to the wallet" in stderr
    stderr = cli.fails("join-authorization-close", "--authorizer", str(grantee), wallet=world.owner)
    assert "AuthorizationActiveIsTrue (error 6000 from the authorizer program): AuthorizationActive is true" in stderr
    assert "Hint: deactivate the authorization first (`join-authorization-deactivate`)" in stderr
    stderr = cli.fails("join-authorization-deactivate", "--authorizer", str(grantee), wallet=world.stranger)
    assert stderr.startswith("Error: Authorization does not exist for authorizer")


def test_an_amount_beyond_a_u64_of_base_units_is_refused(world: World) -> None:
    stderr = world.cli.fails(
        "treasurer-top-up-rewards", "-r", "paid", "--collateral-amount", "1e20", wallet=world.owner
    )
    assert stderr == "Error: 1e+20 is more than a u64 of base units at 6 decimals\n"


def test_creating_a_run_that_exists_says_so(world: World) -> None:
    stderr = world.cli.fails("create-run", "-r", "plain", "-c", "test", wallet=world.owner)
    assert stderr.splitlines() == [
        "Error: AccountAlreadyInUse (error 0 from the System program): custom program error: 0x0",
        "Hint: a run with this id (or this treasurer index) exists already",
    ]
