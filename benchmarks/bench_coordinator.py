"""Coordinator transactions per second through the runtime, and the cost of one tick as clients grow.

1. A run with 256 clients and 32 witnesses per round (``witness_nodes = 0``): all join, then rounds of 32
   ``witness`` transactions and one ``tick``. Transactions are signed beforehand; only ``send_transaction`` is
   timed. Prints joins/s, witnesses/s, ticks/s and the overall rate.
2. The cost of one ``tick`` transaction for 1..256 clients: the WaitingForMembers → Warmup tick (which reads every
   pending client) and a RoundTrain tick that changes nothing (mean of many).

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/bench_coordinator.py [--rounds N]`` (it builds every transaction
with the client's own builders, ``client/instructions/``).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

import tomli_w
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.transaction import Transaction

from client.instructions import authorizer, coordinator
from client.instructions.coordinator import RunKeys
from coordinator_program.core import committee_selection
from coordinator_program.core.types import Coordinator, NodeIdentity, WitnessProof
from coordinator_program.state.borsh_args import InitCoordinatorParams
from coordinator_program.state.coordinator_account import COORDINATOR_ACCOUNT_SIZE, load
from coordinator_program.state.coordinator_instance import find_coordinator_instance
from emulator import Bank, TransactionResult
from emulator.constants import LAMPORTS_PER_SOL
from formats.run_config import parse_run_config
from formats.run_config.small_run import small_run
from validator.genesis import PROGRAMS

IDLE_TICKS = 50
START_UNIX = 1_700_000_000
RUN_ID = "bench"
# 256 clients may join (batch_end), every one a witness candidate (witness_nodes 0 = 32 per round), an epoch that
# never times out; Warmup and the witness phase last 10 s, so ``forward(10)`` moves the run on.
RUN_CONFIG = small_run(
    config={
        "warmup_time": 10,
        "cooldown_time": 5,
        "max_round_train_time": 15,
        "round_witness_time": 10,
        "epoch_time": 100_000,
        "waiting_for_members_extra_time": 3,
        "global_batch_size_start": 1,
        "global_batch_size_end": 256,
        "total_steps": 10_000,
    },
    llm={"max_seq_len": 4096},
)


class BenchRun:
    """One unpaused run, open to every client, on a fresh bank: a payer, its owner, and its join authority."""

    def __init__(self) -> None:
        self.bank = Bank(programs=list(PROGRAMS))
        self.bank.set_unix_timestamp(START_UNIX)
        self.payer = Keypair()
        assert self.bank.airdrop(self.payer.pubkey(), 1_000 * LAMPORTS_PER_SOL).err is None
        owner, join_authority, account = Keypair(), Keypair(), Keypair()
        self.run = RunKeys(find_coordinator_instance(RUN_ID), account.pubkey())
        lamports = self.bank.minimum_balance_for_rent_exemption(COORDINATOR_ACCOUNT_SIZE)
        payer = self.payer.pubkey()
        self.must(coordinator.create_coordinator_account(payer, account.pubkey(), lamports), account)
        params = InitCoordinatorParams(owner.pubkey(), join_authority.pubkey(), RUN_ID, "bench")
        self.must(coordinator.init_coordinator(payer, self.run, params))
        settings = parse_run_config(tomli_w.dumps(RUN_CONFIG), "bench_coordinator")
        self.must(coordinator.update(owner.pubkey(), self.run, None, settings.config, settings.model, None), owner)
        grantor = join_authority.pubkey()
        self.authorization = authorizer.join_authorization_address(grantor, Pubkey.default())
        create = authorizer.authorization_create(payer, grantor, Pubkey.default())
        activate = authorizer.authorization_grantor_update(grantor, self.authorization, True)
        assert self.send([create, activate], join_authority).err is None
        self.must(coordinator.set_paused(owner.pubkey(), self.run, False), owner)

    def signed(self, instructions: Sequence[Instruction], *signers: Keypair) -> Transaction:
        """Paid by the payer, signed by ``signers`` too, for the current blockhash."""
        unique = {bytes(k.pubkey()): k for k in (self.payer, *signers)}
        return Transaction.new_signed_with_payer(
            list(instructions), self.payer.pubkey(), list(unique.values()), self.bank.latest_blockhash()
        )

    def send(self, instructions: Sequence[Instruction], *signers: Keypair) -> TransactionResult:
        """Send on a fresh blockhash (so an identical retry is a new transaction)."""
        self.bank.expire_blockhash()
        return self.bank.send_transaction(self.signed(instructions, *signers))

    def must(self, instruction: Instruction, *signers: Keypair) -> None:
        result = self.send([instruction], *signers)
        assert result.err is None, result.logs

    def forward(self, seconds: int) -> None:
        self.bank.forward_unix_timestamp(seconds)

    def tick(self) -> None:
        ticker = Keypair()
        self.must(coordinator.tick(ticker.pubkey(), self.run), ticker)

    def coordinator(self) -> Coordinator:
        data = self.bank.get_account_data(self.run.account)
        assert data is not None
        state: Coordinator = load(data).state.coordinator
        return state

    def elected_proof(self, index: int) -> WitnessProof | None:
        """The witness proof epoch client ``index`` computes for the current round, or None if not elected."""
        position, elected = committee_selection(self.coordinator(), 0).get_witness(index)
        return WitnessProof(position=position, index=index, witness=1) if elected else None


def timed(bank: Bank, txs: list[Transaction]) -> float:
    """Seconds to send ``txs``; every one must succeed."""
    start = time.perf_counter()
    for tx in txs:
        result = bank.send_transaction(tx)
        assert result.err is None, result.logs
    return time.perf_counter() - start


def join_txs(run: BenchRun, clients: list[Keypair]) -> list[Transaction]:
    txs = []
    for client in clients:
        identity = NodeIdentity.from_keys(bytes(client.pubkey()), bytes(32))
        txs.append(run.signed([coordinator.join_run(client.pubkey(), run.authorization, run.run, identity)], client))
    return txs


def tick_txs(run: BenchRun, count: int) -> list[Transaction]:
    return [run.signed([coordinator.tick(k.pubkey(), run.run)], k) for k in (Keypair() for _ in range(count))]


def started_run(clients: int) -> tuple[BenchRun, float]:
    """A run whose ``clients`` joined, in Warmup; returns the seconds the WaitingForMembers → Warmup tick took."""
    run = BenchRun()
    timed(run.bank, join_txs(run, [Keypair() for _ in range(clients)]))
    run.forward(10)
    run.bank.expire_blockhash()
    warmup_tick = timed(run.bank, tick_txs(run, 1))
    return run, warmup_tick


def round_throughput(rounds: int) -> None:
    run = BenchRun()
    clients = [Keypair() for _ in range(256)]
    joins = join_txs(run, clients)
    join_seconds = timed(run.bank, joins)
    run.forward(10)
    run.tick()
    run.forward(10)
    run.tick()  # RoundTrain
    witness_seconds = tick_seconds = 0.0
    witnesses = ticks = 0
    for _ in range(rounds):
        run.bank.expire_blockhash()
        txs = []
        for index, client in enumerate(clients):
            proof = run.elected_proof(index)
            if proof is not None:
                txs.append(run.signed([coordinator.witness(client.pubkey(), run.run, proof)], client))
        assert len(txs) == 32
        witness_seconds += timed(run.bank, txs)
        witnesses += len(txs)
        run.forward(10)  # RoundWitness times out: the next round starts
        tick_seconds += timed(run.bank, tick_txs(run, 1))
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
        run, warmup_tick = started_run(clients)
        run.forward(10)
        run.tick()  # RoundTrain; its timer has not run out for the next ticks
        run.bank.expire_blockhash()
        idle = timed(run.bank, tick_txs(run, IDLE_TICKS)) / IDLE_TICKS
        print(f"  {clients:>7} {warmup_tick * 1e3:>12.2f} {idle * 1e3:>16.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    round_throughput(args.rounds)
    tick_cost_series()


if __name__ == "__main__":
    main()
