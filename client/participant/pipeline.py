"""The two-step round pipeline of one client (spec client-training.md §1.5): apply, rotate, train, publish.

Entering RoundTrain of round height h (step s), a client applies the results of round h-2 that the witnesses of
round h-1 agreed on (§5.3), rotates its round states, trains its own batches of round h and returns their blobs
for publishing. A result of step s is thus applied by everyone at the start of step s+2, in the same order on
every client, so every replica stays bit-identical. The torch work runs in a worker thread; the round states
are only touched on the event loop.
"""

from __future__ import annotations

import hashlib
import logging
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import torch
from solders.pubkey import Pubkey

from client.errors import ClientError
from client.participant.model_setup import TrainingSetup
from client.participant.result_blob import decode_result, encode_result, read_trainer_nonce
from client.participant.round_state import ReceivedResult, RoundState
from client.train import DistroResult
from client.train.aggregation import RoundOrigin
from client.train.compression import tensor_bytes
from client.train.distro import DistroUpdate
from client.train.errors import IncompatibleResultError
from client.train.matformer import max_matformer_tier, narrow_ffn
from client.train.model import LlamaConfig
from client.train.schedule import learning_rate
from coordinator_program.core import (
    BatchId,
    assign_data_for_state,
    committee_selection,
    coordinator_witness_quorum,
    current_round,
    last_step_set,
    previous_round,
    witness_nodes_target,
)
from coordinator_program.core.types import LLM, CheckpointTag, Coordinator, Round

__all__ = [
    "AppliedWeights",
    "ApplyPlan",
    "DesyncError",
    "PreparedApply",
    "RoundPipeline",
    "TrainedBatch",
    "from_warming_up_trainer",
    "parameter_hash",
    "weights_hash",
]

PEER_CHECKPOINTS = (CheckpointTag.P2P, CheckpointTag.P2PGcs)

log = logging.getLogger(__name__)


class DesyncError(ClientError, RuntimeError):
    """The client cannot follow the run any more (the reference's fatal Desync / ApplyError): it must exit."""


@dataclass(frozen=True)
class TrainedBatch:
    """One batch this client trained: the blob to publish and what the round's progress line reports."""

    batch: BatchId
    payload: bytes
    loss: float
    tokens: int
    tokens_sha256: str
    """sha256 of the batch's token ids as little-endian int64, row by row: what the data gave, for checking."""


@dataclass(frozen=True)
class ApplyPlan:
    """The accepted payloads of round ``height`` (in batch order) to apply at ``step``; empty when nothing is.

    ``untrained``: batches nobody's result reached consensus for; ``warming_up``: batches whose consensus result
    came from a trainer still warming up (§4.5), skipped; ``unavailable``: batches whose consensus result nobody
    served this client in time (every honest client that lacks it skips it alike, instead of the reference's
    fatal ApplyError). ``senders``: the trainer of each payload, and ``epoch`` the epoch of the round: what an
    aggregator with memory across rounds keys its state by (:class:`~client.train.aggregation.RoundOrigin`).
    """

    height: int | None
    step: int
    payloads: tuple[bytes, ...]
    untrained: tuple[BatchId, ...]
    warming_up: tuple[BatchId, ...] = ()
    batches: tuple[BatchId, ...] = ()  # the batch of each payload, for what the log says of one that fails
    unavailable: tuple[BatchId, ...] = ()
    senders: tuple[bytes, ...] = ()
    epoch: int = 0


def parameter_hash(model: torch.nn.Module, ffn_width: int | None = None) -> str:
    """sha256 over every parameter's bytes in name order: equal on two replicas iff their weights are identical.

    With ``ffn_width``, of the first ``ffn_width`` FFN channels only (:func:`~client.train.matformer.narrow_ffn`):
    a wider replica's hash at a MatFormer tier's width equals a replica of that tier's own hash iff the tier holds
    exactly that slice of the wider weights.
    """
    named = sorted(model.named_parameters(), key=lambda item: item[0])
    return weights_hash((name, narrow_ffn(name, param, ffn_width)) for name, param in named)


