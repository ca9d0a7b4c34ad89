"""@solana/web3.js, @solana/spl-token and @coral-xyz/anchor (0.30+) read a run psyche-solana-client created.

The Node packages are installed from npm by the test itself, once, into ``.cache/node-conformance``
(ignored by git; a warm cache makes no network call; a cold install takes about 25 s). Without
``node`` and ``npm`` on the PATH, or when the install fails, the test is skipped and says why.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from client.chain.open import ChainTarget
from coordinator_program.program import IDL_PATH as COORDINATOR_IDL
from coordinator_program.state.coordinator_instance import find_coordinator_instance
from tests.client.cli_harness import CliChain
from validator.identity import IDENTITY_KEYPAIR
from validator.process import ValidatorProcess

pytestmark = pytest.mark.integration

NODE_DIR = Path(__file__).with_name("node")
CACHE_DIR = Path(__file__).resolve().parents[2] / ".cache" / "node-conformance"
INSTALL_TIMEOUT_S = 300
SCRIPT_TIMEOUT_S = 120  # a guard against a hung script, not a timing assertion


def _installed_packages() -> Path:
    """``node_modules`` for ``node/package.json``: installed on first use, reused while the manifest is the same."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not on the PATH: the @solana/web3.js / @coral-xyz/anchor check cannot run")
    manifest = (NODE_DIR / "package.json").read_text()
    stamp = CACHE_DIR / "installed-package.json"
    if not (stamp.exists() and stamp.read_text() == manifest and (CACHE_DIR / "node_modules").is_dir()):
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        (CACHE_DIR / "package.json").write_text(manifest)
        install = subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=CACHE_DIR,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT_S,
        )
        if install.returncode != 0:
            pytest.skip(f"npm install of the Node clients failed (no registry?): {install.stderr.strip()[-300:]}")
        stamp.write_text(manifest)
    return CACHE_DIR / "node_modules"


def test_node_clients_decode_a_run_through_the_anchor_030_idl(validator: ValidatorProcess, tmp_path: Path) -> None:
    node_modules = _installed_packages()
    cli = CliChain(ChainTarget(rpc=validator.url), tmp_path)
    owner, owner_key = cli.funded("owner")
    created = cli.ok("create-run", "-r", "node-run", "-c", "test", wallet=owner)
    match = re.search(r"Created run node-run with transaction: (\w+)", created)
    assert match is not None, created
    signature = match.group(1)
    instance = find_coordinator_instance("node-run")
    script = tmp_path / "decode_run.mjs"
    shutil.copy(NODE_DIR / "decode_run.mjs", script)
    (tmp_path / "node_modules").symlink_to(node_modules)
    run = subprocess.run(
        ["node", str(script), validator.url, str(COORDINATOR_IDL), str(instance), signature],
        capture_output=True,
        text=True,
        timeout=SCRIPT_TIMEOUT_S,
    )
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout)
    assert seen["instance"]["runId"] == "node-run"
    assert seen["instance"]["mainAuthority"] == seen["instance"]["joinAuthority"] == str(owner_key)
    assert seen["coordinatorAccount"] == {"version": "1", "stateBytes": 119_136}  # the account after its discriminator
    assert "initCoordinator" in seen["decodedInstructions"]
    assert seen["blockSignatures"].count(signature) == 1 and seen["parsedBlockhash"] == seen["blockhash"]
    assert seen["nativeMint"] == {"decimals": 9, "supply": "0", "isInitialized": True}
    assert seen["epochSchedule"] == 432_000
    assert seen["slotLeader"] == str(IDENTITY_KEYPAIR.pubkey()) and seen["clusterNodes"] == [seen["slotLeader"]]
    assert "system" in seen["innerInstructionPrograms"]  # the coordinator created its accounts by CPI
