"""The validator under the issue's amplification attack, with its response limit and with the limit lifted.

The attack is one 4.5 kB JSON-RPC batch of 32 ``getAccountInfo`` calls (base64) on a 10 MiB account. Before the
limits it produced a 447 MB response, a 1.57 GB peak RSS and an event loop blocked for 8.5 s. For each setting this
starts a ``psyche-validator`` process holding such an account (``--account``), sends the batch while a second
connection keeps asking ``getSlot`` one call after another, and prints: the response size, how many of the 32 calls
were answered with data, the validator's peak RSS growth (VmHWM), and how many getSlot calls the other connection
got answered during the attack with their slowest latency.

Run: ``.venv/bin/python benchmarks/bench_rpc_limits.py`` (about 30 s on a 2-core machine).
"""

from __future__ import annotations

import asyncio
import base64
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from solders.pubkey import Pubkey

from validator.process import ValidatorProcess

MIB = 1024 * 1024
ACCOUNT_SIZE = 10 * MIB
CALLS = 32


@dataclass(frozen=True)
class Outcome:
    response_bytes: int
    answered: int
    rss_growth_mb: float
    probes: int
    slowest_probe_ms: float
    attack_s: float


def write_account_file(path: Path, key: Pubkey) -> None:
    data = base64.b64encode(bytes(range(256)) * (ACCOUNT_SIZE // 256)).decode()
    account = {"lamports": 10**12, "data": [data, "base64"], "owner": str(Pubkey.default()), "executable": False}
    path.write_text(json.dumps({"pubkey": str(key), "account": {**account, "rentEpoch": 0, "space": ACCOUNT_SIZE}}))


def peak_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM")


async def attack(url: str, key: Pubkey, pid: int) -> Outcome:
    batch = [
        {"jsonrpc": "2.0", "id": n, "method": "getAccountInfo", "params": [str(key), {"encoding": "base64"}]}
        for n in range(CALLS)
    ]
    body = json.dumps(batch).encode()
    headers = {"Content-Type": "application/json"}
    probe_body = b'{"jsonrpc":"2.0","id":0,"method":"getSlot"}'
    timeout = aiohttp.ClientTimeout(total=600)
    async with aiohttp.ClientSession(timeout=timeout) as attacker, aiohttp.ClientSession(timeout=timeout) as prober:
        async with prober.post(url, data=probe_body, headers=headers) as warm:
            await warm.read()
        before = peak_rss_kb(pid)

        async def send() -> bytes:
            async with attacker.post(url, data=body, headers=headers) as response:
                return await response.read()

        started = time.perf_counter()
        task = asyncio.create_task(send())
        probes, slowest = 0, 0.0
        while not task.done():
            sent = time.perf_counter()
            async with prober.post(url, data=probe_body, headers=headers) as response:
                await response.read()
            if not task.done():
                probes += 1
                slowest = max(slowest, time.perf_counter() - sent)
        answer = await task
        elapsed = time.perf_counter() - started
    answered = sum(1 for item in json.loads(answer) if "result" in item)
    growth = (peak_rss_kb(pid) - before) / 1024
    return Outcome(len(answer), answered, growth, probes, slowest * 1000, elapsed)


async def measure(label: str, extra: list[str], work: Path, key: Pubkey, account_file: Path) -> Outcome:
    process = ValidatorProcess(work / label.replace(" ", "-"), "--account", str(key), str(account_file), *extra)
    process.start()
    try:
        return await attack(process.url, key, process.process.pid)
    finally:
        process.stop()


def main() -> None:
    settings = [
        ("limit lifted", ["--rpc-max-response-bytes", str(1 << 40)]),
        ("default limits", []),
    ]
    key = Pubkey.new_unique()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        account_file = work / "big-account.json"
        write_account_file(account_file, key)
        rows = [(label, asyncio.run(measure(label, extra, work, key, account_file))) for label, extra in settings]
    print(f"one batch of {CALLS} getAccountInfo on a {ACCOUNT_SIZE // MIB} MiB account (a 4.5 kB request)")
    print(f"{'':16} {'response':>12} {'answered':>9} {'peak RSS +':>11} {'getSlot served':>15} {'slowest':>9}")
    for label, row in rows:
        print(
            f"{label:16} {row.response_bytes / 1e6:>9.1f} MB {row.answered:>6}/{CALLS} {row.rss_growth_mb:>8.0f} MB "
            f"{row.probes:>15} {row.slowest_probe_ms:>6.0f} ms   (attack took {row.attack_s:.1f} s)"
        )
    lifted, default = rows[0][1], rows[1][1]
    print(f"response ratio {lifted.response_bytes / default.response_bytes:.1f}x, "
          f"peak RSS growth ratio {lifted.rss_growth_mb / max(default.rss_growth_mb, 1):.1f}x")  # fmt: skip


if __name__ == "__main__":
    main()
