"""Scenario 8 of the coordinator spec (§8, the centralized integration tests) replayed through signed transactions.

Settings as in ``config/test``: min/init 2 clients, one witness, short phases. Two of the four cases carry over to
Solana with the wrapper's own rules; the third (a client killed in Warmup is withdrawn) has no Solana counterpart,
since nothing on chain removes a silent client before health checks, and stays a core test
(``tests/coordinator_program/core/test_scenarios.py``).
"""

from __future__ import annotations

from solders.keypair import Keypair

from coordinator_program.core.types import CheckpointTag, RunState
from coordinator_program.state.clients_state import pending_client_ids
from tests.coordinator_program.program.chain import CoordinatorChain


def centralized_settings(batch: int = 4, epoch_time: int = 60) -> dict[str, int]:
    return {
        "warmup_time": 5,
        "cooldown_time": 5,
        "max_round_train_time": 5,
        "round_witness_time": 2,
        "epoch_time": epoch_time,
        "init_min_clients": 2,
        "min_clients": 2,
        "witness_nodes": 1,
        "batch_start": batch,
        "batch_end": batch,
        "max_seq_len": 512,
    }


def started(batch: int = 4, epoch_time: int = 60) -> tuple[CoordinatorChain, list[Keypair]]:
    """An unpaused run with two clients joined, in WaitingForMembers."""
    chain = CoordinatorChain()
    chain.setup(**centralized_settings(batch, epoch_time))
    assert chain.set_paused(False).err is None
    clients = [Keypair(), Keypair()]
    for client in clients:
        assert chain.join(client, chain.authorize(client)).err is None
    return chain, clients


def state(chain: CoordinatorChain) -> RunState:
    return RunState(chain.coordinator().run_state)


def test_two_clients_reach_warmup() -> None:
    chain = CoordinatorChain()
    chain.setup(**centralized_settings())
    assert chain.set_paused(False).err is None
    first, second = Keypair(), Keypair()
    assert chain.join(first, chain.authorize(first)).err is None
    chain.forward(3)
    assert chain.tick().err is None
    assert state(chain) is RunState.WaitingForMembers  # one pending client is not enough
    assert chain.join(second, chain.authorize(second)).err is None
    assert chain.tick().err is None
    assert state(chain) is RunState.Warmup
    assert [bytes(c.id.signer) for c in chain.coordinator().epoch_state.clients] == [
        bytes(first.pubkey()),
        bytes(second.pubkey()),
    ]


def test_join_during_training_is_only_pending() -> None:
    chain, _ = started()
    chain.forward(3)
    assert chain.tick().err is None
    chain.forward(5)
    assert chain.tick().err is None
    assert state(chain) is RunState.RoundTrain
    late = Keypair()
    assert chain.join(late, chain.authorize(late)).err is None
    account = chain.coordinator_account()
    assert len(account.state.coordinator.epoch_state.clients) == 2
    # On Solana the start of training bumped next_active: only the late client is pending for the next epoch.
    assert [bytes(i.signer) for i in pending_client_ids(account.state.clients_state)] == [bytes(late.pubkey())]
    assert len(account.state.clients_state.clients) == 3


def test_ring_buffer_wraps_and_the_epoch_ends() -> None:
    chain, clients = started(batch=2, epoch_time=9)  # the epoch timer expires at step 3: last_step 5
    chain.forward(3)
    assert chain.tick().err is None
    chain.forward(5)
    assert chain.tick().err is None
    heads = []
    while state(chain) is not RunState.Cooldown:
        assert state(chain) is RunState.RoundTrain
        heads.append(chain.coordinator().epoch_state.rounds_head)
        for index, client in enumerate(clients):
            proof = chain.elected_proof(index)
            if proof is not None:
                assert chain.witness(client, proof).err is None
        chain.forward(2)
        assert chain.tick().err is None
    assert heads == [0, 1, 2, 3]
    assert [r.data_index for r in chain.coordinator().epoch_state.rounds] == [0, 2, 4, 6]
    chain.forward(5)
    assert chain.tick().err is None
    coordinator = chain.coordinator()
    assert (coordinator.progress.epoch, coordinator.progress.epoch_start_data_index) == (1, 8)
    assert coordinator.model.llm.checkpoint.tag == CheckpointTag.P2P
    assert RunState(coordinator.run_state) is RunState.WaitingForMembers
