"""The client registry: the lookup of a wallet (its signer field, not any 32 bytes) and the pending clients."""

from __future__ import annotations

from coordinator_program.core.types import NodeIdentity
from coordinator_program.state.clients_state import find_client, pending_client_ids
from coordinator_program.state.coordinator_account import ClientsState, SolanaClient


def _registry(*identities: NodeIdentity) -> ClientsState:
    state = ClientsState()
    for identity in identities:
        client = SolanaClient()
        client.id = identity
        state.clients.push(client)
    return state


def test_find_client_returns_the_first_registered_match() -> None:
    alice, bob = b"\1" * 32, b"\2" * 32
    state = _registry(NodeIdentity.from_keys(alice, b"\7" * 32), NodeIdentity.from_keys(bob, b"\x08" * 32))
    found = find_client(state, bob)
    assert found is not None and bytes(found.id.p2p_identity) == b"\x08" * 32
    found.earned = 5  # a live view of the registry
    assert state.clients[1].earned == 5


def test_a_wallet_that_is_only_someones_p2p_key_is_not_found() -> None:
    alice, bob = b"\1" * 32, b"\2" * 32
    state = _registry(NodeIdentity.from_keys(alice, bob))
    assert find_client(state, bob) is None
    assert find_client(state, alice[:16] + bob[:16]) is None  # straddles two fields


def test_clients_past_len_and_odd_lengths_are_not_found() -> None:
    alice = b"\1" * 32
    state = _registry(NodeIdentity.from_keys(alice, b"\3" * 32))
    state.clients.pop()
    assert find_client(state, alice) is None
    assert find_client(_registry(NodeIdentity.from_keys(alice, alice)), b"") is None


def test_pending_clients_are_those_whose_active_is_next_active_in_registration_order() -> None:
    keys = [bytes([n]) * 32 for n in range(1, 6)]
    state = _registry(*(NodeIdentity.from_keys(key, key) for key in keys))
    state.next_active = 3
    for index, active in enumerate((3, 2, 3, 0, 3)):
        state.clients[index].active = active
    pending = pending_client_ids(state)
    assert len(pending) == 3
    assert [bytes(identity.signer) for identity in pending] == [keys[0], keys[2], keys[4]]
    assert [bytes(identity.signer) for identity in pending[1:]] == [keys[2], keys[4]]
    assert bytes(pending[-1].signer) == keys[4]
    pending[0].p2p_identity[0] = 9  # live views of the registry
    assert state.clients[0].id.p2p_identity[0] == 9
    state.next_active = 4
    assert len(pending_client_ids(state)) == 0
