"""How a client comes to hold the epoch's starting weights, and how it hands them on (spec client-training.md §4.7).

In epoch 0 the model is the run's checkpoint. From epoch 1 it is, in the order :mod:`client.participant.model_recovery`
decides: our own checkpoint of the last completed step, the weights the epoch's clients offer over gossip
(downloaded and checked against their hash), or the run's checkpoint. Whatever a client holds at Cooldown, or
restarted from, it offers in the next Warmup, so joiners can take it from peers.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import assert_never

import torch
from solders.pubkey import Pubkey

from client.p2p import BlobUnavailable, P2PNode
from client.participant.checkpoint_keeper import CheckpointKeeper
from client.participant.checkpoints import SavedCheckpoint
from client.participant.logs import emit
from client.participant.model_recovery import WeightsSource, weights_source
from client.participant.model_setup import DataIdentity, TrainingSetup, load_training_setup, pick_device
from client.participant.model_sharing import (
    ModelOffer,
    choose_offer,
    load_parameters,
    max_parameters_blob_bytes,
    tier_slices,
)
from client.train.model import LlamaConfig, LlamaForCausalLM
from coordinator_program.core.types import Coordinator

__all__ = ["ModelAcquisition", "ModelLoaded", "SetupOptions"]

log = logging.getLogger(__name__)

MODEL_SHARE_TAG = "model-share"  # the blob store's tag of the weights we offer

ModelLoaded = Callable[[TrainingSetup, Coordinator], None]
"""Called with the setup each time new weights are loaded into it (the round pipeline starts afresh)."""


@dataclass(frozen=True)
class SetupOptions:
    """What building the model needs besides the coordinator: the device, where the data is, the MatFormer tier."""

    device: str
    data_dir: Path | None
    data_cache_dir: Path | None
    data_identity: DataIdentity | None = None  # for a Server data location: who we are to its data server
    matformer_tier: int = 0


def model_shape(network: torch.nn.Module) -> dict[str, int]:
    """``loaded_model``'s shape fields, the reference MatFormer fork's: the tier and the FFN width this client holds
    beside the full one, and the LLaMA's sizes (only the tier, 0, for a classifier, which has no FFN to nest)."""
    config = getattr(network, "config", None)
    if not isinstance(config, LlamaConfig):
        return {"matformer_tier": 0}
    return {
        "matformer_tier": config.matformer_tier,
        "hidden_size": config.hidden_size,
        "intermediate_size": config.intermediate_size,
        "intermediate_size_active": config.intermediate_size_active,
        "num_hidden_layers": config.num_hidden_layers,
        "vocab_size": config.vocab_size,
    }


