"""The one interface through which the training client reaches its coordinator, wherever that coordinator runs.

:class:`~client.participant.runner.TrainingClient` is written against this protocol only. Three implementations
exist: :class:`~client.participant.chain_link.ChainLink` over a :class:`~client.chain.backend.ChainBackend`, which
is the embedded chain in-process or a validator over RPC; and
:class:`~client.participant.server_link.ServerLink`, a TCP connection to a ``psyche-centralized-server``
(spec client-training.md §1.1: ``wait_for_new_state``, ``send_witness``, ``send_health_check``,
``send_checkpoint``).

Every coordinator is handed to the client as a :class:`CoordinatorAccount`, the program's account layout, so the
client reads the run (its ``Coordinator``) and the pending clients (``clients_state``) the same way on every
link. What a send returns is the link's own receipt (a transaction on chain, nothing for the server); the client
does not read it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from solders.keypair import Keypair
from solders.pubkey import Pubkey

from client.participant.chain_link import ChainClock
from coordinator_program.core.types import (
    CommitteeProof,
    MerkleRoot,
    NodeIdentity,
    WitnessBloom,
    WitnessMetadata,
    WitnessProof,
)
from coordinator_program.state.coordinator_account import CoordinatorAccount

__all__ = ["CoordinatorLink"]


class CoordinatorLink(Protocol):
    """One client's view of one run: read the coordinator, and the messages a participant sends it."""

    run_id: str
    wallet: Keypair

    @property
    def me(self) -> Pubkey:
        """The client's identity: its wallet's public key (also its p2p identity)."""
        ...

    @property
    def run_address(self) -> str:
        """A name of this run that a new run reusing its id does not share (its checkpoints are kept under it)."""
        ...

    async def connect(self) -> CoordinatorAccount:
        """Reach the run and return its coordinator; the run not existing is an error of the link's kind."""
        ...

    async def read(self) -> CoordinatorAccount:
        """The coordinator now, never older than the one read before."""
        ...

    async def wait_for_change(self, timeout: float) -> None:
        """Until the coordinator changes (where the link can tell) or ``timeout`` seconds pass."""
        ...

    async def close(self) -> None:
        """Stop following the coordinator and release the connection."""
        ...

    async def authorization(self) -> object:
        """Check that this client may still join (raises when it may not); called after a refused join."""
        ...

    async def clock(self) -> ChainClock:
        """The time the coordinator's ``tick`` will see now."""
        ...

    async def join(self) -> object:
        """Ask to be a client of the next epoch."""
        ...

    async def tick(self) -> object:
        """Let time move the run forward (a chain needs its clients to; a server ticks by itself)."""
        ...

    async def warmup_witness(self, index: int, merkle: MerkleRoot) -> object:
        """Say this client is ready to train (once per Warmup)."""
        ...

    async def witness(
        self,
        proof: WitnessProof,
        participant_bloom: WitnessBloom,
        broadcast_bloom: WitnessBloom,
        merkle: MerkleRoot,
        metadata: WitnessMetadata,
    ) -> object:
        """An elected witness's attestation of the current round, with its training statistics."""
        ...

    async def health_check(self, targets: Sequence[tuple[NodeIdentity, CommitteeProof]]) -> object:
        """Report the trainers of the previous round that too few witnesses saw (nothing sent for none)."""
        ...

    async def checkpoint(self, repo_id: str, revision: str) -> object:
        """Announce where this epoch's uploaded weights are."""
        ...
