"""One client's own checkpoints (spec client-training.md §4.8): written at Cooldown, pruned to ``--keep-steps``,
uploaded to the Hub repo if asked, and found again when the client restarts.

The checkpoint is named for the run id and stamped with the coordinator account (a run id can be reused by a new
run): a restarted client resumes only from a checkpoint of this very run, intact by its hash
(:mod:`client.participant.checkpoints` holds the format and the directory layout).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from pathlib import Path

import torch

from client.participant.checkpoints import (
    CheckpointCorrupt,
    SavedCheckpoint,
    checkpoint_steps,
    delete_old_checkpoints,
    parameters_blob,
    read_checkpoint,
    write_checkpoint,
)
from client.participant.hub_upload import HubUploads
from client.participant.logs import emit

__all__ = ["CheckpointKeeper"]

log = logging.getLogger(__name__)


class CheckpointKeeper:
    """Writes, prunes, uploads and finds the checkpoints of ``run_id`` in ``root``; with ``root`` None nothing is
    kept on disk, and the weights live only as the blob :meth:`keep` returns. ``account`` says the coordinator
    account's address, known once the client is connected."""

    def __init__(
        self,
        run_id: str,
        account: Callable[[], str],
        root: Path | None,
        keep_steps: int | None = None,
        uploads: HubUploads | None = None,
    ) -> None:
        self.run_id = run_id
        self.account = account
        self.root = root
        self.keep_steps = keep_steps
        self.uploads = uploads

    async def keep(self, model: torch.nn.Module, step: int, files: Mapping[str, bytes]) -> bytes:
        """The weights at the end of ``step`` as the blob peers share; written beside ``files`` (config.json,
        tokenizer) as that step's checkpoint, its upload started and older checkpoints pruned, when kept on disk."""
        run_id, account = self.run_id, self.account()
        blob = await asyncio.to_thread(parameters_blob, model, run_id=run_id, step=str(step), coordinator=account)
        if self.root is None:
            return blob
        path = await asyncio.to_thread(write_checkpoint, blob, self.root, self.run_id, step, files)
        emit("checkpoint", f"wrote checkpoint {path}", path=str(path), step=step)
        if self.uploads is not None:
            self.uploads.start(path.parent, step)
        if self.keep_steps is not None:
            await asyncio.to_thread(delete_old_checkpoints, self.root, self.run_id, self.keep_steps)
        return blob

    async def own_checkpoint(self, latest_step: int) -> SavedCheckpoint | None:
        """Our newest checkpoint up to ``latest_step``, the last completed step (ideally that step's: the epoch's
        starting weights), if we wrote one and it is intact; a corrupt one is reported and passed over."""
        if self.root is None:
            return None
        account = self.account()
        for step in sorted((s for s in checkpoint_steps(self.root, self.run_id) if s <= latest_step), reverse=True):
            try:
                saved = await asyncio.to_thread(read_checkpoint, self.root, self.run_id, step)
            except CheckpointCorrupt as exc:
                log.warning("not resuming from our checkpoint of step %d: %s", step, exc)
                continue
            if saved is not None and saved.metadata.get("coordinator") == account:
                return saved
            log.warning("not resuming from %s: it belongs to another run of the same id", self.root)
        return None

    async def close(self) -> None:
        """Finish the uploads under way: an interrupted client still publishes its checkpoint (§4.8)."""
        if self.uploads is not None:
            await self.uploads.wait()