class ModelAcquisition:
    """The model of one client: the setup it trains, the offers peers made of each epoch's weights, and ours.

    ``offer_wait`` bounds how long a joiner waits for offers before loading the run's checkpoint;
    ``offer_interval`` is how often our own offer is repeated in Warmup.
    """

    def __init__(
        self,
        node: P2PNode,
        me: Pubkey,
        run_id: str,
        setup_options: SetupOptions,
        checkpoints: CheckpointKeeper,
        on_loaded: ModelLoaded,
        rng: random.Random,
        offer_wait: float,
        offer_interval: float,
    ) -> None:
        self.node = node
        self.me = me
        self.run_id = run_id
        self.setup_options = setup_options
        self.checkpoints = checkpoints
        self.on_loaded = on_loaded
        self.rng = rng
        self.offer_wait = offer_wait
        self.offer_interval = offer_interval
        self.setup: TrainingSetup | None = None
        self._weights_epoch: int | None = None
        self._offers: dict[Pubkey, ModelOffer] = {}  # one per participant: memory a flood cannot grow
        self._offer_relayed: dict[Pubkey, float] = {}  # when each participant's offer was last passed on
        self._wait_since: dict[int, float] = {}
        self._my_offer: ModelOffer | None = None
        self._last_offer = 0.0

    def take_offer(self, sender: Pubkey, offer: ModelOffer) -> bool:
        """A peer's (signed) offer of an epoch's weights: per sender, the latest of its newest epoch counts (one
        delayed from an earlier epoch does not replace it). True if it is to be relayed: each sender's offers at
        most twice per offer interval (an honest one repeats its offer once per interval, with a fresh nonce that
        defeats gossip dedup), so a participant flooding offers cannot make every peer pass each one on."""
        held = self._offers.get(sender)
        if held is not None and offer.epoch < held.epoch:
            return False
        self._offers[sender] = offer
        now = time.monotonic()
        if now - self._offer_relayed.get(sender, -math.inf) < self.offer_interval / 2:
            return False
        self._offer_relayed[sender] = now
        return True

    async def ensure(self, coordinator: Coordinator) -> TrainingSetup | None:
        """The model for this epoch, loading it if we do not hold it yet; None while a joiner still waits for the
        epoch's clients to offer the current weights."""
        epoch = int(coordinator.progress.epoch)
        if self.setup is not None and self._weights_epoch == epoch:
            return self.setup
        saved: SavedCheckpoint | None = None
        sized: TrainingSetup | None = None  # built early when its size must bound a download
        shared: bytes | None = None
        description = ""
        if epoch > 0:
            saved = await self.checkpoints.own_checkpoint(int(coordinator.progress.step) - 1)
            clients = {Pubkey.from_bytes(bytes(c.id.signer)) for c in coordinator.epoch_state.clients} - {self.me}
            offers = {sender: offer for sender, offer in self._offers.items() if offer.epoch == epoch}
            chosen = choose_offer(
                offers, clients, int(coordinator.progress.step) - 1, self.setup_options.matformer_tier
            )
            waited = time.monotonic() - self._wait_since.setdefault(epoch, time.monotonic())
            source = weights_source(
                int(coordinator.progress.step) - 1,
                None if saved is None else saved.step,
                None if chosen is None else offers[chosen[1][0]].step,
                waited,
                self.offer_wait,
                coordinator.model.llm.checkpoint,
            )
            match source:
                case WeightsSource.Wait:
                    return None
                case WeightsSource.Own:
                    assert saved is not None
                    shared = saved.blob
                    description = f"checkpoint {saved.directory} (sha256 {saved.digest[:16]}…)"
                case WeightsSource.Peers:
                    assert chosen is not None
                    saved, (digest, sources) = None, chosen
                    sized = self.setup or await self._load_setup(coordinator)  # its size bounds the download
                    try:
                        limit = max_parameters_blob_bytes(sized.trainer.model)
                        shared = await self.node.fetch_blob(digest, sources, MODEL_SHARE_TAG, limit)
                    except BlobUnavailable as exc:
                        log.warning("shared model: %s", exc)
                        return None
                    description = f"P2P({digest[:16]}… from {len(sources)} peers)"
                case WeightsSource.Run:
                    saved, self.setup = None, None  # the run's checkpoint, not whatever this process held before
                case _:
                    assert_never(source)
        setup = self.setup or sized
        if setup is None:
            setup = await self._load_setup(coordinator, saved.directory if saved is not None else None)
        device = setup.trainer.device
        if shared is not None:
            await asyncio.to_thread(load_parameters, setup.trainer.model, shared)
            setup.checkpoint = description
        self.setup = setup
        self._weights_epoch = epoch
        if saved is not None:  # seed the others: offer our checkpoint as the epoch's starting weights
            self.share(saved.blob, epoch, saved.step)
        self.on_loaded(setup, coordinator)
        shape = model_shape(setup.trainer.model)
        tier = f", MatFormer tier {shape['matformer_tier']}" if shape["matformer_tier"] else ""
        emit(
            "loaded_model",
            f"loaded model {setup.checkpoint} ({setup.trainer.model.num_parameters():,} parameters{tier}) on {device}",
            checkpoint=setup.checkpoint,
            gpus=1 if device.type == "cuda" else 0,
            dp=1,
            tp=1,
            **shape,
        )
        return setup

    def share(self, blob: bytes, epoch: int, step: int) -> None:
        """Serve ``blob``, the weights at the end of ``step`` (our tier's slice), and the slices of narrower tiers
        cut from it, as the starting weights of ``epoch``, and offer them in its Warmup; the weights we hold are
        then those of ``epoch``."""
        self.node.blobs.drop_tags(lambda tag: tag == MODEL_SHARE_TAG)
        model = None if self.setup is None else self.setup.trainer.model
        tier, served = 0, {0: blob}
        if isinstance(model, LlamaForCausalLM):
            tier = model.config.matformer_tier
            served = tier_slices(blob, model.config.intermediate_size, tier)
        hashes = {t: self.node.blobs.put(served_blob, MODEL_SHARE_TAG) for t, served_blob in served.items()}
        slices = tuple((t, digest) for t, digest in sorted(hashes.items()) if t != tier)
        self._my_offer = ModelOffer(epoch, hashes[tier], step=step, matformer_tier=tier, slices=slices)
        self._weights_epoch = epoch

    async def offer(self, coordinator: Coordinator) -> None:
        """In Warmup, tell joiners (again, every offer interval) where the epoch's starting weights are."""
        offer = self._my_offer
        now = time.monotonic()
        if offer is None or offer.epoch != int(coordinator.progress.epoch):
            return
        if now - self._last_offer >= self.offer_interval:
            self._last_offer = now
            await self.node.gossip(offer.encode(self.rng))

    async def _load_setup(self, coordinator: Coordinator, checkpoint: Path | None = None) -> TrainingSetup:
        """Build the run's model, trainer and data (from ``checkpoint``, a local checkpoint directory, if given)."""
        device = pick_device(self.setup_options.device)
        return await asyncio.to_thread(
            load_training_setup,
            coordinator.model,
            self.run_id,
            device,
            self.setup_options.data_dir,
            self.setup_options.data_cache_dir,
            checkpoint,
            self.setup_options.data_identity,
            matformer_tier=self.setup_options.matformer_tier,
        )
