"""``client_signers``: the epoch clients' signer keys as a live view, read one index at a time."""

from __future__ import annotations

from coordinator_program.core import client_signers
from coordinator_program.core.types import Client, Coordinator
from tests.coordinator_program.core.runs import identity, new_coordinator, signer_of


def _with_clients(count: int) -> tuple[Coordinator, list[bytes]]:
    coordinator = new_coordinator()
    for n in range(count):
        client = Client()
        client.id = identity(n)
        coordinator.epoch_state.clients.push(client)
    return coordinator, [signer_of(identity(n)) for n in range(count)]


def test_client_signers_reads_the_clients_in_order() -> None:
    coordinator, signers = _with_clients(5)
    view = client_signers(coordinator)
    assert len(view) == 5
    assert [view[i] for i in range(5)] == signers
    assert view[1:3] == signers[1:3]
    assert list(view) == signers


def test_client_signers_is_a_view_not_a_copy() -> None:
    """A witness proof names one index: the check reads that signer, it does not copy all 256 first."""
    coordinator, _ = _with_clients(3)
    view = client_signers(coordinator)
    newcomer = Client()
    newcomer.id = identity(99)
    coordinator.epoch_state.clients.push(newcomer)
    assert len(view) == 4
    assert view[3] == signer_of(identity(99))
