"""``join_run``: who may join (authorization, delegates, the permissionless grantee) and the registry rules."""

from __future__ import annotations

import pytest
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from coordinator_program.core.types import NodeIdentity
from coordinator_program.errors import CoordinatorProgramError
from emulator.anchor import ErrorCode
from emulator.errors import custom_error_code
from tests.coordinator_program.program.chain import CoordinatorChain


@pytest.fixture
def chain() -> CoordinatorChain:
    chain = CoordinatorChain()
    chain.setup(batch_end=3)
    return chain


def registered(chain: CoordinatorChain) -> list[bytes]:
    return [bytes(client.id.signer) for client in chain.coordinator_account().state.clients_state.clients]


def test_join_with_own_authorization_registers_the_client(chain: CoordinatorChain) -> None:
    client = Keypair()
    assert chain.join(client, chain.authorize(client)).err is None
    assert registered(chain) == [bytes(client.pubkey())]


def test_join_without_a_valid_authorization_fails_with_constraint_raw(chain: CoordinatorChain) -> None:
    client, other = Keypair(), Keypair()
    inactive = chain.authorize(client, active=False)
    before = chain.account_bytes()
    assert custom_error_code(chain.join(client, inactive).err) == ErrorCode.ConstraintRaw
    assert custom_error_code(chain.join(client, chain.authorize(other)).err) == ErrorCode.ConstraintRaw
    assert chain.account_bytes() == before


def test_join_with_a_missing_authorization_account_fails(chain: CoordinatorChain) -> None:
    assert custom_error_code(chain.join(Keypair(), Pubkey.new_unique()).err) == ErrorCode.AccountNotInitialized


def test_delegates_join_with_the_grantees_authorization(chain: CoordinatorChain) -> None:
    master, delegate_a, delegate_b = Keypair(), Keypair(), Keypair()
    authorization = chain.authorize(master, delegates=[delegate_a.pubkey(), delegate_b.pubkey()])
    assert chain.join(delegate_a, authorization).err is None
    assert chain.join(delegate_b, authorization).err is None
    assert custom_error_code(chain.join(Keypair(), authorization).err) == ErrorCode.ConstraintRaw
    assert registered(chain) == [bytes(delegate_a.pubkey()), bytes(delegate_b.pubkey())]


def test_permissionless_grantee_lets_anyone_join(chain: CoordinatorChain) -> None:
    authorization = chain.authorize(Pubkey.default())
    anyone = [Keypair(), Keypair()]
    for client in anyone:
        assert chain.join(client, authorization).err is None
    assert registered(chain) == [bytes(client.pubkey()) for client in anyone]


def test_client_id_of_another_signer_is_a_signer_mismatch(chain: CoordinatorChain) -> None:
    client, other = Keypair(), Keypair()
    foreign = NodeIdentity.from_keys(bytes(other.pubkey()), bytes(32))
    assert (
        custom_error_code(chain.join(client, chain.authorize(client), client_id=foreign).err)
        == CoordinatorProgramError.SignerMismatch
    )


def test_rejoin_refreshes_the_p2p_key_without_a_new_entry(chain: CoordinatorChain) -> None:
    client = Keypair()
    authorization = chain.authorize(client)
    assert chain.join(client, authorization, p2p=b"\x01" * 32).err is None
    assert chain.join(client, authorization, p2p=b"\x02" * 32).err is None
    clients = chain.coordinator_account().state.clients_state.clients
    assert len(clients) == 1 and bytes(clients[0].id.p2p_identity) == b"\x02" * 32


def test_registry_is_capped_by_the_final_batch_size(chain: CoordinatorChain) -> None:
    authorization = chain.authorize(Pubkey.default())
    for _ in range(3):
        assert chain.join(Keypair(), authorization).err is None
    assert (
        custom_error_code(chain.join(Keypair(), authorization).err) == CoordinatorProgramError.MoreClientsThanBatches
    )


def test_nobody_joins_before_a_config_exists() -> None:
    chain = CoordinatorChain()
    chain.create_coordinator_account()
    assert chain.init().err is None
    client = Keypair()
    assert (
        custom_error_code(chain.join(client, chain.authorize(client)).err)
        == CoordinatorProgramError.MoreClientsThanBatches
    )


def test_join_while_halted_bumps_the_nonce_but_does_not_tick(chain: CoordinatorChain) -> None:
    client = Keypair()
    nonce = chain.coordinator_account().nonce
    result = chain.join(client, chain.authorize(client))
    assert result.err is None
    assert chain.coordinator_account().nonce == nonce + 1
    assert not any("Pre-tick run state" in line for line in result.logs)
