"""The client registry's lookup: the first client whose signer field (not any 32 bytes) equals the wallet."""

from __future__ import annotations

from coordinator_program.core.types import NodeIdentity
from coordinator_program.state.clients_state import find_client
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
