"""Commands say what the chain did and what works next, on a run taken to Finished on the embedded chain.

The run: a treasurer run with one step to train (steps start at 1) for two clients (the clock warped by the
testing aid); in its only round one of the two elected witnesses reports, the epoch ends, and with no step left
the run is Finished. Along the way a client announces a Hub checkpoint while the run's checkpoint is still Dummy,
which the coordinator ignores.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import tomli_w
from click.testing import Result
from solders.pubkey import Pubkey

from client.chain.open import ChainTarget
from client.keypairs import read_keypair_file
from formats.run_config.small_run import small_run
from tests.client.cli_harness import CliChain
from tests.client.lifecycle import Run, warped_clock
from tests.client.run_clients import join, witness

RUN_ID = "answers"


@dataclass
class FinishedRun:
    cli: CliChain
    owner: Path
    clients: list[tuple[Path, Pubkey]]
    dummy_checkpoint: Result  # a Hub announcement during epoch 0, while the checkpoint was Dummy


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FinishedRun]:
    workdir = tmp_path_factory.mktemp("answers")
    with pytest.MonkeyPatch.context() as env:
        advance = warped_clock(env)
        cli = CliChain(ChainTarget(ledger=workdir / "ledger"), workdir)
        owner, _ = cli.funded("owner")
        clients = [cli.funded("client-a", "1"), cli.funded("client-b", "1")]
        mint = cli.ok("create-mint", "--decimals", "6", "--amount", "1000", wallet=owner).split()[2]
        config = {"cooldown_time": 1, "min_clients": 2, "init_min_clients": 2, "witness_nodes": 2, "total_steps": 2}
        (workdir / "state.toml").write_text(tomli_w.dumps(small_run(config=config, llm={"max_seq_len": 512})))
        cli.ok("create-run", "-r", RUN_ID, "-c", "test", "--treasurer-collateral-mint", mint,
               "--config-path", str(workdir / "state.toml"), wallet=owner)  # fmt: skip
        for _, key in clients:
            cli.ok("join-authorization-create", "--authorizer", str(key), wallet=owner)
        cli.ok("set-future-epoch-rates", "-r", RUN_ID, "--earning-rate-total-shared", "10", wallet=owner)
        cli.ok("treasurer-top-up-rewards", "-r", RUN_ID, "--collateral-amount", "5", wallet=owner)
        cli.ok("set-paused", "-r", RUN_ID, "--resume", wallet=owner)
        for path, key in clients:
            asyncio.run(join(cli.target, read_keypair_file(path), RUN_ID, key))
        run = Run(cli, advance, owner, RUN_ID)
        run.tick_until("Warmup")
        run.tick_until("Training")
        dummy_checkpoint = cli.invoke("checkpoint", "-r", RUN_ID, "--repo", "org/model", wallet=clients[0][0])
        asyncio.run(witness(cli.target, read_keypair_file(clients[0][0]), RUN_ID))
        run.tick_until("Witness")
        run.tick_until("Cooldown")
        run.tick_until("Finished")
        yield FinishedRun(cli, owner, clients, dummy_checkpoint)


def _lamports(cli: CliChain, key: Pubkey) -> int:
    lamports: int = cli.json("json-dump-user", "-r", RUN_ID, "--address", str(key))["lamports"]
    return lamports


def test_checkpoint_says_when_the_coordinator_ignored_the_announcement(finished: FinishedRun) -> None:
    result = finished.dummy_checkpoint
    assert result.exit_code == 1 and "Checkpointed to repo" not in result.stdout
    assert "went through, but the coordinator ignored the announcement" in result.stderr
    assert "it is Dummy (a Dummy checkpoint becomes P2P after the first epoch)" in result.stderr
    checkpoint = finished.cli.json("json-dump-run", "-r", RUN_ID)["coordinator_account"]["setup"]["model"]["LLM"]
    # No trace of org/model: the Dummy checkpoint became P2P at the epoch's end, without the ignored repo.
    assert checkpoint["checkpoint"] == {"P2P": {"repo_id": "", "revision": None}}


def test_ticking_a_finished_run_does_not_say_to_resume_it(finished: FinishedRun) -> None:
    """Resuming a Finished run fails with CannotResume, so the hint must not suggest it."""
    ticked = finished.cli.fails("tick", "-r", RUN_ID, "--count", "1", wallet=finished.owner).splitlines()
    assert ticked[0].startswith("Error: CoordinatorErrorHalted (error 6015 from the coordinator program)")
    assert (
        ticked[1] == "Hint: the run is Finished: it has trained all its steps, and nothing (a tick, a join, "
        "a resume) starts it again"
    )
    resumed = finished.cli.fails("set-paused", "-r", RUN_ID, "--resume", wallet=finished.owner)
    assert (
        resumed == f"Error: run {RUN_ID} is Finished: it has trained all its steps and cannot be resumed (nothing "
        "was sent)\n"
    )


def test_can_join_reports_a_finished_run(finished: FinishedRun) -> None:
    _, key = finished.clients[0]
    result = finished.cli.invoke("can-join", "-r", RUN_ID, "--authorizer", str(key), "--address", str(key))
    assert result.exit_code == 1 and "✓" not in result.stdout
    assert "Run state: Finished" in result.stdout
    assert result.stderr == f"Error: run {RUN_ID} is Finished: it trains no more, so there is nothing to join\n"


def test_can_join_reports_a_paused_run(finished: FinishedRun) -> None:
    cli, owner = finished.cli, finished.owner
    config = finished.cli.workdir / "state.toml"
    cli.ok("create-run", "-r", "paused", "-c", "test", "--config-path", str(config), wallet=owner)
    cli.ok("join-authorization-create", "--authorizer", str(Pubkey.default()), wallet=owner)
    cli.ok("set-paused", "-r", "paused", "--resume", wallet=owner)
    cli.ok("set-paused", "-r", "paused", wallet=owner)
    _, key = finished.clients[0]
    result = cli.invoke("can-join", "-r", "paused", "--address", str(key))
    assert result.exit_code == 1 and "✓" not in result.stdout and "Run state: Paused" in result.stdout
    assert "run paused is Paused: " in result.stderr and "once the run's owner resumes the run" in result.stderr


def test_a_claim_with_nothing_to_claim_says_so_and_sends_nothing(finished: FinishedRun) -> None:
    cli = finished.cli
    (path_a, key_a), (path_b, key_b) = finished.clients
    claimed = cli.ok("treasurer-claim-rewards", "-r", RUN_ID, wallet=path_a)
    assert "Claimed 5 collateral in transaction: " in claimed  # the vault held 5 of the 10 earned
    before = _lamports(cli, key_a)
    again = cli.ok("treasurer-claim-rewards", "-r", RUN_ID, wallet=path_a)
    assert "Nothing to claim: all 5000000 points earned so far are claimed (no transaction sent)" in again
    assert "transaction:" not in again and _lamports(cli, key_a) == before
    # client-b earned 5 too, but the vault is empty now: nothing is sent, and the owner is told to top it up.
    before = _lamports(cli, key_b)
    stderr = cli.fails("treasurer-claim-rewards", "-r", RUN_ID, wallet=path_b)
    assert "the vault is empty, so none of the 5000000 claimable points can be paid now" in stderr
    assert f"treasurer-top-up-rewards -r {RUN_ID}" in stderr and _lamports(cli, key_b) == before
    user_b = cli.json("json-dump-user", "-r", RUN_ID, "--address", str(key_b))["treasurer_participant"]
    assert user_b["claimed_earned_points"] is None  # not even a Participant record was made
