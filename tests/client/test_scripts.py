"""The reference's two join-authorization shell scripts, same arguments, wrapping psyche-solana-client."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

from client.chain.open import ChainTarget
from tests.client.cli_harness import CliChain

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def _script(name: str, *args: str, ledger: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "PSYCHE_SOLANA_CLIENT": f"{shlex.quote(sys.executable)} -m client.cli",
        "PSYCHE_LEDGER": str(ledger),
    }
    env.pop("RAW_WALLET_PRIVATE_KEY", None)
    return subprocess.run(
        ["bash", str(SCRIPTS / name), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_create_then_set_delegates_as_the_reference_scripts_did(tmp_path: Path) -> None:
    cli = CliChain(ChainTarget(ledger=tmp_path / "ledger"), tmp_path)
    grantor, grantor_key = cli.funded("grantor")
    grantee, grantee_key = cli.funded("grantee")
    delegates = [cli.keypair(f"delegate-{i}") for i in range(2)]
    ledger = cli.target.ledger

    created = _script("join-authorization-create.sh", "embedded", str(grantor), str(grantee_key), ledger=ledger)
    assert created.returncode == 0, created.stderr
    assert "Activated authorization in transaction: " in created.stdout

    args = ["embedded", str(grantor_key), str(grantee), *(str(path) for path, _ in delegates)]
    updated = _script("join-authorization-set-delegates.sh", *args, ledger=ledger)
    assert updated.returncode == 0, updated.stderr
    assert "Delegates cleared: true" in updated.stdout
    read = cli.ok("join-authorization-read", "--join-authority", str(grantor_key), "--authorizer", str(grantee_key))
    assert [line.split()[-1] for line in read.splitlines() if line.startswith(" - ")] == [str(k) for _, k in delegates]

    cleared = _script("join-authorization-set-delegates.sh", "embedded", str(grantor_key), str(grantee), ledger=ledger)
    assert cleared.returncode == 0, cleared.stderr
    read = cli.ok("join-authorization-read", "--join-authority", str(grantor_key), "--authorizer", str(grantee_key))
    assert "Authorization Delegate Count: 0" in read


def test_the_scripts_check_their_arguments(tmp_path: Path) -> None:
    missing = _script("join-authorization-create.sh", "embedded", str(tmp_path / "none.json"), "x", ledger=tmp_path)
    assert missing.returncode == 1
    assert f"Error: Grantor keypair file '{tmp_path / 'none.json'}' not found." in missing.stderr
    usage = _script("join-authorization-set-delegates.sh", "embedded", ledger=tmp_path)
    assert usage.returncode == 1 and "Usage: " in usage.stderr
