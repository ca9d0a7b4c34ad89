"""Cooldown uploads (spec client-training.md §4.8): publish a checkpoint to the hub repo (a local directory or a
Hugging Face repository, :mod:`client.participant.checkpoint_repo`), then announce it on chain.

An upload runs beside the round pipeline (the copy in a worker thread), so the next epoch's Warmup does not wait
for it; the client's shutdown waits for the uploads still running, which then still send their ``checkpoint``.
A failed upload or announcement is logged and dropped: the model lives on at the peers that trained it.

The announcement waits until the chain can take it: while the run's checkpoint is still ``Dummy`` (all of a Dummy
run's first epoch, its Cooldown included) the coordinator silently ignores ``checkpoint`` (coordinator.md §5.4),
so it is sent once the epoch's end has made the checkpoint ``P2P``, and read back to say whether it took.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from client.chain.backend import ChainError
from client.participant.checkpoint_repo import upload_checkpoint
from client.participant.coordinator_link import CoordinatorLink
from client.participant.local_hub import HubRepoError
from client.participant.logs import emit
from coordinator_program.core.types import CheckpointTag

__all__ = ["HubUploads"]

log = logging.getLogger(__name__)

# Checkpoints the ``checkpoint`` instruction cannot change (it ignores an announcement then).
_IGNORING = (CheckpointTag.Dummy, CheckpointTag.Ephemeral)


class HubUploads:
    """The background uploads of one client to its ``--hub-repo``."""

    def __init__(self, repo_id: str, link: CoordinatorLink, poll_s: float = 0.5) -> None:
        self.repo_id = repo_id
        self.link = link
        self.poll_s = poll_s
        self._running: set[asyncio.Task[None]] = set()
        self._leaving = False

    def start(self, checkpoint: Path, step: int) -> None:
        """Upload the checkpoint directory of ``step`` and announce its revision, in the background."""
        task = asyncio.create_task(self._upload(checkpoint, step))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def wait(self) -> None:
        """Until every upload started so far has finished (announcement included, if the chain can take it now)."""
        self._leaving = True
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
            if not await self._until_accepting():
                log.warning(
                    "checkpoint(Hub %s@%s) not announced: the run's checkpoint is still Dummy, which ignores it, "
                    "and this client is leaving",
                    self.repo_id,
                    revision,
                )
                return
            await self.link.checkpoint(self.repo_id, revision)
            kind, on_chain, at = await self._read_back((self.repo_id, revision))
        except ChainError as exc:  # refused, or the chain is out of reach
            log.warning("checkpoint(Hub %s@%s) not recorded: %s", self.repo_id, revision, exc)
            return
        emit(
            "checkpoint_announced",
            f"the run's checkpoint is now {kind.name}({on_chain}@{at})"
            + ("" if (on_chain, at) == (self.repo_id, revision) else f", not our {self.repo_id}@{revision}"),
            repo_id=on_chain,
            revision=at,
            accepted=(on_chain, at) == (self.repo_id, revision),
            step=step,
        )

    async def _read_back(self, expected: tuple[str, str], reads: int = 10) -> tuple[CheckpointTag, str, str | None]:
        """The run's checkpoint as (kind, repo id, revision), read until it is ``expected`` (a subscription may
        bring the change a moment after the send is confirmed) or ``reads`` reads were made."""
        for _ in range(reads):
            checkpoint = (await self.link.read()).state.coordinator.model.llm.checkpoint
            repo = checkpoint.variant()
            revision = None if repo is None or repo.revision.get() is None else repo.revision.get().value
            found = ("" if repo is None else repo.repo_id.value, revision)
            if found == expected:
                break
            await asyncio.sleep(self.poll_s)
        return CheckpointTag(checkpoint.kind), found[0], found[1]

    async def _until_accepting(self) -> bool:
        """Wait until the run's checkpoint is one ``checkpoint`` changes; False if the client leaves first."""
        while True:
            checkpoint = (await self.link.read()).state.coordinator.model.llm.checkpoint
            if CheckpointTag(checkpoint.kind) not in _IGNORING:
                return True
            if self._leaving:
                return False
            await asyncio.sleep(self.poll_s)
