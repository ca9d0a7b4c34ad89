"""Acceptance scenarios 1-3 of the coordinator spec (§8), through signed transactions on the Bank."""

from __future__ import annotations

from solders.keypair import Keypair
from solders.pubkey import Pubkey

from coordinator_program.core.types import RunState
from coordinator_program.errors import CoordinatorProgramError
from coordinator_program.state.coordinator_account import COORDINATOR_ACCOUNT_SIZE
from coordinator_program.state.coordinator_instance import COORDINATOR_INSTANCE_SPACE
from emulator.constants import LAMPORTS_PER_SIGNATURE
from emulator.errors import custom_error_code
from tests.coordinator_program.program.chain import CoordinatorChain

WAITING_FOR_MEMBERS_EXTRA_SECONDS = 10


def test_init_then_free_refunds_spill_and_costs_two_fees() -> None:
    chain = CoordinatorChain()
    bank = chain.bank
    payer, main_authority = chain.payer.pubkey(), chain.main_authority.pubkey()
    payer_start = bank.get_balance(payer)
    account_rent = bank.minimum_balance_for_rent_exemption(COORDINATOR_ACCOUNT_SIZE)
    instance_rent = bank.minimum_balance_for_rent_exemption(COORDINATOR_INSTANCE_SPACE)
    assert (account_rent, instance_rent) == (830_244_480, 2_094_960)

    chain.create_coordinator_account()
    assert chain.init().err is None
    payer_after = bank.get_balance(payer)
    assert payer_after == payer_start - account_rent - instance_rent - 3 * LAMPORTS_PER_SIGNATURE
    assert bank.get_balance(main_authority) == 0
    assert bank.get_account(chain.instance) is not None
    account = chain.coordinator_account()
    assert (account.version, account.nonce, account.state.client_version.value) == (1, 0, "test")
    assert account.state.coordinator.run_id.value == "this is a dummy run_id"
    assert RunState(account.state.coordinator.run_state) is RunState.Uninitialized

    spill = Pubkey.new_unique()
    assert chain.free(spill).err is None
    assert bank.get_balance(payer) == payer_after - 2 * LAMPORTS_PER_SIGNATURE
    assert bank.get_balance(main_authority) == 0
    assert bank.get_balance(spill) == account_rent + instance_rent
    assert bank.get_account(chain.instance) is None
    assert bank.get_account(chain.account_key) is None


def test_full_round() -> None:
    chain = CoordinatorChain()
    chain.setup()
    assert RunState(chain.coordinator().run_state) is RunState.Uninitialized
    assert custom_error_code(chain.tick().err) == CoordinatorProgramError.CoordinatorErrorHalted

    client = Keypair()
    authorization = chain.authorize(client)
    assert custom_error_code(chain.join(client, authorization, signer=chain.payer).err) is not None
    assert chain.join(client, authorization).err is None
    assert RunState(chain.coordinator().run_state) is RunState.Uninitialized
    assert custom_error_code(chain.tick().err) == CoordinatorProgramError.CoordinatorErrorHalted

    assert chain.set_paused(False).err is None
    assert RunState(chain.coordinator().run_state) is RunState.WaitingForMembers
    assert chain.join(client, authorization).err is None  # the unpause bumped next_active

    chain.forward(WAITING_FOR_MEMBERS_EXTRA_SECONDS)
    assert chain.tick().err is None
    assert RunState(chain.coordinator().run_state) is RunState.Warmup
    chain.forward(10)
    assert chain.tick().err is None
    coordinator = chain.coordinator()
    assert RunState(coordinator.run_state) is RunState.RoundTrain
    assert (coordinator.epoch_state.rounds[coordinator.epoch_state.rounds_head].height, coordinator.progress.step) == (
        0,
        1,
    )

    proof = chain.elected_proof(0)
    assert proof is not None and (proof.position, proof.index) == (0, 0)
    assert custom_error_code(chain.witness(chain.ticker, proof).err) == CoordinatorProgramError.SignerNotAClient
    assert chain.witness(client, proof).err is None
    assert RunState(chain.coordinator().run_state) is RunState.RoundWitness

    chain.forward(10)
    assert chain.tick().err is None
    assert RunState(chain.coordinator().run_state) is RunState.RoundTrain


def test_rewards_240_clients_earn_1851_points_each() -> None:
    chain = CoordinatorChain()
    chain.setup(cooldown_time=88, witness_nodes=0, batch_end=240, extra_time=10)
    assert chain.set_future_epoch_rates(444_444).err is None
    assert chain.set_paused(False).err is None
    clients = [Keypair() for _ in range(240)]
    for client in clients:
        assert chain.join(client, chain.authorize(client)).err is None

    chain.forward(10)
    assert chain.tick().err is None
    assert RunState(chain.coordinator().run_state) is RunState.Warmup
    chain.forward(10)
    assert chain.tick().err is None
    assert RunState(chain.coordinator().run_state) is RunState.RoundTrain

    for iteration in range(4):
        witnesses = 0
        for index, client in enumerate(clients):
            proof = chain.elected_proof(index)
            if proof is not None:
                assert chain.witness(client, proof).err is None
                witnesses += 1
        assert witnesses == 32
        chain.forward(10)
        assert chain.tick().err is None
        if iteration == 1:
            assert chain.coordinator().epoch_state.last_step == 5
    assert RunState(chain.coordinator().run_state) is RunState.Cooldown

    chain.forward(88)
    assert chain.tick().err is None
    account = chain.coordinator_account()
    assert RunState(account.state.coordinator.run_state) is RunState.WaitingForMembers
    earned = [client.earned for client in account.state.clients_state.clients]
    assert earned == [444_444 // 240] * 240 == [1851] * 240
