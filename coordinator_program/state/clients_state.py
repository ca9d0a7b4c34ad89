"""The program's client registry (``clients_state.clients``): append-only, one entry per wallet ever joined.

A client is *pending* for the next epoch when its ``active`` equals ``next_active``; the wrapper bumps
``next_active`` when training starts and on unpause, so every client re-joins every epoch.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload

from coordinator_program.core.types import NodeIdentity
from coordinator_program.errors import CoordinatorProgramError
from coordinator_program.state.coordinator_account import ClientsState, SolanaClient
from emulator.anchor import AnchorError

__all__ = ["PendingClients", "pending_client_ids", "find_client", "registered_client", "join_registry"]


class PendingClients(Sequence[NodeIdentity]):
    """The identities of the pending clients, in registration order, as live views of the registry.

    The wrapper's tick asks for them after every instruction in WaitingForMembers, but needs only their number until
    an epoch starts with them: which clients are pending is read from their ``active`` words at once, and a view is
    made only for an identity read.
    """

    __slots__ = ("_clients", "_indices")

    def __init__(self, clients_state: ClientsState) -> None:
        next_active = int(clients_state.next_active)
        self._clients = clients_state.clients
        actives = self._clients.field_values(_ACTIVE_OFFSET, "Q")
        self._indices = [index for index, active in enumerate(actives) if active == next_active]

    def __len__(self) -> int:
        return len(self._indices)

    def __iter__(self) -> Iterator[NodeIdentity]:
        return (self._clients[index].id for index in self._indices)

    @overload
    def __getitem__(self, index: int) -> NodeIdentity: ...

    @overload
    def __getitem__(self, index: slice) -> list[NodeIdentity]: ...

    def __getitem__(self, index: int | slice) -> NodeIdentity | list[NodeIdentity]:
        if isinstance(index, slice):
            return [self._clients[i].id for i in self._indices[index]]
        identity: NodeIdentity = self._clients[self._indices[index]].id
        return identity


def pending_client_ids(clients_state: ClientsState) -> PendingClients:
    """``get_active_clients_ids``: the identities of the pending clients, in registration order (live views)."""
    return PendingClients(clients_state)


_ACTIVE_OFFSET = SolanaClient.active.offset
_SIGNER_OFFSET = SolanaClient.id.offset + NodeIdentity.signer.offset
_SIGNER_SIZE = NodeIdentity.signer.size


def find_client(clients_state: ClientsState, signer: bytes) -> SolanaClient | None:
    """The first registered client whose wallet is ``signer``.

    Every instruction a client sends looks itself up here, so the registry's bytes are searched in one C-level
    ``find`` (:meth:`FixedVec.indices_with`) rather than by converting up to 256 signers.
    """
    if len(signer) != _SIGNER_SIZE:
        return None
    clients = clients_state.clients
    index = next(clients.indices_with(_SIGNER_OFFSET, signer), None)
    if index is None:
        return None
    found: SolanaClient = clients[index]
    return found


def registered_client(clients_state: ClientsState, signer: bytes) -> SolanaClient:
    """``find_signer``: the registered client of wallet ``signer``; SignerNotAClient if it never joined."""
    client = find_client(clients_state, signer)
    if client is None:
        raise AnchorError(CoordinatorProgramError.SignerNotAClient)
    return client


def join_registry(clients_state: ClientsState, client_id: NodeIdentity, global_batch_size_end: int) -> bool:
    """Mark ``client_id`` pending for the next epoch, registering it if new; True for a re-join.

    A re-join overwrites the identity (refreshing the p2p key) and ``active``. A new client is refused with
    MoreClientsThanBatches when the ever-registered count equals ``global_batch_size_end`` (so nobody can join
    before a config exists), and with ClientsFull at 256.
    """
    existing = find_client(clients_state, bytes(client_id.signer))
    if existing is not None:
        existing.id = client_id
        existing.active = clients_state.next_active
        return True
    clients = clients_state.clients
    if global_batch_size_end == len(clients) & 0xFFFF:  # the reference compares `len() as u16`
        raise AnchorError(CoordinatorProgramError.MoreClientsThanBatches)
    if clients.is_full():
        raise AnchorError(CoordinatorProgramError.ClientsFull)
    client = SolanaClient()
    client.id = client_id
    client.active = clients_state.next_active
    clients.push(client)
    return False
