"""psyche-validator as a user runs it: flags, banner, status line, clean stops, resume, --reset, --account, locking."""

from __future__ import annotations

import asyncio
import base64
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from solana.rpc.async_api import AsyncClient
from solders.pubkey import Pubkey

from authorizer.program import PROGRAM_ID as AUTHORIZER_ID
from coordinator_program.program import PROGRAM_ID as COORDINATOR_ID
from treasurer.program import PROGRAM_ID as TREASURER_ID
from validator.process import ValidatorProcess

pytestmark = pytest.mark.integration
REPO_ROOT = Path(__file__).resolve().parents[2]


def balance(url: str, key: Pubkey) -> int:
    async def read() -> int:
        async with AsyncClient(url) as client:
            return (await client.get_balance(key)).value

    return asyncio.run(read())


def airdrop(url: str, key: Pubkey, lamports: int) -> None:
    async def send() -> None:
        async with AsyncClient(url) as client:
            await client.confirm_transaction((await client.request_airdrop(key, lamports)).value)

    asyncio.run(send())


def test_help_explains_every_flag() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "validator.cli", "--help"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    for flag in (
        "--ledger",
        "--reset",
        "--rpc-port",
        "--bind-address",
        "--slot-ms",
        "--finality",
        "--account",
        "--quiet",
        "--hardened",
        "--rpc-max-batch-requests",
        "--rpc-max-response-bytes",
        "--rpc-pubsub-max-active-subscriptions",
        "--rpc-pubsub-max-connection-subscriptions",
    ):
        assert flag in result.stdout


def test_banner_names_the_urls_ledger_and_programs(validator: ValidatorProcess) -> None:
    banner = validator.banner()
    assert f"JSON RPC URL: {validator.url}" in banner
    assert f"WebSocket PubSub URL: {validator.ws_url}" in banner
    assert f"Ledger location: {validator.ledger}" in banner
    for program_id in (COORDINATOR_ID, AUTHORIZER_ID, TREASURER_ID):
        assert str(program_id) in banner


def test_a_stopped_validator_resumes_its_ledger_and_reset_starts_afresh(tmp_path: Path) -> None:
    ledger = tmp_path / "test-ledger"
    key = Pubkey.new_unique()
    first = ValidatorProcess(ledger).start()
    airdrop(first.url, key, 3 * 10**9)
    assert first.stop(signal.SIGINT) == 0
    assert "Shutting down" in first.banner()

    resumed = ValidatorProcess(ledger).start()
    assert "Resumed ledger" in resumed.banner()
    assert balance(resumed.url, key) == 3 * 10**9
    assert resumed.stop() == 0

    reset = ValidatorProcess(ledger, "--reset").start()
    assert "Created ledger" in reset.banner()
    assert balance(reset.url, key) == 0
    assert reset.stop() == 0


def test_a_second_validator_on_the_same_ledger_is_refused(validator: ValidatorProcess) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "validator.cli", "--ledger", str(validator.ledger), "--rpc-port", "1", "--quiet"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "in use" in result.stderr


def test_account_files_are_loaded_into_a_fresh_ledger(tmp_path: Path) -> None:
    key = Pubkey.new_unique()
    dump = {
        "pubkey": str(key),
        "account": {
            "lamports": 7_000_000,
            "data": [base64.b64encode(b"psyche").decode(), "base64"],
            "owner": str(AUTHORIZER_ID),
            "executable": False,
            "rentEpoch": 18446744073709551615,
            "space": 6,
        },
    }
    path = tmp_path / "account.json"
    path.write_text(json.dumps(dump))
    process = ValidatorProcess(tmp_path / "test-ledger", "--account", "-", str(path)).start()

    async def read() -> tuple[int, bytes, Pubkey] | None:
        async with AsyncClient(process.url) as client:
            account = (await client.get_account_info(key)).value
            return None if account is None else (account.lamports, account.data, account.owner)

    try:
        assert asyncio.run(read()) == (7_000_000, b"psyche", AUTHORIZER_ID)
    finally:
        assert process.stop() == 0


def test_a_bad_account_file_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "account.json"
    path.write_text("{}")
    result = subprocess.run(
        [sys.executable, "-m", "validator.cli", "--ledger", str(tmp_path / "l"), "--account", "-", str(path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert str(path) in result.stderr


def test_without_quiet_a_status_line_follows_the_banner(tmp_path: Path) -> None:
    process = ValidatorProcess(tmp_path / "test-ledger", quiet=False).start()
    try:
        deadline = time.monotonic() + 30  # a guard against a hung test, not a timing assertion
        while "Processed Slot:" not in process.banner() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "Processed Slot: " in process.banner()
        assert "| Transactions: " in process.banner()
    finally:
        assert process.stop() == 0


def test_realistic_finality_confirms_after_a_slot_and_finalizes_after_32(tmp_path: Path) -> None:
    process = ValidatorProcess(tmp_path / "test-ledger", "--finality", "realistic", "--slot-ms", "20").start()

    async def airdrop_and_watch() -> list[str]:
        async with AsyncClient(process.url) as client:
            signature = (await client.request_airdrop(Pubkey.new_unique(), 10**9)).value
            seen: list[str] = []
            async with asyncio.timeout(60):  # a guard against a hung test, not a timing assertion
                while not seen or seen[-1] != "finalized":
                    status = (await client.get_signature_statuses([signature])).value[0]
                    level = str(status.confirmation_status).rsplit(".", 1)[-1].lower() if status else "none"
                    if not seen or seen[-1] != level:
                        seen.append(level)
                    await asyncio.sleep(0.005)
            return seen

    try:
        seen = asyncio.run(airdrop_and_watch())
    finally:
        assert process.stop() == 0
    assert seen[-2:] == ["confirmed", "finalized"]
    assert set(seen) <= {"processed", "confirmed", "finalized"}