def weights_hash(named_tensors: Iterable[tuple[str, torch.Tensor]]) -> str:
    """sha256 over each tensor's name and bytes, in the order given (:func:`parameter_hash` sorts by name)."""
    digest = hashlib.sha256()
    for name, tensor in named_tensors:
        digest.update(name.encode())
        digest.update(tensor_bytes(tensor))
    return digest.hexdigest()


def narrower_tier_hashes(model: torch.nn.Module) -> dict[str, str]:
    """The :func:`parameter_hash` of every MatFormer tier narrower than the one ``model`` holds, keyed by tier, so
    a testnet can check that each tier's replicas hold exactly the slice of this one's weights (none for a model
    without tiers)."""
    config = getattr(model, "config", None)
    if not isinstance(config, LlamaConfig):
        return {}
    deepest = max_matformer_tier(config.intermediate_size)
    return {
        str(tier): parameter_hash(model, config.intermediate_size >> tier)
        for tier in range(config.matformer_tier + 1, deepest + 1)
    }


@dataclass(frozen=True)
class AppliedWeights:
    """The weights a round trains with, once its apply is done: their :func:`parameter_hash`, and whether the apply
    had been worked out during the witness phase before (:meth:`RoundPipeline.prepare`)."""

    parameter_hash: str
    prepared: bool


@dataclass(frozen=True)
class PreparedApply:
    """The apply of the next RoundTrain worked out ahead (:meth:`RoundPipeline.prepare`): the plan and warm-up
    bounds it is for, DisTrO's update before the learning rate (None: nothing changes the weights), and the
    :func:`parameter_hash` of the weights once it is applied."""

    plan: ApplyPlan
    bounds: tuple[int, int] | None
    update: DistroUpdate | None
    weights_hash: str


def from_warming_up_trainer(payload: bytes, llm: LLM) -> bool:
    """§4.5: the result comes from a trainer of fewer than ``cold_start_warmup_steps`` batches, in a P2P epoch.

    A client that just got the weights from peers starts with an empty DisTrO residual, so its first results are
    not applied until the residual has warmed up. Only in P2P epochs: with a Hub (or Gcs, Dummy) checkpoint every
    trainer starts equally fresh. The nonce comes from the committed blob and the checkpoint from the coordinator,
    so every client skips the same results.
    """
    return CheckpointTag(llm.checkpoint.kind) in PEER_CHECKPOINTS and read_trainer_nonce(payload) < int(
        llm.cold_start_warmup_steps
    )


