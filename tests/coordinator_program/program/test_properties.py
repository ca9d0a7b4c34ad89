"""Random sequences of joins, ticks at random times, witnesses, health checks, pauses and config updates.

Every step is a signed transaction. Properties: a failed instruction changes no byte of the coordinator account or
the instance; a successful nonce-bumping instruction adds exactly one to the nonce; epoch clients are registered
clients; points never decrease; a round never holds more than 32 witnesses.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from coordinator_program.core import CoreError
from coordinator_program.core.types import Committee, NodeIdentity, RunState, WitnessProof
from emulator import TransactionResult
from tests.coordinator_program.program.chain import CoordinatorChain, scenario_settings

CLIENTS = 4

step = st.one_of(
    st.tuples(st.just("join"), st.integers(0, CLIENTS - 1)),
    st.tuples(st.just("tick"), st.integers(0, 30)),
    st.tuples(st.just("witness"), st.integers(0, CLIENTS - 1)),
    st.tuples(st.just("warmup_witness"), st.integers(0, CLIENTS - 1)),
    st.tuples(st.just("health_check"), st.integers(0, CLIENTS * CLIENTS - 1)),
    st.tuples(st.just("set_paused"), st.booleans()),
    st.tuples(st.just("update"), st.integers(0, 3)),
    st.tuples(st.just("rates"), st.integers(0, 10_000)),
)


def run_step(
    chain: CoordinatorChain, clients: list[Keypair], authorization: object, op: str, arg: int
) -> tuple[TransactionResult, bool]:
    """Send one step; return the result and whether a success bumps the nonce."""
    match op:
        case "join":
            return chain.join(clients[arg], authorization), True  # type: ignore[arg-type]
        case "tick":
            chain.forward(arg)
            return chain.tick(), True
        case "witness":
            index = arg
            coordinator = chain.coordinator()
            signers = [bytes(c.id.signer) for c in coordinator.epoch_state.clients]
            if bytes(clients[arg].pubkey()) in signers:
                index = signers.index(bytes(clients[arg].pubkey()))
            try:
                proof = chain.elected_proof(index)
            except CoreError:  # no round, or no clients in it: send a made-up proof
                proof = None
            return chain.witness(clients[arg], proof or WitnessProof(position=index, index=index, witness=1)), True
        case "warmup_witness":
            return chain.warmup_witness(clients[arg], WitnessProof(position=arg, index=arg, witness=0)), True
        case "health_check":
            reporter, target = divmod(arg, CLIENTS)
            target_id = NodeIdentity.from_keys(bytes(clients[target].pubkey()), bytes(32))
            args = (target_id, Committee.Trainer, target, target)
            return chain.permissionless("health_check", clients[reporter], *args), True
        case "set_paused":
            return chain.set_paused(bool(arg)), True
        case "update":
            config, model = scenario_settings(witness_nodes=arg % 2, cooldown_time=5 + arg, batch_end=CLIENTS)
            return chain.update(config=config, model=model), True
        case "rates":
            return chain.set_future_epoch_rates(arg), True
    raise AssertionError(op)


@settings(max_examples=25, deadline=None)
@given(steps=st.lists(step, min_size=5, max_size=40))
def test_random_operations_keep_the_invariants(steps: list[tuple[str, int]]) -> None:
    chain = CoordinatorChain()
    chain.setup(batch_end=CLIENTS, min_clients=1, init_min_clients=1, witness_nodes=0)
    authorization = chain.authorize(Pubkey.default())  # anyone may join
    clients = [Keypair() for _ in range(CLIENTS)]
    earned: dict[bytes, int] = {}
    for op, arg in steps:
        before = (chain.account_bytes(), chain.bank.get_account(chain.instance))
        nonce = chain.coordinator_account().nonce
        result, bumps = run_step(chain, clients, authorization, op, arg)
        if result.err is not None:
            assert (chain.account_bytes(), chain.bank.get_account(chain.instance)) == before, (op, result.logs)
            continue
        account = chain.coordinator_account()
        assert account.nonce == nonce + (1 if bumps else 0)
        state = account.state
        RunState(state.coordinator.run_state)
        registered = {bytes(c.id.signer): c for c in state.clients_state.clients}
        assert all(bytes(c.id.signer) in registered for c in state.coordinator.epoch_state.clients)
        for round_ in state.coordinator.epoch_state.rounds:
            assert len(round_.witnesses) <= 32
        for signer, client in registered.items():
            assert client.earned >= earned.get(signer, 0)
            earned[signer] = client.earned
