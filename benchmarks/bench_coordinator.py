"""Coordinator transactions per second through the runtime, and the cost of one tick as clients grow.

1. A run with 256 clients and 32 witnesses per round (``witness_nodes = 0``): all join, then rounds of 32
   ``witness`` transactions and one ``tick``. Transactions are signed beforehand; only ``send_transaction`` is
   timed. Prints joins/s, witnesses/s, ticks/s and the overall rate.
2. The cost of one ``tick`` transaction for 1..256 clients: the WaitingForMembers → Warmup tick (which reads every
   pending client) and a RoundTrain tick that changes nothing (mean of many).

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/bench_coordinator.py [--rounds N]`` (it drives the run with the
test harness of ``tests/coordinator_program/program/chain.py``).
"""

from __future__ import annotations

import argparse
import time

from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.transaction import Transaction

from coordinator_program.core.types import MerkleRoot, NodeIdentity, WitnessBloom, WitnessMetadata
from coordinator_program.state.borsh_args import JoinRunParams
from emulator import Bank
from tests.coordinator_program.program.chain import CoordinatorChain, coordinator_ix

IDLE_TICKS = 50


def signed(chain: CoordinatorChain, ix: Instruction, signer: Keypair) -> Transaction:
    return Transaction.new_signed_with_payer(
        [ix], chain.payer.pubkey(), [chain.payer, signer], chain.bank.latest_blockhash()
    )


def timed(bank: Bank, txs: list[Transaction]) -> float:
    """Seconds to send ``txs``; every one must succeed."""
    start = time.perf_counter()
    for tx in txs:
        result = bank.send_transaction(tx)
        assert result.err is None, result.logs
    return time.perf_counter() - start


def join_txs(chain: CoordinatorChain, clients: list[Keypair], authorization: Pubkey) -> list[Transaction]:
    txs = []
    for client in clients:
        keys = chain.user_keys(client.pubkey()) | {"authorization": authorization}
        params = JoinRunParams(NodeIdentity.from_keys(bytes(client.pubkey()), bytes(32)))
        txs.append(signed(chain, coordinator_ix("join_run", keys, params), client))
    return txs


def tick_txs(chain: CoordinatorChain, count: int) -> list[Transaction]:
    return [
        signed(chain, coordinator_ix("tick", chain.user_keys(k.pubkey())), k)
        for k in (Keypair() for _ in range(count))
    ]


def started_run(clients: int) -> tuple[CoordinatorChain, list[Keypair], float]:
    """A run whose ``clients`` joined, in Warmup; returns the seconds the WaitingForMembers → Warmup tick took."""
    chain = CoordinatorChain()
    chain.setup(batch_end=256, witness_nodes=0, epoch_time=100_000, total_steps=10_000, cooldown_time=5)
    authorization = chain.authorize(Pubkey.default())
    assert chain.set_paused(False).err is None
    keypairs = [Keypair() for _ in range(clients)]
    timed(chain.bank, join_txs(chain, keypairs, authorization))
    chain.forward(10)
    chain.bank.expire_blockhash()
    warmup_tick = timed(chain.bank, tick_txs(chain, 1))
    return chain, keypairs, warmup_tick


def round_throughput(rounds: int) -> None:
    chain = CoordinatorChain()
    chain.setup(batch_end=256, witness_nodes=0, epoch_time=100_000, total_steps=10_000, cooldown_time=5)
    authorization = chain.authorize(Pubkey.default())
    assert chain.set_paused(False).err is None
    clients = [Keypair() for _ in range(256)]
    joins = join_txs(chain, clients, authorization)
    join_seconds = timed(chain.bank, joins)
    chain.forward(10)
    assert chain.tick().err is None
    chain.forward(10)
    assert chain.tick().err is None  # RoundTrain
    witness_seconds = tick_seconds = 0.0
    witnesses = ticks = 0
    for _ in range(rounds):
        chain.bank.expire_blockhash()
        txs = []
        for index, client in enumerate(clients):
            proof = chain.elected_proof(index)
            if proof is not None:
                args = (proof, WitnessBloom(), WitnessBloom(), MerkleRoot(), WitnessMetadata())
                txs.append(signed(chain, coordinator_ix("witness", chain.user_keys(client.pubkey()), *args), client))
        assert len(txs) == 32
        witness_seconds += timed(chain.bank, txs)
        witnesses += len(txs)
        chain.forward(10)  # RoundWitness times out: the next round starts
        tick_seconds += timed(chain.bank, tick_txs(chain, 1))
        ticks += 1
    total = len(joins) + witnesses + ticks
    seconds = join_seconds + witness_seconds + tick_seconds
    print(f"256 clients, 32 witnesses per round, {rounds} rounds")
    print(f"  join_run : {len(joins) / join_seconds:8.1f} tx/s ({len(joins)} tx)")
    print(f"  witness  : {witnesses / witness_seconds:8.1f} tx/s ({witnesses} tx)")
    print(f"  tick     : {ticks / tick_seconds:8.1f} tx/s ({ticks} tx, each starting a round)")
    print(f"  overall  : {total / seconds:8.1f} tx/s ({total} tx in {seconds:.2f} s)")


def tick_cost_series() -> None:
    print("tick cost by clients (ms per tick transaction)")
    print(f"  {'clients':>7} {'WFM->Warmup':>12} {'idle RoundTrain':>16}")
    for clients in (1, 2, 4, 8, 16, 32, 64, 128, 256):
        chain, _, warmup_tick = started_run(clients)
        chain.forward(10)
        assert chain.tick().err is None  # RoundTrain; its timer has not run out for the next ticks
        chain.bank.expire_blockhash()
        idle = timed(chain.bank, tick_txs(chain, IDLE_TICKS)) / IDLE_TICKS
        print(f"  {clients:>7} {warmup_tick * 1e3:>12.2f} {idle * 1e3:>16.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    round_throughput(args.rounds)
    tick_cost_series()


if __name__ == "__main__":
    main()