class RoundPipeline:
    """One epoch's round states and the model they train."""

    def __init__(self, me: Pubkey, setup: TrainingSetup, rng: random.Random) -> None:
        self.me = me
        self.setup = setup
        self._rng = rng
        self.current: RoundState | None = None
        self.previous: RoundState | None = None
        self._own_unquantized: list[DistroResult] = []

    def reset(self) -> None:
        """A new epoch: both round states go, and with them our own previous result (no error feedback across) and
        what the aggregator learnt of this epoch's senders."""
        self.current = None
        self.previous = None
        self._own_unquantized = []
        if self.setup.trainer.distro is not None:
            self.setup.trainer.distro.aggregator.reset()

    # -- on the event loop ------------------------------------------------------------
    def consensus(self, coordinator: Coordinator) -> dict[BatchId, ReceivedResult | None] | None:
        """Per batch of round h-2, the result round h-1's witnesses agree on; None when nothing is applied now."""
        return self._consensus(previous_round(coordinator), coordinator)

    def _consensus(
        self, attesting: Round | None, coordinator: Coordinator
    ) -> dict[BatchId, ReceivedResult | None] | None:
        """Per batch of our previous round state, the result ``attesting``'s witnesses agree on (None: no apply)."""
        target = self.previous
        if self.current is None or self.current.height == 0 or target is None:
            return None
        witnesses = list(attesting.witnesses) if attesting is not None else []
        if not witnesses:
            return dict.fromkeys(target.assignments)
        quorum = coordinator_witness_quorum(coordinator, len(witnesses))
        return target.consensus([w.broadcast_bloom for w in witnesses], quorum)

    def plan_apply(self, coordinator: Coordinator) -> ApplyPlan:
        """Which results to apply entering this RoundTrain: round h-2's, by the consensus of round h-1's witnesses."""
        return self._plan(
            self.consensus(coordinator),
            int(coordinator.progress.step),
            coordinator.model.llm,
            int(coordinator.progress.epoch),
        )

    def plan_after_witnesses(self, coordinator: Coordinator) -> ApplyPlan | None:
        """In RoundWitness of our current round: the plan :meth:`plan_apply` will make entering the next RoundTrain,
        when it is settled already; None when it is not.

        It is settled once every elected witness of the round has witnessed (no later witness can change the
        consensus) and this client holds every chosen payload. The next RoundTrain, if one follows, is at the
        next step. Entering it, the client makes the plan again and uses a prepared one only if the two are equal.
        """
        attesting = current_round(coordinator)
        if self.current is None or attesting is None or int(attesting.height) != self.current.height:
            return None
        if len(attesting.witnesses) < witness_nodes_target(coordinator):
            return None
        chosen = self._consensus(attesting, coordinator)
        if chosen is not None and any(r is not None and r.payload is None for r in chosen.values()):
            return None
        return self._plan(
            chosen, int(coordinator.progress.step) + 1, coordinator.model.llm, int(coordinator.progress.epoch)
        )

    def _plan(self, chosen: dict[BatchId, ReceivedResult | None] | None, step: int, llm: LLM, epoch: int) -> ApplyPlan:
        """The payloads of ``chosen`` to apply at ``step``, in batch order, and why each other batch is not."""
        if chosen is None or self.previous is None:
            return ApplyPlan(None, step, (), (), epoch=epoch)
        payloads: list[bytes] = []
        senders: list[bytes] = []
        untrained: list[BatchId] = []
        warming_up: list[BatchId] = []
        applied: list[BatchId] = []
        unavailable: list[BatchId] = []
        for batch, received in chosen.items():
            if received is None:
                untrained.append(batch)
                continue
            if received.payload is None:
                unavailable.append(batch)
                continue
            try:
                warming = from_warming_up_trainer(received.payload, llm)
            except IncompatibleResultError:
                warming = False  # its header is unreadable: apply() reports it and skips it like any bad payload
            if warming:
                warming_up.append(batch)
                continue
            payloads.append(received.payload)
            senders.append(bytes(received.sender))
            applied.append(batch)
        return ApplyPlan(
            self.previous.height,
            step,
            tuple(payloads),
            tuple(untrained),
            tuple(warming_up),
            tuple(applied),
            tuple(unavailable),
            tuple(senders),
            epoch,
        )

    def rotate(self, coordinator: Coordinator) -> RoundState:
        """Start the round state of the coordinator's current round (no batches once the epoch's last step is set)."""
        round_ = current_round(coordinator)
        assert round_ is not None
        selection = committee_selection(coordinator, 0)
        clients = [Pubkey.from_bytes(bytes(client.id.signer)) for client in coordinator.epoch_state.clients]
        assignments: dict[BatchId, Pubkey] = {}
        if not last_step_set(coordinator):
            assignments = {
                batch: Pubkey.from_bytes(bytes(identity.signer))
                for batch, identity in assign_data_for_state(coordinator, selection).items()
            }
        state = RoundState.new(
            int(round_.height), int(coordinator.progress.step), selection, clients, assignments, self._rng
        )
        self.previous, self.current = self.current, state
        return state

    def own_batches(self) -> list[BatchId]:
        assert self.current is not None
        return [batch for batch, owner in self.current.assignments.items() if owner == self.me]

    # -- in the worker thread -----------------------------------------------------------
    def apply(
        self, plan: ApplyPlan, bounds: tuple[int, int] | None, prepared: PreparedApply | None = None
    ) -> AppliedWeights:
        """Sign-SGD on the plan's results (everyone applies the same results in the same order); returns the hash of
        the weights it leaves, which the round trains with.

        ``prepared``, worked out by :meth:`prepare` during the witness phase, is used when it was prepared for this
        very plan: the weights and their hash are the same, bit for bit, as when the plan is applied afresh.
        """
        trainer = self.setup.trainer
        if prepared is not None and prepared.plan == plan and prepared.bounds == bounds:
            if prepared.update is not None:
                assert trainer.distro is not None
                trainer.distro.apply_update(prepared.update, learning_rate(trainer.schedule, plan.step, bounds))
            return AppliedWeights(prepared.weights_hash, True)
        if plan.height is not None:
            results, origin = self._decoded(plan)
            trainer.optimize(plan.step, results, bounds, origin)
        return AppliedWeights(parameter_hash(trainer.model), False)

    def prepare(self, plan: ApplyPlan, bounds: tuple[int, int] | None) -> PreparedApply:
        """Work out ``plan``'s update and the hash of the weights it will leave, without touching the weights.

        The witness phase lasts at least a chain second in which the spec forbids training and the machine idles;
        doing this then leaves only the subtraction itself to the start of the next RoundTrain. If the run goes to
        Cooldown instead, the prepared update is dropped, and the weights are as if it had never been made.
        """
        trainer = self.setup.trainer
        distro = trainer.distro
        update = None
        if plan.height is not None and distro is not None:
            update = distro.update_of(*self._decoded(plan))
        if update is None:
            return PreparedApply(plan, bounds, None, parameter_hash(trainer.model))
        assert distro is not None
        after = distro.parameters_after(update, learning_rate(trainer.schedule, plan.step, bounds))
        return PreparedApply(plan, bounds, update, weights_hash(after))

    def _decoded(self, plan: ApplyPlan) -> tuple[list[DistroResult], RoundOrigin | None]:
        """The plan's payloads as results, and their round and senders (None for a plan that names no senders);
        one that cannot be applied is logged and left out (§4.5)."""
        trainer = self.setup.trainer
        results = []
        senders = []
        named = plan.senders or (b"",) * len(plan.payloads)
        for batch, payload, sender in zip(plan.batches, plan.payloads, named, strict=True):
            try:
                result = decode_result(payload, trainer.device)
                if trainer.distro is not None:
                    trainer.distro.check_compatible(result)
            except IncompatibleResultError as exc:
                # §4.5: the witnesses agreed on a payload nobody can apply. Every client holds the same verified
                # bytes and the same model, so every client skips it and the replicas stay identical.
                log.warning(
                    "DESYNC: the result for batch %s of step %d cannot be applied (%s): skipped",
                    batch,
                    plan.step - 2,
                    exc,
                )
                continue
            results.append(result)
            senders.append(sender)
        assert plan.height is not None
        origin = RoundOrigin(plan.epoch, plan.height, tuple(senders)) if plan.senders else None
        return results, origin

    def train(
        self, step: int, batches: Sequence[BatchId], height: int, bounds: tuple[int, int] | None
    ) -> list[TrainedBatch]:
        """Train our ``batches`` at ``step``; returns the blobs to publish (values quantized as the run says)."""
        trained: list[TrainedBatch] = []
        own: list[DistroResult] = []
        for batch in batches:
            tokens = self.setup.data.get_samples(batch)
            output = self.setup.trainer.train(
                step, tokens, bounds, zero_optim=height == 0 and bounds is not None, prev_self=self._own_unquantized
            )
            assert output.result is not None
            own.append(output.result)
            payload = encode_result(output.result.for_transmission(self.setup.quantize_1bit), output.nonce)
            digest = hashlib.sha256(
                tokens.cpu().to(torch.int64).contiguous().numpy().astype("<i8").tobytes()
            ).hexdigest()
            trained.append(TrainedBatch(batch, payload, output.loss, tokens.numel(), digest))
        self._own_unquantized = own
        return trained
