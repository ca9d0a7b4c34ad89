"""The training client's main loop: follow the coordinator, train, gossip, witness, until the run finishes.

One asyncio loop multiplexes (spec client-training.md §1.1): a poll of the coordinator and the chain clock
(joining every epoch, sending a due ``tick`` under the 2/n rule), the step machine of §1.4 fed with every
state, the P2P node's gossip (announcements routed to the round they belong to, result blobs downloaded and
checked against their commitment), the opportunistic Finished/witness of §5.2, the warmup witness, and the
rebroadcast of our live announcements. Training and applying run in a worker thread.

This module is the step machine and the glue between the rooms that do the work: our announcements and the routing of
everyone's (:mod:`client.participant.announcements`), the result exchange (downloads, dedup, evidence:
:mod:`client.participant.result_exchange`), the model's acquisition and the offers
that hand it on (:mod:`client.participant.model_acquisition`), the checkpoints kept at Cooldown
(:mod:`client.participant.checkpoint_keeper`), and what is logged of each round (:mod:`client.participant.round_log`).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from solders.pubkey import Pubkey

from client.chain.backend import TransactionFailed
from client.p2p import P2PNode, SignedMessage
from client.p2p.blobs import blob_hash
from client.p2p.limits import DownloadLimits
from client.participant.adversary import Adversary, adversary_named
from client.participant.aggregator_agreement import check_aggregators
from client.participant.announcements import Announcements
from client.participant.byzantine import byzantine_named
from client.participant.chain_seconds import ChainSecondsEstimate
from client.participant.checkpoint_keeper import CheckpointKeeper
from client.participant.coordinator_link import CoordinatorLink
from client.participant.distro_data import write_distro_step
from client.participant.early_messages import EarlyMessages
from client.participant.hub_upload import HubUploads
from client.participant.idle_eval import IdleEvaluation
from client.participant.logs import emit
from client.participant.merkle import EMPTY_ROOT
from client.participant.messages import (
    Broadcast,
    CommitteeClaim,
    Finished,
    Holding,
    MalformedBroadcast,
    TrainingResult,
    finished_commitment_hash,
    result_commitment_hash,
)
from client.participant.model_acquisition import ModelAcquisition, SetupOptions
from client.participant.model_recovery import DEFAULT_OFFER_WAIT_S, pointing_hint
from client.participant.model_setup import TrainingSetup, check_tier_fits
from client.participant.model_sharing import ModelOffer
from client.participant.peerless import peerless_hint
from client.participant.pipeline import AppliedWeights, DesyncError, PreparedApply, RoundPipeline, TrainedBatch
from client.participant.polling import state_deadline
from client.participant.result_checks import ResultRules
from client.participant.result_exchange import ResultExchange
from client.participant.round_log import RoundOutcome, report_election, report_round, report_skipped
from client.participant.round_state import RoundState
from client.participant.steps import Action, ActiveStep, next_move
from client.participant.ticking import should_tick
from client.participant.witnessing import (
    finished_ready,
    unhealthy_clients,
    witness_content,
    witness_metadata,
    witness_proof,
)
from client.train.errors import TrainError
from coordinator_program.core import BatchId, coordinator_cold_start_warmup_bounds
from coordinator_program.core.types import Committee, Coordinator, MerkleRoot, RunState
from coordinator_program.state.clients_state import find_client, pending_client_ids
from coordinator_program.state.coordinator_account import CoordinatorAccount

__all__ = ["ClientOptions", "ExitReason", "RoundRecord", "TrainingClient"]

log = logging.getLogger(__name__)

DEADLINE_MARGIN_S = 0.005  # wake this long after the chain's clock has surely reached a deadline


class ExitReason(Enum):
    Finished = "the run finished"
    Paused = "the run is paused; start train again after it resumes"
    Stopped = "stopped by the user"


@dataclass(frozen=True)
class ClientOptions:
    """How the client runs; intervals in seconds (the reference's 500 ms poll and 10 s rebroadcast by default)."""

    device: str = "auto"
    data_dir: Path | None = None
    data_cache_dir: Path | None = None  # where Http data is kept, so a restart does not download it again
    checkpoint_dir: Path | None = None  # keep each epoch's weights there, and restart from them (None: nowhere)
    hub_repo: str | None = None  # a Hub repo id or local directory (needs checkpoint_dir): upload checkpoints there
    keep_steps: int | None = None  # with checkpoint_dir: delete all but the newest this many (None keeps them all)
    offer_wait: float = DEFAULT_OFFER_WAIT_S  # from epoch 1, how long peers may take to offer before a Hub load
    p2p_host: str = "127.0.0.1"
    p2p_port: int = 0
    bootstrap_peers: tuple[str, ...] = ()
    poll_interval: float = 0.5
    rebroadcast_interval: float = 10.0
    download_retry_delays: tuple[float, ...] = (2.0, 4.0, 8.0)
    download_limits: DownloadLimits = DownloadLimits()
    apply_wait: float = 30.0  # the longest wait for a round's downloads, and for fetching a consensus result, at apply
    early_messages_per_peer: int = 16
    early_steps_ahead: int = 2
    seed: int | None = None
    adversary: str | None = None  # tests and benchmarks only: a named misbehaviour (client.participant.adversary)
    byzantine: str | None = None  # research: ATTACK[:PARAM] on the results it publishes (client.participant.byzantine)
    eval_steps: int | None = None  # evaluate the held-out data every this many steps, in idle time
    track_gradients: bool = False  # log each parameter's gradient norm (gradients/layer_<name>)
    matformer_tier: int = 0  # train the nested sub-model whose MLPs keep intermediate_size >> tier channels
    write_gradients_dir: Path | None = None  # write every result we publish there, a file per step (distro_data)


@dataclass(frozen=True)
class RoundRecord:
    """One round as this client saw it; ``parameter_hash`` is of the weights the round trained with."""

    epoch: int
    step: int
    height: int
    parameter_hash: str
    loss: float | None
    tokens_per_sec: float
    peers_heard: int


@dataclass
class _RoundWork:
    """Our training of one round: the task that trains and publishes, and what it came to once trained."""

    height: int
    task: asyncio.Task[None]
    outcome: RoundOutcome = RoundOutcome("")
    done: bool = False  # trained and published


class TrainingClient:
    """One participant of one run."""

    def __init__(self, link: CoordinatorLink, options: ClientOptions) -> None:
        self.link = link
        self.options = options
        self.me: Pubkey = link.me
        self.rng = random.Random(options.seed)
        self.node = P2PNode(
            link.wallet,
            self._is_participant,
            self._on_message,
            retry_delays=options.download_retry_delays,
            limits=options.download_limits,
        )
        early = EarlyMessages(options.early_messages_per_peer, options.early_steps_ahead)
        self.exchange = ResultExchange(self.node, self.me, early, options.apply_wait)
        self.adversary: Adversary | None = adversary_named(options.adversary, self) or byzantine_named(
            options.byzantine, self
        )
        self._announce_aggregator = False  # our rule's hash is new: announce it to every peer on the next poll
        self.rounds: list[RoundRecord] = []
        self.account: CoordinatorAccount | None = None
        self.pipeline: RoundPipeline | None = None
        uploads = None if options.hub_repo is None else HubUploads(options.hub_repo, link)
        # The account names this run, where a run id can be reused by a new run.
        self.checkpoints = CheckpointKeeper(
            link.run_id, lambda: link.run_address, options.checkpoint_dir, options.keep_steps, uploads
        )
        self.models = ModelAcquisition(
            self.node,
            self.me,
            link.run_id,
            SetupOptions(
                options.device,
                options.data_dir,
                options.data_cache_dir,
                (link.run_id, link.wallet),
                options.matformer_tier,
            ),
            self.checkpoints,
            self._model_loaded,
            self.rng,
            options.offer_wait,
            options.rebroadcast_interval,
        )
        self._step = ActiveStep.Warmup
        self._work: _RoundWork | None = None
        self._warmup_witnessed: set[int] = set()
        self._finished_sent: set[int] = set()
        self._witnessed: set[tuple[int, int]] = set()
        self.announcements = Announcements(self.node, link.wallet, self.me, self.exchange, self.rng, self._rounds)
        self._last_join = 0.0
        self._last_announce = 0.0
        self._last_state: tuple[int, int, int] | None = None
        self._warmup_epochs: set[int] = set()
        self._evaluation = IdleEvaluation(options.eval_steps)
        self._last_witness_at: float | None = None
        self._wake = asyncio.Event()  # something the loop acts on happened between polls (see _idle)
        self._chain_seconds = ChainSecondsEstimate()
        self._deadline_at: float | None = None  # time.monotonic() when the current state times out on chain
        self._preparing: asyncio.Task[PreparedApply] | None = None  # the next RoundTrain's apply, worked out ahead

    @property
    def setup(self) -> TrainingSetup | None:
        """The model, trainer and data this client trains with; None until it has loaded the model."""
        return self.models.setup

    # -- the loop ---------------------------------------------------------------------
    async def run(self, stop: asyncio.Event | None = None) -> ExitReason:
        """Follow the run until it is Finished (or ``stop`` is set); DesyncError when it cannot follow."""
        stop = stop or asyncio.Event()
        self.account = await self.link.connect()
        try:  # the tier is the user's choice: refuse a wrong one now, not once the model loads in Warmup
            await asyncio.to_thread(check_tier_fits, self.account.state.coordinator.model, self.options.matformer_tier)
        except TrainError:
            await self.link.close()
            raise
        url = await self.node.start(self.options.p2p_host, self.options.p2p_port)
        emit("p2p_started", f"serving blobs and gossip at {url}", url=url)
        if self.adversary is not None:
            await self.adversary.started()
        try:
            while not stop.is_set():
                self.account = await self.link.read()
                coordinator = self.account.state.coordinator
                await self._maybe_join(self.account)
                if (reason := await self._follow(coordinator)) is not None:
                    return reason
                await self._maybe_tick(self.account)
                await self._housekeeping(coordinator)
                await self._idle(stop)
            return ExitReason.Stopped
        finally:
            await self._shutdown()
            await self.link.close()

    async def _idle(self, stop: asyncio.Event) -> None:
        """Until the coordinator changes, something the loop acts on happens, ``stop`` is set, or one poll interval
        passes; or, when the current state times out sooner, until just after its deadline.

        Subscribed, a change wakes the loop at once; so do our training ending and a peer's announcement or
        result arriving (:meth:`_nudge`), which may complete what the opportunistic witness waits for. The interval
        still bounds the wait, because rebroadcasts are due with the passage of time even when nothing happens; the
        deadline lets the due tick go out as the chain's second turns rather than up to a poll interval later.
        """
        timeout = self.options.poll_interval
        if self._deadline_at is not None:
            timeout = min(timeout, max(0.0, self._deadline_at - time.monotonic()) + DEADLINE_MARGIN_S)
        waits = [
            asyncio.create_task(stop.wait()),
            asyncio.create_task(self._wake.wait()),
            asyncio.create_task(self.link.wait_for_change(timeout)),
        ]
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        self._wake.clear()
        for waiting in waits:
            waiting.cancel()
        await asyncio.gather(*waits, return_exceptions=True)

    def _nudge(self) -> None:
        """Wake the loop now instead of at the next poll."""
        self._wake.set()

    async def _shutdown(self) -> None:
        await self.checkpoints.close()
        await self.exchange.close()
        if self._work is not None:
            self._work.task.cancel()
            await asyncio.gather(self._work.task, return_exceptions=True)
        if self._preparing is not None:
            await asyncio.gather(self._preparing, return_exceptions=True)
        await self._evaluation.cancel()
        await self.node.stop()

    # -- the coordinator ----------------------------------------------------------------
    def _listed(self, coordinator: Coordinator) -> bool:
        return any(bytes(client.id.signer) == bytes(self.me) for client in coordinator.epoch_state.clients)

    def _in_clients(self, coordinator: Coordinator) -> bool:
        """We are a client of this epoch: listed, and we took part in its Warmup.

        A process restarted with the key of a client still listed mid-epoch is not that client: it has neither
        the epoch's weights nor its round states, so it waits for the next epoch.
        """
        if RunState(coordinator.run_state) is RunState.Warmup and self._listed(coordinator):
            self._warmup_epochs.add(int(coordinator.progress.epoch))
        return int(coordinator.progress.epoch) in self._warmup_epochs and self._listed(coordinator)

    def _my_index(self, coordinator: Coordinator) -> int:
        signers = [bytes(client.id.signer) for client in coordinator.epoch_state.clients]
        return signers.index(bytes(self.me))

    def _is_participant(self, key: Pubkey) -> bool:
        return self.account is not None and find_client(self.account.state.clients_state, bytes(key)) is not None

    async def _maybe_join(self, account: CoordinatorAccount) -> None:
        """Join every epoch: when we are neither pending for the next one nor a client of this one (§1.2)."""
        coordinator = account.state.coordinator
        state = RunState(coordinator.run_state)
        if state in (RunState.Finished, RunState.Uninitialized):
            return
        pending = {bytes(identity.signer) for identity in pending_client_ids(account.state.clients_state)}
        if bytes(self.me) in pending:
            return
        if state is not RunState.WaitingForMembers and self._listed(coordinator):
            return
        if time.monotonic() - self._last_join < max(1.0, self.options.poll_interval):
            return
        self._last_join = time.monotonic()
        try:
            await self.link.join()
            emit("joined", f"joined run {self.link.run_id} for epoch {int(coordinator.progress.epoch)}")
        except TransactionFailed as exc:
            await self.link.authorization()  # NotAuthorizedToJoin when the authorization was withdrawn meanwhile
            log.warning("join_run failed: %s", exc)

    async def _maybe_tick(self, account: CoordinatorAccount) -> None:
        """Send a due tick (§1.2), and note how long until the current state's deadline, so the loop wakes then."""
        before = time.monotonic()
        clock = await self.link.clock()
        after = time.monotonic()
        self._chain_seconds.observe(clock.unix_timestamp, before, after)
        deadline = state_deadline(account.state.coordinator)
        self._deadline_at = None
        if deadline is not None and clock.unix_timestamp < deadline:
            self._deadline_at = after + self._chain_seconds.seconds_until(deadline, after)
        if should_tick(account, clock, self.rng):
            try:
                await self.link.tick()
            except TransactionFailed as exc:
                log.debug("tick refused (someone ticked first): %s %s", exc, exc.logs[-3:])

    async def _follow(self, coordinator: Coordinator) -> ExitReason | None:
        """Feed the state to the step machine and carry out its move; why to leave, once the run is halted for good.

        A paused run is left (spec §1.4: the decentralized client exits): the owner resumes it into a new epoch
        that everyone joins afresh, so the user starts ``train`` again then.
        """
        state = RunState(coordinator.run_state)
        in_clients = self._in_clients(coordinator)
        key = (int(state), int(coordinator.progress.epoch), int(coordinator.progress.step))
        if key != self._last_state:
            old_state = RunState(self._last_state[0]).name if self._last_state is not None else None
            self._last_state = key
            emit(
                "state_change",
                f"applying state epoch {key[1]} step {key[2]} ({old_state} -> {state.name})",
                client_id=str(self.me),
                old_state=old_state,
                new_state=state.name,
                epoch=key[1],
                step=key[2],
            )
        if self._missed_round_witness(coordinator, state, in_clients):
            # A poll can miss a short RoundWitness (a subscription would not): close the round as if we saw it.
            await self._start_witness(coordinator)
            self._step = ActiveStep.Witness
        move = next_move(self._step, state, in_clients)
        match move.action:
            case Action.Stay:
                pass
            case Action.StartTraining:
                await self._start_training(coordinator)
            case Action.StartWitness:
                await self._start_witness(coordinator)
            case Action.StartCooldown:
                await self._start_cooldown(coordinator)
            case Action.StartWarmup | Action.Abandon | Action.Halt:
                await self._finish_work()
                await self._take_prepared()
                if self.pipeline is not None:
                    self.pipeline.reset()
            case Action.Leave:
                await self._finish_work()
                emit("paused", f"run {self.link.run_id} is paused; exiting — start train again after it resumes")
                return ExitReason.Paused
            case Action.Finish:
                await self._finish_work()
                emit("finished", f"run {self.link.run_id} is finished")
                return ExitReason.Finished
            case Action.Desync:
                raise DesyncError(f"the coordinator moved to {state.name} while this client was in {self._step.name}")
        self._step = move.step
        if self._step is ActiveStep.Warmup and state is RunState.Warmup and in_clients:
            await self._warmup(coordinator)
        if self._step is ActiveStep.Witness:
            self._prepare_apply(coordinator)
        return None

    def _missed_round_witness(self, coordinator: Coordinator, state: RunState, in_clients: bool) -> bool:
        """We are still training round h, but the coordinator is past its RoundWitness (next round, or Cooldown)."""
        if self._step is not ActiveStep.Training or not in_clients or self.pipeline is None:
            return False
        current = self.pipeline.current
        if current is None:
            return False
        if state is RunState.RoundTrain:
            return int(coordinator.progress.step) != current.step
        return state is RunState.Cooldown

    # -- warmup ---------------------------------------------------------------------------
    def _model_loaded(self, setup: TrainingSetup, coordinator: Coordinator) -> None:
        """New weights are loaded: the round pipeline starts afresh, and results are checked against this model."""
        self.pipeline = RoundPipeline(self.me, setup, self.rng)
        setup.trainer.track_gradients = self.options.track_gradients
        if setup.trainer.distro is not None:
            total_steps = int(coordinator.config.total_steps)
            self.exchange.rules = ResultRules.for_trainer(setup.trainer.distro, setup.trainer.schedule, total_steps)
            if self.node.aggregator != setup.trainer.distro.aggregator.spec_hash:
                self.node.aggregator = setup.trainer.distro.aggregator.spec_hash
                self._announce_aggregator = True

    async def _warmup(self, coordinator: Coordinator) -> None:
        """Load the model, say Finished(warmup) to everyone, and once everyone did, send the warmup witness."""
        await self.models.offer(coordinator)
        if await self.models.ensure(coordinator) is None:
            return
        step = int(coordinator.progress.step)
        index = self._my_index(coordinator)
        if not self.announcements.sent_warmup_finished(step):
            claim = CommitteeClaim(Committee.Trainer, index, index)
            data = Finished(EMPTY_ROOT, True)
            await self.announcements.announce(step, claim, finished_commitment_hash(EMPTY_ROOT), data)
        heard = self.announcements.warmup_finished.setdefault(step, set())
        heard.add(self.me)
        clients = {Pubkey.from_bytes(bytes(c.id.signer)) for c in coordinator.epoch_state.clients}
        if step in self._warmup_witnessed or not clients <= heard:
            return
        self._warmup_witnessed.add(step)
        try:
            await self.link.warmup_witness(index, MerkleRoot.from_buffer_copy(EMPTY_ROOT))
        except TransactionFailed as exc:
            log.warning("warmup_witness refused: %s", exc)

    # -- rounds ---------------------------------------------------------------------------
    async def _start_training(self, coordinator: Coordinator) -> None:
        """Entering RoundTrain: health checks, apply round h-2, rotate, start training our batches (§1.5)."""
        setup = await self.models.ensure(coordinator)
        hint = self._peerless_hint(coordinator)
        if setup is None or self.pipeline is None:
            step = int(coordinator.progress.step) - 1
            missing = (
                f"training started before this client had the model: no client of epoch "
                f"{int(coordinator.progress.epoch)} offered the weights of step {step}, and this client holds no "
                f"checkpoint of it; if no client holds them any more, the run owner can "
                f"{pointing_hint(self.link.run_id, step, self.options.checkpoint_dir)}"
            )
            raise DesyncError(missing if hint is None else f"{missing}. {hint}")
        if hint is not None:
            emit("no_peers", hint, epoch=int(coordinator.progress.epoch), step=int(coordinator.progress.step))
        await self._finish_work()
        await self._evaluation.finish()
        step = int(coordinator.progress.step)
        self.node.blobs.drop_tags(lambda tag: tag.startswith("distro-result_") and int(tag.split("_")[1]) < step - 2)
        self.announcements.keep_live_from(step - 1)
        await self._health_checks(coordinator)
        previous = self.pipeline.previous
        if previous is not None:
            await self.exchange.settle(previous.height, self.options.apply_wait)
            chosen = self.pipeline.consensus(coordinator)
            if chosen is not None:
                await self.exchange.fetch_chosen(previous, chosen)
        plan = self.pipeline.plan_apply(coordinator)
        prepared = await self._take_prepared()
        report_skipped("untrained_batches", plan.untrained, step - 2, "no result reached the witnesses' quorum")
        report_skipped("warming_up_batches", plan.warming_up, step - 2, "their trainers are still warming up")
        report_skipped("unavailable_batches", plan.unavailable, step - 2, "nobody served the agreed result in time")
        current = self.pipeline.rotate(coordinator)
        self.announcements.replay_early(current)
        batches = self.pipeline.own_batches()
        bounds = coordinator_cold_start_warmup_bounds(coordinator)
        report_election(self.me, coordinator, current, self._my_index(coordinator), batches, bounds)
        pipeline = self.pipeline

        def apply_and_train() -> tuple[AppliedWeights, list[TrainedBatch], float]:
            weights = pipeline.apply(plan, bounds, prepared)
            started = time.perf_counter()
            trained = pipeline.train(step, batches, current.height, bounds)
            return weights, trained, time.perf_counter() - started

        async def work() -> None:
            weights, trained, seconds = await asyncio.to_thread(apply_and_train)
            assert self._work is not None
            if plan.height is not None:
                how = " (worked out during the witness phase)" if weights.prepared else ""
                emit(
                    "applied",
                    f"applied {len(plan.payloads)} results of step {step - 2} at step {step}{how}",
                    step=step,
                    results=len(plan.payloads),
                    prepared=weights.prepared,
                )
            loss = sum(t.loss for t in trained) / len(trained) if trained else None
            tokens_per_sec = sum(t.tokens for t in trained) / max(seconds, 1e-9)
            self._work.outcome = RoundOutcome(weights.parameter_hash, len(trained), seconds, loss, tokens_per_sec)
            index = self._my_index(coordinator)
            proof = current.selection.get_committee(index)
            claim = CommitteeClaim(Committee(proof.committee), int(proof.position), int(proof.index))
            publish = self.publish if self.adversary is None else self.adversary.publish
            directory = self.options.write_gradients_dir
            if directory is not None and setup.trainer.distro is not None:
                names = setup.trainer.distro.names
                await asyncio.to_thread(write_distro_step, directory, self.me, step, names, trained)
            for item in trained:
                emit(
                    "trained_batch",
                    f"trained batch {item.batch} of step {step}",
                    step=step,
                    batch_start=item.batch.start,
                    batch_end=item.batch.end,
                    tokens_sha256=item.tokens_sha256,
                    result_sha256=blob_hash(item.payload),
                )
                await publish(current, claim, item.batch, item.payload)
            self._work.done = True
            self._nudge()  # the opportunistic witness may be due now

        self._work = _RoundWork(current.height, asyncio.create_task(work()))

    async def publish(self, current: RoundState, claim: CommitteeClaim, batch: BatchId, payload: bytes) -> None:
        """Serve our result for ``batch`` of the current round, announce it, and record it like a peer's."""
        step = current.step
        digest = self.node.blobs.put(payload, f"distro-result_{step}")
        result = TrainingResult(batch, digest, self.node.url)
        await self.announcements.announce(step, claim, result_commitment_hash(step, batch, payload), result)
        current.record_payload(batch, self.me, payload)

    async def _finish_work(self) -> None:
        """Wait for the round's training to end (it raises here if it failed)."""
        if self._work is not None and not self._work.task.done():
            await self._work.task
        if self._work is not None and self._work.task.done() and not self._work.task.cancelled():
            self._work.task.result()

    def _prepare_apply(self, coordinator: Coordinator) -> None:
        """In RoundWitness, once the next RoundTrain's apply is settled, work it out in a worker thread.

        The spec forbids training in the witness phase, which lasts at least a chain second, so the machine idles
        then; the apply (decoding, aggregating and transforming every result) and the hash of the weights it leaves
        take that time instead of the start of the next round. Entering it, the prepared apply is used only if the
        plan made then is the same (:meth:`RoundPipeline.apply`).
        """
        pipeline = self.pipeline
        if pipeline is None or self._preparing is not None or self.setup is None:
            return
        plan = pipeline.plan_after_witnesses(coordinator)
        if plan is None:
            return
        bounds = coordinator_cold_start_warmup_bounds(coordinator)
        self._preparing = asyncio.create_task(asyncio.to_thread(pipeline.prepare, plan, bounds))

    async def _take_prepared(self) -> PreparedApply | None:
        """The apply prepared in the witness phase, once done (None if none was started); taking it clears it."""
        preparing, self._preparing = self._preparing, None
        return None if preparing is None else await preparing

    async def _start_witness(self, coordinator: Coordinator) -> None:
        """RoundTrain is over: finish training, log the round, and witness now if elected and not yet done."""
        await self._finish_work()
        assert self.pipeline is not None and self.pipeline.current is not None and self._work is not None
        current = self.pipeline.current
        await self._send_witness(coordinator, current, fallback=True)
        outcome = self._work.outcome
        epoch = int(coordinator.progress.epoch)
        peers = len(self.node.peers.urls(exclude=self.me))
        self.rounds.append(
            RoundRecord(
                epoch,
                current.step,
                current.height,
                outcome.parameter_hash,
                outcome.loss,
                outcome.tokens_per_sec,
                peers,
            )
        )
        assert self.setup is not None
        now = time.monotonic()
        step_seconds = 0.0 if self._last_witness_at is None else now - self._last_witness_at
        self._last_witness_at = now
        tier = self.options.matformer_tier
        report_round(self.me, coordinator, current, self.setup, tier, outcome, peers, step_seconds)
        self._evaluation.start(self.setup, current.step, epoch, int(coordinator.config.total_steps) - 1)

    async def _start_cooldown(self, coordinator: Coordinator) -> None:
        """Keep the epoch's weights: on disk (the checkpoint a restart resumes from, uploaded if asked) and as the
        blob offered to the next epoch's joiners; both are the same bytes, so their hash is the same too."""
        await self._finish_work()
        await self._evaluation.finish()
        await self._take_prepared()  # the run cools down instead: the prepared apply is never applied
        if self.setup is None:
            return
        step = int(coordinator.progress.step) - 1
        blob = await self.checkpoints.keep(self.setup.trainer.model, step, self.setup.checkpoint_files)
        self.models.share(blob, int(coordinator.progress.epoch) + 1, step)

    async def _health_checks(self, coordinator: Coordinator) -> None:
        """If we witnessed the previous round, report the clients its witnesses did not see (§5.4)."""
        assert self.pipeline is not None
        current = self.pipeline.current
        epoch = int(coordinator.progress.epoch)
        if current is None or current.height < 1 or (epoch, current.height) not in self._witnessed:
            return
        targets = unhealthy_clients(coordinator, self.me)
        if not targets:
            return
        for target, proof in targets:
            emit(
                "health_check",
                f"found unhealthy trainer at index {int(proof.index)}",
                index=int(proof.index),
                client_id=str(Pubkey.from_bytes(bytes(target.signer))),
                current_step=int(coordinator.progress.step),
            )
        try:
            await self.link.health_check(targets)
        except TransactionFailed as exc:
            log.warning("health_check refused: %s", exc)

    async def _send_witness(self, coordinator: Coordinator, current: RoundState, fallback: bool) -> None:
        epoch = int(coordinator.progress.epoch)
        if (epoch, current.height) in self._witnessed or not self._in_clients(coordinator):
            return
        proof = witness_proof(current, self._my_index(coordinator))
        if proof is None:
            return
        if not fallback and not set(current.clients) <= current.finished_from:
            return
        self._witnessed.add((epoch, current.height))
        content = witness_content(self._previous_of(current))
        outcome = self._work.outcome if self._work is not None else RoundOutcome("")
        metadata = witness_metadata(current.step, outcome.loss, outcome.tokens_per_sec)
        try:
            await self.link.witness(
                proof, content.participant_bloom, content.broadcast_bloom, content.merkle, metadata
            )
            emit(
                "witness",
                f"witnessed step {current.step} (loss {metadata.loss:.4f}, {metadata.tokens_per_sec:,.0f} tokens/s)",
                step=current.step,
                loss=float(metadata.loss),
                tokens_per_sec=float(metadata.tokens_per_sec),
                fallback=fallback,
            )
        except TransactionFailed as exc:
            log.info("witness for step %d refused: %s", current.step, exc)

    def _previous_of(self, current: RoundState) -> RoundState | None:
        assert self.pipeline is not None
        previous = self.pipeline.previous
        return previous if previous is not None and previous.height == current.height - 1 else None

    # -- every poll -----------------------------------------------------------------------
    async def _housekeeping(self, coordinator: Coordinator) -> None:
        now = time.monotonic()
        if self.adversary is not None:
            await self.adversary.each_poll(coordinator)
        if self._announce_aggregator:
            self._announce_aggregator = False
            await self.node.bootstrap(self.options.bootstrap_peers)  # tell every peer our rule
        if self.setup is not None and self.setup.trainer.distro is not None:
            spec = self.setup.trainer.distro.aggregator.spec
            check_aggregators(self.me, spec, self.node.aggregator, self.node.peers.aggregators())
        if now - self._last_announce >= max(1.0, self.options.poll_interval) and self._missing_peers(coordinator):
            self._last_announce = now
            await self.node.bootstrap(self.options.bootstrap_peers)
        if self._step in (ActiveStep.Training, ActiveStep.Witness):
            await self._opportunistic(coordinator)
        await self.announcements.rebroadcast(now, self.options.rebroadcast_interval)

    def _peerless_hint(self, coordinator: Coordinator) -> str | None:
        """Why we hear nobody, when the epoch has other clients and we know none of them (peerless_hint)."""
        others = sum(bytes(c.id.signer) != bytes(self.me) for c in coordinator.epoch_state.clients)
        known = len(self.node.peers.urls(exclude=self.me))
        return peerless_hint(self.link.run_id, known, others, self.options.bootstrap_peers)

    def _missing_peers(self, coordinator: Coordinator) -> bool:
        """Some client of the epoch (or our own announcement) is not yet known: announce again."""
        known = set(self.node.peers.urls().keys())
        if self.me not in known:
            return True
        return any(Pubkey.from_bytes(bytes(c.id.signer)) not in known for c in coordinator.epoch_state.clients)

    async def _opportunistic(self, coordinator: Coordinator) -> None:
        """§5.2: once our training is done and round h-1 is complete, say Finished; witness once all have."""
        if self.pipeline is None or self.pipeline.current is None or self._work is None:
            return
        current = self.pipeline.current
        if (
            RunState(coordinator.run_state) is not RunState.RoundTrain
            or int(coordinator.progress.step) != current.step
        ):
            return
        previous = self._previous_of(current)
        if current.step not in self._finished_sent and finished_ready(self._work.done, previous):
            self._finished_sent.add(current.step)
            merkle = previous.broadcast_merkle() if previous is not None else EMPTY_ROOT
            claim_proof = current.selection.get_committee(self._my_index(coordinator))
            claim = CommitteeClaim(Committee(claim_proof.committee), int(claim_proof.position), int(claim_proof.index))
            data = Finished(merkle, False)
            await self.announcements.announce(current.step, claim, finished_commitment_hash(merkle), data)
        await self._send_witness(coordinator, current, fallback=False)

    # -- gossip ---------------------------------------------------------------------------
    def _rounds(self) -> tuple[tuple[RoundState | None, ...], int]:
        """The rounds an announcement may belong to, and the coordinator's step (the announcements' view)."""
        pipeline = self.pipeline
        rounds = (pipeline.current, pipeline.previous) if pipeline is not None else ()
        step = int(self.account.state.coordinator.progress.step) if self.account is not None else 0
        return rounds, step

    async def _on_message(self, message: SignedMessage) -> bool:
        """A verified gossip message; True if the node is to relay it (each one once; a participant's model offers
        at most twice per offer interval), and then the loop looks at once whether it completes what the
        opportunistic witness waits for."""
        taken = await self._take_message(message)
        if taken:
            self._nudge()
        return taken

    async def _take_message(self, message: SignedMessage) -> bool:
        offer = ModelOffer.parse(message.data)
        if offer is not None:
            return self.models.take_offer(message.sender, offer)
        try:
            holding = Holding.parse(message.data)
            if holding is not None:
                rounds = (self.pipeline.current, self.pipeline.previous) if self.pipeline is not None else ()
                return self.exchange.take_vouch(message.sender, holding, rounds)
            broadcast = Broadcast.decode(message.data, message.sender)
        except MalformedBroadcast as exc:
            log.warning("dropped gossip: %s", exc)
            return False
        return self.announcements.take(message.sender, broadcast)
