"""Cooldown uploads (spec client-training.md §4.8): publish a checkpoint to the hub repo (a local directory or a
Hugging Face repository, :mod:`client.participant.checkpoint_repo`), then announce it on chain.

An upload runs beside the round pipeline (the copy in a worker thread), so the next epoch's Warmup does not wait
for it; the client's shutdown waits for the uploads still running, which then still send their ``checkpoint``.
A failed upload or announcement is logged and dropped: the model lives on at the peers that trained it.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from client.chain.backend import ChainError
from client.participant.chain_link import CoordinatorLink
from client.participant.checkpoint_repo import upload_checkpoint
from client.participant.local_hub import HubRepoError
from client.participant.logs import emit

__all__ = ["HubUploads"]

log = logging.getLogger(__name__)


class HubUploads:
    """The background uploads of one client to its ``--hub-repo``."""

    def __init__(self, repo_id: str, link: CoordinatorLink) -> None:
        self.repo_id = repo_id
        self.link = link
        self._running: set[asyncio.Task[None]] = set()

    def start(self, checkpoint: Path, step: int) -> None:
        """Upload the checkpoint directory of ``step`` and announce its revision, in the background."""
        task = asyncio.create_task(self._upload(checkpoint, step))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def wait(self) -> None:
        """Until every upload started so far has finished (announcement included)."""
        await asyncio.gather(*self._running)

    async def _upload(self, checkpoint: Path, step: int) -> None:
        try:
            # A Hub repo's token is huggingface_hub's own: HF_TOKEN, or the login it cached.
            revision = await asyncio.to_thread(upload_checkpoint, self.repo_id, checkpoint, step, None)
        except (OSError, HubRepoError) as exc:
            log.warning("upload of step %d to %s failed: %s", step, self.repo_id, exc)
            return
        emit(
            "checkpoint_uploaded",
            f"uploaded step {step} to {self.repo_id} at revision {revision}",
            repo_id=self.repo_id,
            revision=revision,
            step=step,
        )
        try:
            await self.link.checkpoint(self.repo_id, revision)
        except ChainError as exc:  # refused, or the chain is out of reach
            log.warning("checkpoint(Hub %s@%s) not recorded: %s", self.repo_id, revision, exc)
