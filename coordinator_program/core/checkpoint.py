"""``checkpoint`` (§5.4): a client of the epoch publishes where the latest model can be fetched.

No role and no run-state check; the last writer wins. The new location is only accepted where it fits the run's
current kind of checkpoint (a P2P run stays P2P, a Hub run takes Hub updates, ...); anything else is silently
ignored.
"""

from __future__ import annotations

from coordinator_program.core.errors import CoordinatorError, CoordinatorFailure
from coordinator_program.core.types.coordinator import Coordinator
from coordinator_program.core.types.enums import CheckpointTag
from coordinator_program.core.types.model import Checkpoint

__all__ = ["checkpoint", "CHECKPOINT_UPDATES"]

# (current variant, announced variant) -> stored variant, carrying the announced repo.
CHECKPOINT_UPDATES: dict[tuple[int, int], CheckpointTag] = {
    (CheckpointTag.P2P, CheckpointTag.Hub): CheckpointTag.P2P,
    (CheckpointTag.P2PGcs, CheckpointTag.Gcs): CheckpointTag.P2PGcs,
    (CheckpointTag.Hub, CheckpointTag.Hub): CheckpointTag.Hub,
    (CheckpointTag.Gcs, CheckpointTag.Gcs): CheckpointTag.Gcs,
    (CheckpointTag.P2PGcs, CheckpointTag.Hub): CheckpointTag.P2P,
    (CheckpointTag.P2P, CheckpointTag.Gcs): CheckpointTag.P2PGcs,
}


def checkpoint(coordinator: Coordinator, signer: bytes, index: int, announced: Checkpoint) -> None:
    """Apply ``announced`` per ``CHECKPOINT_UPDATES``.

    InvalidCommitteeProof unless ``clients[index]`` is ``signer`` (on Solana the wrapper finds the index itself).
    """
    clients = coordinator.epoch_state.clients
    if index >= len(clients) or bytes(clients[index].id.signer) != signer:
        raise CoordinatorFailure(CoordinatorError.InvalidCommitteeProof)
    current = coordinator.model.llm.checkpoint
    stored = CHECKPOINT_UPDATES.get((int(current.tag), int(announced.tag)))
    if stored is not None:
        current.set_variant(stored, announced.variant())
