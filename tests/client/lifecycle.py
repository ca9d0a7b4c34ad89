"""A run owner's whole life cycle through ``psyche-solana-client``, checked with json-dump-run/-user at each stage.

The scenario is one function over a :class:`CliChain` and a way to let time pass, so the same story runs on the
embedded chain (time warped) and against a ``psyche-validator`` subprocess (time slept). Only the clients'
``join_run`` and ``witness`` (what ``train`` sends) go around the CLI, through the same backend.

Timeline: a permissioned treasurer run for two clients, 1-second phases. In the one round, only one of the two
elected witnesses reports, so the round misses its quorum and the epoch goes straight to its Cooldown; both
clients finish it Healthy and earn half of the epoch's 10-token rate each.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from client.chain.clock_offset import CLOCK_OFFSET_ENV
from client.keypairs import read_keypair_file
from formats.run_config.small_run import small_run
from tests.client.cli_harness import CliChain
from tests.client.run_clients import join, witness

__all__ = ["RUN_ID", "Run", "warped_clock", "write_run_config", "owner_life_cycle"]

RUN_ID = "life-cycle"
EPOCH_RATE = 10_000_000  # 10 tokens of a 6-decimal mint
PHASE_S = 2  # longer than every 1-second phase, whatever fraction of a second has already passed


def warped_clock(env: pytest.MonkeyPatch) -> Callable[[int], None]:
    """A way to let time pass on the embedded chain: each call moves its clock that many seconds further ahead."""
    offset = 0

    def advance(seconds: int) -> None:
        nonlocal offset
        offset += seconds
        env.setenv(CLOCK_OFFSET_ENV, str(offset))

    return advance


def write_run_config(path: Path, cooldown: int = 1) -> Path:
    """The scenario's run: two clients, both elected witnesses, 1-second phases, ``cooldown`` seconds of Cooldown."""
    config = {"cooldown_time": cooldown, "min_clients": 2, "init_min_clients": 2, "witness_nodes": 2}
    path.write_text(tomli_w.dumps(small_run(config=config, llm={"max_seq_len": 512})))
    return path


class Run:
    """The scenario's run as the CLI sees it."""

    def __init__(self, cli: CliChain, advance: Callable[[int], None], owner: Path, run_id: str = RUN_ID) -> None:
        self.cli = cli
        self.advance = advance
        self.owner = owner
        self.run_id = run_id

    def dump(self) -> Any:
        return self.cli.json("json-dump-run", "-r", self.run_id)

    def user(self, key: object) -> Any:
        return self.cli.json("json-dump-user", "-r", self.run_id, "--address", str(key))

    def state(self) -> str:
        state: str = self.dump()["coordinator_account"]["status"]["state"]
        return state

    def tick_until(self, target: str) -> Any:
        """Let a phase pass and tick, until the run is in ``target``; each tick makes at most one transition."""
        for _ in range(6):
            if self.state() == target:
                return self.dump()
            self.advance(PHASE_S)
            self.cli.ok("tick", "-r", self.run_id, "--count", "1", wallet=self.owner)
        raise AssertionError(f"the run never reached {target}; it is {self.state()}")


