"""``scripts/psyche-centralized-spawn-clients.sh``'s flags reach each client's ``train`` as the help says.

The client command is replaced by a stand-in that records its arguments (``$PSYCHE_CENTRALIZED_CLIENT``, as the
scripts document), so this checks the script alone, in a fraction of a second.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def _spawn(tmp_path: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    recorder = tmp_path / "record.sh"
    recorder.write_text('#!/usr/bin/env bash\nprintf "%s\\n" "$@" > "$RECORD_DIR/$$.args"\n')
    keygen = tmp_path / "keygen.sh"
    keygen.write_text('#!/usr/bin/env bash\necho "[]" > "$4"\n')  # keygen new -o FILE
    (tmp_path / "args").mkdir(exist_ok=True)
    env = os.environ | {
        "PSYCHE_CENTRALIZED_CLIENT": f"bash {recorder}",
        "PSYCHE_SOLANA_CLIENT": f"bash {keygen}",
        "RECORD_DIR": str(tmp_path / "args"),
    }
    command = ["bash", str(SCRIPTS / "psyche-centralized-spawn-clients.sh"), "--run-id", "r", "--server-addr",
               "127.0.0.1:1", "--work-dir", str(tmp_path / "work"), *flags]  # fmt: skip
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=30)


def _client_args(tmp_path: Path) -> dict[str, list[str]]:
    """Each client's train arguments, keyed by its log file's name (client-n.jsonl)."""
    runs = [path.read_text().splitlines() for path in (tmp_path / "args").iterdir()]
    return {Path(args[args.index("--write-log") + 1]).name: args for args in runs}


def test_tiers_go_round_robin_to_the_clients_as_matformer_tiers(tmp_path: Path) -> None:
    spawned = _spawn(tmp_path, "--num-clients", "3", "--tiers", "0,2")

    assert spawned.returncode == 0, spawned.stderr
    args = _client_args(tmp_path)
    tiers = {name: a[a.index("--matformer-tier") + 1] for name, a in args.items()}
    assert tiers == {"client-1.jsonl": "0", "client-2.jsonl": "2", "client-3.jsonl": "0"}


def test_without_tiers_no_client_is_given_one_and_a_bad_tier_is_refused(tmp_path: Path) -> None:
    assert _spawn(tmp_path, "--num-clients", "2").returncode == 0
    assert all("--matformer-tier" not in a for a in _client_args(tmp_path).values())

    refused = _spawn(tmp_path, "--num-clients", "2", "--tiers", "0,x")
    assert refused.returncode == 2 and "comma-separated tier numbers" in refused.stderr
