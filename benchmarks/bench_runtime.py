"""Transfers per second through the emulator and through LiteSVM, side by side in one run, and where the emulator's
time per transfer goes.

5,000 pre-signed System transfers from one payer to 100 recipients are replayed on a fresh emulator Bank and a fresh
LiteSVM; both verify every ed25519 signature. Prints each rate and the ratio (goal: the emulator at 1.0x LiteSVM).
Then the split of the emulator's time per transfer: the ed25519 verification alone (solders'
``verify_with_results`` on the same transactions, the Rust check LiteSVM runs too: a bound no Python code can
lower) and everything else (a bank with ``sigverify=False`` replaying them). Each figure is the median of
``--repeats`` alternating runs. Run: ``.venv/bin/python benchmarks/bench_runtime.py``.
"""

from __future__ import annotations

import argparse
import statistics
import time

from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.transaction import Transaction
from transfers import signed_transfers  # benchmarks/ is on the path when a script runs

from emulator import Bank


def _bank_with_transfers(count: int, sigverify: bool) -> tuple[Bank, list[Transaction]]:
    bank = Bank(sigverify=sigverify)
    payer = Keypair()
    bank.airdrop(payer.pubkey(), 10**15)
    return bank, signed_transfers(payer, bank.latest_blockhash(), count)


def seconds_emulator(count: int, sigverify: bool = True) -> float:
    bank, txs = _bank_with_transfers(count, sigverify)
    start = time.perf_counter()
    for tx in txs:
        result = bank.send_transaction(tx)
        assert result.err is None, result.err
    return time.perf_counter() - start


def seconds_verification(count: int) -> float:
    """ed25519 verification of every signature, as the bank calls it, and nothing else."""
    _, txs = _bank_with_transfers(count, True)
    start = time.perf_counter()
    for tx in txs:
        assert all(tx.verify_with_results())
    return time.perf_counter() - start


def seconds_litesvm(count: int) -> float:
    svm = LiteSVM()
    payer = Keypair()
    svm.airdrop(payer.pubkey(), 10**15)
    txs = signed_transfers(payer, svm.latest_blockhash(), count)
    start = time.perf_counter()
    for tx in txs:
        svm.send_transaction(tx)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transfers", type=int, default=5_000)
    parser.add_argument("--repeats", type=int, default=3, help="alternating runs; medians are reported")
    args = parser.parse_args()
    count = args.transfers
    runs: dict[str, list[float]] = {"emulator": [], "litesvm": [], "verify": [], "rest": []}
    for _ in range(args.repeats):
        runs["emulator"].append(seconds_emulator(count))
        runs["litesvm"].append(seconds_litesvm(count))
        runs["verify"].append(seconds_verification(count))
        runs["rest"].append(seconds_emulator(count, sigverify=False))
    us = {name: statistics.median(values) / count * 1e6 for name, values in runs.items()}
    print(f"emulator: {1e6 / us['emulator']:,.0f} transfers/s ({us['emulator']:.1f} us each)")
    print(f"litesvm:  {1e6 / us['litesvm']:,.0f} transfers/s ({us['litesvm']:.1f} us each)")
    print(f"ratio emulator/litesvm: {us['litesvm'] / us['emulator']:.2f}x (goal >= 1.0x)")
    print(f"of the emulator's {us['emulator']:.1f} us per transfer:")
    print(f"  ed25519 verification (solders, Rust):  {us['verify']:.1f} us")
    print(f"  everything else (sigverify off):       {us['rest']:.1f} us")
    print(f"  everything else vs LiteSVM's whole transfer: {us['rest'] / us['litesvm']:.2f}x")


if __name__ == "__main__":
    main()