def owner_life_cycle(cli: CliChain, advance: Callable[[int], None]) -> None:
    owner, owner_key = cli.funded("owner")
    (client_a, a_key), (client_b, b_key) = cli.funded("client-a", "1"), cli.funded("client-b", "1")
    run = Run(cli, advance, owner)

    # -- a permissioned treasurer run, configured from a TOML checked before anything is sent -------------------
    minted = cli.ok("create-mint", "--decimals", "6", "--amount", "1000", wallet=owner)
    mint = minted.split()[2]
    config = write_run_config(cli.workdir / "state.toml")
    created = cli.ok(
        "create-run", "-r", RUN_ID, "-c", "test", "--treasurer-collateral-mint", mint, "--config-path", str(config),
        wallet=owner,
    )  # fmt: skip
    assert f"Created run {RUN_ID} with transaction: " in created
    assert "Locked for storage: 0.830244480 SOL" in created
    dump = run.dump()
    treasurer_run = dump["treasurer_run"]
    assert dump["coordinator_account"]["status"]["state"] == "Uninitialized"
    assert dump["coordinator_account"]["setup"]["config"]["cooldown_time"] == 1
    assert dump["coordinator_instance"]["main_authority"] == treasurer_run["address"]
    assert dump["coordinator_instance"]["join_authority"] == str(owner_key)
    assert treasurer_run["main_authority"] == str(owner_key) and treasurer_run["collateral_mint"] == mint
    assert treasurer_run["funded_collateral_amount"] == 0.0

    # -- authorize the two clients, set the rate, start ---------------------------------------------------------
    for key in (a_key, b_key):
        assert "Activated authorization in transaction: " in cli.ok(
            "join-authorization-create", "--authorizer", str(key), wallet=owner
        )
    assert "✓ Can join run" in cli.ok("can-join", "-r", RUN_ID, "--authorizer", str(a_key), "--address", str(a_key))
    cli.ok("set-future-epoch-rates", "-r", RUN_ID, "--earning-rate-total-shared", "10", wallet=owner)
    cli.ok("set-paused", "-r", RUN_ID, "--resume", wallet=owner)
    dump = run.dump()["coordinator_account"]
    assert dump["status"]["state"] == "Waiting for members"
    assert dump["epoch"]["rates"]["future"] == {"earning": EPOCH_RATE, "slashing": 0}

    # -- the clients join and one epoch passes -------------------------------------------------------------------
    for path, key in ((client_a, a_key), (client_b, b_key)):
        asyncio.run(join(cli.target, read_keypair_file(path), RUN_ID, key))
    assert set(run.dump()["coordinator_account"]["clients"]) == {bytes(a_key)[:4].hex(), bytes(b_key)[:4].hex()}
    run.tick_until("Warmup")
    dump = run.tick_until("Training")["coordinator_account"]
    assert dump["epoch"]["rates"]["current"]["earning"] == EPOCH_RATE
    asyncio.run(witness(cli.target, read_keypair_file(client_a), RUN_ID))
    run.tick_until("Witness")
    run.tick_until("Cooldown")
    dump = run.tick_until("Waiting for members")
    assert dump["coordinator_account"]["status"]["epoch"] == 1
    assert dump["coordinator_account"]["accounting"]["sum_earned"] == EPOCH_RATE
    assert {c["earned"] for c in dump["coordinator_account"]["clients"].values()} == {EPOCH_RATE // 2}
    assert dump["treasurer_run"]["total_claimable_earned_points"] == EPOCH_RATE
    assert dump["treasurer_run"]["total_missing_collateral_amount"] == 10.0
    user_a = run.user(a_key)
    assert user_a["coordinator_account"]["client"]["earned"] == EPOCH_RATE // 2
    assert user_a["coordinator_account"]["epoch_alive"] == {"exited_height": 0, "state": "Healthy"}
    assert user_a["treasurer_participant"]["claimed_earned_points"] is None

    # -- a client announces the checkpoint; the owner pauses, reconfigures and resumes --------------------------
    cli.ok("checkpoint", "-r", RUN_ID, "--repo", "org/model", wallet=client_a)
    checkpoint = run.dump()["coordinator_account"]["setup"]["model"]["LLM"]["checkpoint"]
    assert checkpoint == {"P2P": {"repo_id": "org/model", "revision": None}}
    cli.ok("set-paused", "-r", RUN_ID, wallet=owner)
    assert run.state() == "Paused"
    new_config = write_run_config(cli.workdir / "state-2.toml", cooldown=2)
    updated = cli.ok("update-config", "-r", RUN_ID, "--config-path", str(new_config), "--name", "life", wallet=owner)
    assert "===== Logs =====" in updated
    setup = run.dump()["coordinator_account"]["setup"]
    assert setup["config"]["cooldown_time"] == 2 and setup["metadata"]["name"] == "life"
    cli.ok("set-paused", "-r", RUN_ID, "--resume", wallet=owner)
    assert run.state() == "Waiting for members"

    # -- next epoch's rate, a top-up, and the claims (the vault caps the second) ---------------------------------
    cli.ok("set-future-epoch-rates", "-r", RUN_ID, "--earning-rate-total-shared", "20", wallet=owner)
    rates = run.dump()["coordinator_account"]["epoch"]["rates"]
    assert rates == {
        "current": {"earning": EPOCH_RATE, "slashing": 0},
        "future": {"earning": 2 * EPOCH_RATE, "slashing": 0},
    }
    topped = cli.ok("treasurer-top-up-rewards", "-r", RUN_ID, "--collateral-amount", "7", wallet=owner)
    assert "Transfered 7 collateral to treasurer in transaction: " in topped
    assert run.dump()["treasurer_run"]["funded_collateral_amount"] == 7.0
    assert "Claimed 5 collateral in transaction: " in cli.ok("treasurer-claim-rewards", "-r", RUN_ID, wallet=client_a)
    assert "Claimed 2 collateral in transaction: " in cli.ok("treasurer-claim-rewards", "-r", RUN_ID, wallet=client_b)
    participant_a, participant_b = (run.user(key)["treasurer_participant"] for key in (a_key, b_key))
    assert participant_a == {
        "claimed_collateral_amount": 5.0,
        "claimed_earned_points": 5_000_000,
        "collateral_amount": 5.0,
        "collateral_mint": mint,
    }
    assert participant_b["claimed_earned_points"] == 2_000_000 and participant_b["collateral_amount"] == 2.0
    treasurer_run = run.dump()["treasurer_run"]
    assert treasurer_run["total_claimed_earned_points"] == 7_000_000
    assert treasurer_run["total_unclaimed_earned_points"] == 3_000_000
    assert treasurer_run["funded_collateral_amount"] == 0.0
    assert treasurer_run["total_missing_collateral_amount"] == 3.0
