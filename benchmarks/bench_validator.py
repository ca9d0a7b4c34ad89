"""psyche-validator over loopback: send+confirm latency and sustained transactions/s, beside the in-process bank.

The workload is pre-signed System transfers (one per transaction, 100 recipients per payer), each
sent with preflight (as clients send by default) and confirmed by polling getSignatureStatuses
until it reports ``finalized`` (instant finality: the first poll). Latency is the time from
sending to that status. Each sender is an asyncio task with its own payer and connection; all
senders share one client process. Two clients are measured: solana-py's AsyncClient, as users
run it, and a lean one (aiohttp posting prebuilt JSON bodies) whose own cost is small enough to
show what the validator itself sustains. The same transfers are replayed on an in-process bank
with an in-memory ledger and with the SQLite ledger (synchronous NORMAL and FULL): the ceiling the
RPC path is measured against. Goal: p50 send+confirm under 5 ms.

Run: ``.venv/bin/python benchmarks/bench_validator.py`` (about 40 s on a 2-core machine).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import statistics
import tempfile
import time
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import aiohttp
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Confirmed
from solana.rpc.types import TxOpts
from solders.keypair import Keypair
from solders.transaction import Transaction
from solders.transaction_status import TransactionConfirmationStatus
from transfers import signed_transfers  # benchmarks/ is on the path when a script runs

from emulator import Bank, InMemoryLedgerStore, LedgerStore
from emulator.ledger_sqlite import SqliteLedgerStore, Synchronous
from validator.process import ValidatorProcess

PAYER_LAMPORTS = 10**15


def in_process_rate(ledger: LedgerStore, count: int) -> float:
    """Transfers/s through ``Bank.send_transaction`` over ``ledger``, signatures verified."""
    bank = Bank(ledger=ledger)
    payer = Keypair()
    bank.airdrop(payer.pubkey(), PAYER_LAMPORTS)
    txs = signed_transfers(payer, bank.latest_blockhash(), count)
    start = time.perf_counter()
    for tx in txs:
        assert bank.send_transaction(tx).err is None
    return count / (time.perf_counter() - start)


@dataclass(frozen=True)
class RpcRun:
    client: Client
    senders: int
    transactions: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        return self.transactions / self.seconds

    def percentile(self, q: int) -> float:
        return statistics.quantiles(self.latencies_ms, n=100)[q - 1]


class Client(Enum):
    SOLANA_PY = "solana-py"
    LEAN = "lean"


async def solana_py_sender(url: str, txs: list[Transaction], latencies: list[float]) -> None:
    opts = TxOpts(skip_confirmation=True, preflight_commitment=Confirmed)
    async with AsyncClient(url) as client:
        await client.get_slot()  # open the connection before timing
        for tx in txs:
            start = time.perf_counter()
            signature = (await client.send_raw_transaction(bytes(tx), opts=opts)).value
            while True:
                status = (await client.get_signature_statuses([signature])).value[0]
                if status is not None and status.confirmation_status == TransactionConfirmationStatus.Finalized:
                    break
            assert status.err is None, status.err
            latencies.append((time.perf_counter() - start) * 1000)


def _body(method: str, params: list[object]) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": 0, "method": method, "params": params}).encode()


async def lean_sender(url: str, txs: list[Transaction], latencies: list[float]) -> None:
    send_config = {"encoding": "base64", "skipPreflight": False, "preflightCommitment": "confirmed"}
    requests = [
        (
            _body("sendTransaction", [base64.b64encode(bytes(tx)).decode(), send_config]),
            _body("getSignatureStatuses", [[str(tx.signatures[0])]]),
        )
        for tx in txs
    ]
    headers = {"Content-Type": "application/json"}
    async with aiohttp.ClientSession(headers=headers) as session:
        async with session.post(url, data=_body("getSlot", [])) as response:
            await response.read()
        for send, poll in requests:
            start = time.perf_counter()
            async with session.post(url, data=send) as response:
                assert "result" in json.loads(await response.read())
            while True:
                async with session.post(url, data=poll) as response:
                    status = json.loads(await response.read())["result"]["value"][0]
                if status is not None and status["confirmationStatus"] == "finalized":
                    break
            assert status["err"] is None, status["err"]
            latencies.append((time.perf_counter() - start) * 1000)


SENDERS = {Client.SOLANA_PY: solana_py_sender, Client.LEAN: lean_sender}


async def rpc_run(url: str, client: Client, senders: int, per_sender: int) -> RpcRun:
    payers = [Keypair() for _ in range(senders)]
    async with AsyncClient(url) as setup:
        for payer in payers:
            await setup.confirm_transaction((await setup.request_airdrop(payer.pubkey(), PAYER_LAMPORTS)).value)
        blockhash = (await setup.get_latest_blockhash()).value.blockhash
    batches = [signed_transfers(payer, blockhash, per_sender) for payer in payers]
    latencies: list[float] = []
    sender = SENDERS[client]
    start = time.perf_counter()
    await asyncio.gather(*(sender(url, batch, latencies) for batch in batches))
    return RpcRun(client, senders, senders * per_sender, time.perf_counter() - start, latencies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=2000, help="per RPC run (default: %(default)s)")
    parser.add_argument("--senders", type=int, nargs="+", default=[1, 4, 16], help="concurrent senders per run")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        rates = {
            "in-process bank, memory ledger": in_process_rate(InMemoryLedgerStore(), args.transactions),
            "in-process bank, SQLite NORMAL": in_process_rate(
                SqliteLedgerStore(Path(tmp) / "normal.sqlite3", Synchronous.NORMAL), args.transactions
            ),
            "in-process bank, SQLite FULL": in_process_rate(
                SqliteLedgerStore(Path(tmp) / "full.sqlite3", Synchronous.FULL), args.transactions
            ),
        }
        validator = ValidatorProcess(Path(tmp) / "test-ledger").start()
        try:
            runs = [
                asyncio.run(rpc_run(validator.url, client, n, max(1, args.transactions // n)))
                for client in Client
                for n in args.senders
            ]
        finally:
            validator.stop()

    print(f"System transfers, {args.transactions} per run; over RPC: preflight on, instant finality")
    for name, rate in rates.items():
        print(f"  {name:<40} {rate:>7,.0f} tx/s")
    for run in runs:
        label = f"JSON-RPC, {run.client.value} client, {run.senders} sender{'s' if run.senders > 1 else ''}"
        print(
            f"  {label:<40} {run.rate:>7,.0f} tx/s   send+confirm p50 {run.percentile(50):5.2f} ms"
            f"  p99 {run.percentile(99):5.2f} ms"
        )
    sqlite_rate = rates["in-process bank, SQLite NORMAL"]
    best = max(runs, key=lambda run: run.rate)
    print(f"  best RPC rate: {best.rate / sqlite_rate:.2f}x the in-process SQLite rate")
    single = next(run for run in runs if run.client is Client.SOLANA_PY and run.senders == 1)
    p50 = single.percentile(50)
    print(f"  goal p50 < 5 ms (solana-py, 1 sender): {'met' if p50 < 5 else 'NOT met'} ({p50:.2f} ms)")


if __name__ == "__main__":
    main()
