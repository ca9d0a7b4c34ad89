"""The client's side of the result exchange: which announcements to take, relay and download, and what they prove.

This owns everything a client keeps about its peers' results between rounds (spec client-training.md §4.4,
hardened against one malicious participant):

* each announcement is taken at most once (by sender, step, commitment); a taken one is relayed by the P2P node,
  so every honest client learns every commitment any honest client accepted long before it is applied;
* announcements for a round not yet begun wait in :class:`EarlyMessages`, bounded per sender;
* of a trainer's commitments for one batch only the first is downloaded at once; a second is evidence of
  equivocation (logged as ``equivocation``, kept in :attr:`ResultExchange.evidence`), and then this client vouches
  for the one it blooms (:class:`Holding`), so others take it even past their per-batch bound;
* a downloaded payload must hash to its commitment and pass :class:`ResultRules` before it is recorded, and so
  before it enters this client's witness blooms; one that fails is logged as ``invalid_result`` with the reason;
* at apply time the consensus result (chosen by the order-free rule of :mod:`client.participant.consensus`) is
  fetched, if this client does not hold it, from its trainer or any holder within ``fetch_wait`` seconds; a batch
  nobody serves by then is skipped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from solders.pubkey import Pubkey

from client.p2p import BlobTooLarge, BlobUnavailable, P2PNode
from client.participant.consensus import Equivocation
from client.participant.early_messages import EarlyMessages
from client.participant.logs import emit
from client.participant.messages import Broadcast, Holding, MalformedBroadcast, TrainingResult, result_commitment_hash
from client.participant.result_checks import InvalidResult, ResultRules
from client.participant.round_state import ReceivedResult, Rejection, RoundState
from coordinator_program.core import BatchId

__all__ = ["ResultExchange"]

log = logging.getLogger(__name__)

EVIDENCE_KEPT = 1024  # equivocations (and refused results) remembered; the oldest go first


class ResultExchange:
    """Announcements, downloads and evidence of one client; ``rules`` is set once the model is loaded."""

    def __init__(self, node: P2PNode, me: Pubkey, early: EarlyMessages, fetch_wait: float) -> None:
        self.node = node
        self.me = me
        self.early = early
        self.fetch_wait = fetch_wait
        self.rules: ResultRules | None = None
        self.evidence: list[Equivocation] = []
        self.refused: list[tuple[Pubkey, int, str]] = []  # (trainer, step, reason) of results that failed the rules
        self._seen: set[tuple[bytes, int, bytes, bool]] = set()
        self._vouches: set[tuple[bytes, int, BatchId]] = set()  # (voucher, step, batch) taken
        self._vouched: set[tuple[int, BatchId]] = set()  # (step, batch) we vouched for
        self._sending: set[asyncio.Task[None]] = set()
        self._downloads: dict[int, list[asyncio.Task[None]]] = {}

    # -- announcements ----------------------------------------------------------------
    def is_known(self, sender: Pubkey, broadcast: Broadcast, warmup: bool) -> bool:
        """This (sender, step, commitment) was taken before: a repeat is neither taken again nor relayed."""
        return (bytes(sender), broadcast.step, broadcast.commitment.data_hash, warmup) in self._seen

    def remember(self, sender: Pubkey, broadcast: Broadcast, warmup: bool) -> None:
        """Mark an announcement taken (one dropped is not remembered, so its rebroadcast gets another chance)."""
        self._seen.add((bytes(sender), broadcast.step, broadcast.commitment.data_hash, warmup))

    def route(self, sender: Pubkey, broadcast: Broadcast, rounds: tuple[RoundState | None, ...], step: int) -> bool:
        """Record a broadcast in the round of ``rounds`` it belongs to (or keep it for later); True if taken.

        ``step`` is the coordinator's current step, which bounds how far ahead a kept announcement may be.
        """
        target = next((r for r in rounds if r is not None and r.step == broadcast.step), None)
        if target is None:
            current = rounds[0] if rounds else None
            return (current is None or broadcast.step > current.step) and self.early.keep(sender, broadcast, step)
        rejection = target.accept(sender, broadcast)
        if rejection is not None:
            log.debug("announcement of %s for step %d not recorded: %s", sender, broadcast.step, rejection.value)
            return False
        self._accepted(target, sender, broadcast)
        return True

    def take_vouch(self, voucher: Pubkey, holding: Holding, rounds: tuple[RoundState | None, ...]) -> bool:
        """A client vouches that it witnessed a trainer's announcement: record it past the per-batch bound (once per
        voucher, step and batch); True if it is worth relaying."""
        try:
            broadcast = holding.announced()
        except MalformedBroadcast as exc:
            log.warning("dropped vouch of %s: %s", voucher, exc)
            return False
        assert isinstance(broadcast.data, TrainingResult)
        key = (bytes(voucher), broadcast.step, broadcast.data.batch_id)
        target = next((r for r in rounds if r is not None and r.step == broadcast.step), None)
        if target is None or voucher not in target.clients or key in self._vouches:
            return False
        rejection = target.accept(holding.trainer, broadcast, vouched=True)
        if rejection not in (None, Rejection.Duplicate):
            return False
        self._vouches.add(key)
        self.remember(holding.trainer, broadcast, warmup=False)
        if rejection is None:
            self._accepted(target, holding.trainer, broadcast)
        return True

    def _accepted(self, target: RoundState, sender: Pubkey, broadcast: Broadcast) -> None:
        """A trainer's announcement was recorded: download the first of its batch, take a second as evidence."""
        if not isinstance(broadcast.data, TrainingResult) or sender == self.me:
            return
        batch = broadcast.data.batch_id
        known = [r for r in target.results[batch] if r.sender == sender]
        if len(known) == 1:
            task = asyncio.create_task(self._download(target, known[0]))
            self._downloads.setdefault(target.height, []).append(task)
        elif len(known) == 2:
            first, second = (r.commitment for r in known)
            self._equivocation(Equivocation(sender, target.step, batch, first, second))
            self._vouch(target, batch)

    def _vouch(self, round_state: RoundState, batch: BatchId) -> None:
        """Once the batch's trainer equivocated, vouch (once) for the result of it this client blooms."""
        received = round_state.bloomed.get(batch)
        key = (round_state.step, batch)
        if received is None or received.announcement is None or key in self._vouched:
            return
        if len({r.commitment.data_hash for r in round_state.results.get(batch, [])}) < 2:
            return
        self._vouched.add(key)
        holding = Holding(received.sender, received.announcement.encode())
        task = asyncio.create_task(self.node.gossip(holding.encode()))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    def replay_early(self, current: RoundState) -> list[tuple[Pubkey, Broadcast]]:
        """The kept announcements for ``current``'s step or later, to route again now that it has begun; what was
        remembered of rounds two steps gone is forgotten."""
        oldest = current.step - 2
        self._seen = {key for key in self._seen if key[1] >= oldest}
        self._vouches = {key for key in self._vouches if key[1] >= oldest}
        self._vouched = {key for key in self._vouched if key[0] >= oldest}
        return self.early.take(current.step)

    def _equivocation(self, evidence: Equivocation) -> None:
        self.evidence.append(evidence)
        del self.evidence[:-EVIDENCE_KEPT]
        emit(
            "equivocation",
            f"trainer {evidence.trainer} signed two different commitments for batch {evidence.batch} "
            f"of step {evidence.step}",
            **evidence.fields(),
        )

    # -- downloads --------------------------------------------------------------------
    async def _download(self, round_state: RoundState, received: ReceivedResult) -> None:
        """The one eager download of a trainer's batch; if it brings no valid result, the batch is given up."""
        if not await self._fetch(round_state, received, retry=True):
            round_state.give_up(received.result.batch_id)
        else:
            self._vouch(round_state, received.result.batch_id)

    async def _fetch(self, round_state: RoundState, received: ReceivedResult, retry: bool) -> bool:
        """Download ``received``'s payload, check it and record it; True if it is now held."""
        assert self.rules is not None, "results are only exchanged once the model is loaded"
        result = received.result
        tag = f"distro-result_{round_state.step}"
        try:
            payload = await self.node.fetch_blob(
                result.blob_hash, [received.sender], tag, self.rules.max_blob_bytes, retry=retry
            )
        except BlobTooLarge as exc:
            self._refuse(round_state, received, InvalidResult(f"larger than an honest result: {exc}"))
            return False
        except BlobUnavailable as exc:
            log.warning("result of %s for batch %s: %s", received.sender, result.batch_id, exc)
            return False
        if result_commitment_hash(round_state.step, result.batch_id, payload) != received.commitment.data_hash:
            log.warning("result of %s for batch %s does not match its commitment", received.sender, result.batch_id)
            return False
        try:
            await asyncio.to_thread(self.rules.check, payload)
        except InvalidResult as exc:
            self._refuse(round_state, received, exc)
            return False
        return round_state.record_payload(result.batch_id, received.sender, payload)

    def _refuse(self, round_state: RoundState, received: ReceivedResult, reason: InvalidResult) -> None:
        """A result that breaks the run's rules: remembered and logged, never recorded (so never witnessed)."""
        self.refused.append((received.sender, round_state.step, str(reason)))
        del self.refused[:-EVIDENCE_KEPT]
        batch = received.result.batch_id
        emit(
            "invalid_result",
            f"result of {received.sender} for batch {batch} of step {round_state.step} refused: {reason}",
            trainer=str(received.sender),
            step=round_state.step,
            batch_id=str(batch),
            reason=str(reason),
        )

    async def settle(self, height: int, wait: float) -> None:
        """Give the downloads of round ``height`` up to ``wait`` seconds before its results are applied; older
        rounds' downloads are abandoned."""
        tasks = self._downloads.pop(height, [])
        if tasks:
            await asyncio.wait(tasks, timeout=wait)
        for other in [h for h in self._downloads if h < height]:
            for task in self._downloads.pop(other):
                task.cancel()

    async def fetch_chosen(self, round_state: RoundState, chosen: Mapping[BatchId, ReceivedResult | None]) -> None:
        """Fetch the consensus payloads this client does not hold, from their trainers or any holder, within
        ``fetch_wait`` seconds (what is still missing then is skipped at apply)."""
        missing = [r for r in chosen.values() if r is not None and r.payload is None]
        if not missing:
            return
        tasks = [asyncio.create_task(self._fetch(round_state, received, retry=True)) for received in missing]
        _, late = await asyncio.wait(tasks, timeout=self.fetch_wait)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)

    async def close(self) -> None:
        tasks = [task for tasks in self._downloads.values() for task in tasks] + list(self._sending)
        self._downloads.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
