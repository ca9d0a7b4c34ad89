"""The simulator's chain: nothing signs and the bank does not verify (LiteSVM's ``sigverify(false)``), while a chain
built for real clients signs and verifies every transaction."""

from __future__ import annotations

from solders.keypair import Keypair
from solders.system_program import TransferParams, transfer
from solders.transaction_status import TransactionErrorFieldless

from client.simulate.chain import SimulationChain
from client.simulate.driver import RunDriver
from client.simulate.record import TransactionTally
from tests.client.simulate.runs import run_config, settings


def _transfer_from_a_funded_wallet(chain: SimulationChain) -> tuple[Keypair, list]:
    wallet = Keypair()
    chain.fund(wallet.pubkey())
    ix = transfer(TransferParams(from_pubkey=wallet.pubkey(), to_pubkey=Keypair().pubkey(), lamports=10**6))
    return wallet, [ix]


def test_the_simulators_transactions_carry_stand_in_signatures() -> None:
    chain = RunDriver(settings(run_config(), 2, 60)).chain
    wallet, instructions = _transfer_from_a_funded_wallet(chain)
    tx = chain.transaction(instructions, wallet.pubkey(), [wallet])
    assert tx.verify_with_results() == [False]  # not an ed25519 signature: nothing was signed
    assert chain.bank.send_transaction(tx).err is None
    resent = chain.transaction(instructions, wallet.pubkey(), [wallet])
    assert resent.signatures == tx.signatures  # deterministic, like ed25519: the status cache sees the repeat
    assert chain.bank.send_transaction(resent).err is not None


def test_a_chain_for_real_clients_signs_and_verifies() -> None:
    chain = SimulationChain(0, TransactionTally())
    wallet, instructions = _transfer_from_a_funded_wallet(chain)
    tx = chain.transaction(instructions, wallet.pubkey(), [wallet])
    assert tx.verify_with_results() == [True]
    forged = SimulationChain(0, TransactionTally(), sigverify=False).transaction(instructions, wallet.pubkey(), [])
    assert chain.bank.send_transaction(forged).err == TransactionErrorFieldless.SignatureFailure


def test_a_read_keeps_the_state_it_saw_while_later_transactions_change_the_account() -> None:
    driver = RunDriver(settings(run_config(), 2, 60))
    chain = driver.chain
    chain.create_run("snapshot", run_config(), 0, 0)
    client = driver.clients[0]
    chain.fund(client.pubkey)
    before = chain.read()
    seen = bytes(before)
    assert chain.join(client.keypair, client.pubkey) is None
    assert bytes(before) == seen  # the join changed the account, not what was read before it
    after = chain.read()
    assert after.nonce == before.nonce + 1 and bytes(after) != seen
