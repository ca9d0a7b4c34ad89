"""Transfers per second through the emulator and through LiteSVM, side by side in one run.

5,000 pre-signed System transfers from one payer to 100 recipients are replayed on a fresh
emulator Bank and a fresh LiteSVM; both verify every ed25519 signature. Prints each rate and the
ratio (goal: the emulator at 0.5x LiteSVM or better). Run: ``.venv/bin/python benchmarks/bench_runtime.py``.
"""

from __future__ import annotations

import argparse
import time

from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from transfers import signed_transfers  # benchmarks/ is on the path when a script runs

from emulator import Bank


def rate_emulator(count: int) -> float:
    bank = Bank()
    payer = Keypair()
    bank.airdrop(payer.pubkey(), 10**15)
    txs = signed_transfers(payer, bank.latest_blockhash(), count)
    start = time.perf_counter()
    for tx in txs:
        result = bank.send_transaction(tx)
        assert result.err is None, result.err
    return count / (time.perf_counter() - start)


def rate_litesvm(count: int) -> float:
    svm = LiteSVM()
    payer = Keypair()
    svm.airdrop(payer.pubkey(), 10**15)
    txs = signed_transfers(payer, svm.latest_blockhash(), count)
    start = time.perf_counter()
    for tx in txs:
        svm.send_transaction(tx)
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transfers", type=int, default=5_000)
    parser.add_argument("--repeats", type=int, default=3, help="alternate runs; the best of each is reported")
    args = parser.parse_args()
    emulator_rates, litesvm_rates = [], []
    for _ in range(args.repeats):
        emulator_rates.append(rate_emulator(args.transfers))
        litesvm_rates.append(rate_litesvm(args.transfers))
    emulator, litesvm = max(emulator_rates), max(litesvm_rates)
    print(f"emulator: {emulator:,.0f} transfers/s")
    print(f"litesvm:  {litesvm:,.0f} transfers/s")
    print(f"ratio emulator/litesvm: {emulator / litesvm:.2f}x (goal >= 0.50x)")


if __name__ == "__main__":
    main()
