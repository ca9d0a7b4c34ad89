"""Test support: ``psyche-solana-client`` driven in-process through click's CliRunner, against one chain.

A :class:`CliChain` appends the chain's flags (``--ledger DIR`` for the embedded chain, ``--rpc URL`` for a
validator) to every on-chain command, so a scenario reads like the shell session a run owner types.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from solders.pubkey import Pubkey

from authorizer.state.authorization import PERMISSIONLESS_GRANTEE
from client.chain.open import ChainTarget
from client.cli import cli
from tests.client.participant.train_harness import run_toml
from validator.ports import free_ports

__all__ = ["CliChain", "closed_port"]


def closed_port() -> int:
    """A loopback port that nothing listens on (it was free a moment ago): an unreachable RPC."""
    return free_ports(1)[0]


@dataclass
class CliChain:
    """The CLI on one chain; ``workdir`` holds the keypair files a scenario makes."""

    target: ChainTarget
    workdir: Path
    runner: CliRunner = field(default_factory=lambda: CliRunner(mix_stderr=False))

    @property
    def chain_args(self) -> list[str]:
        return ["--rpc", self.target.rpc, "--ledger", str(self.target.ledger)]

    def invoke(
        self, *args: str, wallet: Path | None = None, chain: bool = True, env: dict[str, str] | None = None
    ) -> Result:
        """Run a command with this chain's flags (unless ``chain`` is False), ``-w wallet`` and ``env`` added."""
        argv = [*args, *(self.chain_args if chain else []), *(["-w", str(wallet)] if wallet else [])]
        environment: dict[str, str | None] = {"RAW_WALLET_PRIVATE_KEY": None, **(env or {})}
        return self.runner.invoke(cli, argv, env=environment, catch_exceptions=False)

    def ok(self, *args: str, wallet: Path | None = None, chain: bool = True) -> str:
        """Run a command that must succeed; its stdout."""
        result = self.invoke(*args, wallet=wallet, chain=chain)
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        return result.stdout

    def fails(self, *args: str, wallet: Path | None = None, chain: bool = True) -> str:
        """Run a command that must fail with exit status 1; its stderr."""
        result = self.invoke(*args, wallet=wallet, chain=chain)
        assert result.exit_code == 1, (args, result.exit_code, result.stdout, result.stderr)
        return result.stderr

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args))

    def keypair(self, name: str) -> tuple[Path, Pubkey]:
        """A new keypair file in the work directory, made with ``keygen new``."""
        path = self.workdir / f"{name}.json"
        out = self.ok("keygen", "new", "-o", str(path), chain=False)
        return path, Pubkey.from_string(out.splitlines()[-1].removeprefix("pubkey: "))

    def funded(self, name: str, sol: str = "10") -> tuple[Path, Pubkey]:
        path, key = self.keypair(name)
        self.ok("airdrop", sol, wallet=path)
        return path, key

    def one_client_run(self, run_id: str, total_steps: int) -> tuple[Path, Pubkey]:
        """A started permissionless run of the small test model that one client can train alone; that client's
        funded keypair (file and key)."""
        owner, _ = self.funded("owner")
        client = self.funded("client", "1")
        config = self.workdir / "state.toml"
        config.write_text(run_toml(epoch_time=600, total_steps=total_steps, init_min_clients=1, min_clients=1))
        self.ok("create-run", "-r", run_id, "-c", "test", "--config-path", str(config), wallet=owner)
        self.ok("join-authorization-create", "--authorizer", str(PERMISSIONLESS_GRANTEE), wallet=owner)
        self.ok("set-paused", "-r", run_id, "--resume", wallet=owner)
        return client
