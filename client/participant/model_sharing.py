"""P2P model sharing (spec client-training.md §4.7), simplified: the whole model as one content-addressed blob.

After each Cooldown every client holds the epoch's final weights; it stores them as one blob (float32, so a
joiner is bit-identical to the others, where the reference shares bf16) and, in the next Warmup, gossips a
signed :class:`ModelOffer` naming the blob's hash and the step the weights end. A client that joins in a later
epoch takes the newest step offered, and of its hashes the one offered by the most clients of the epoch, downloads
it from any of them (the download is checked against the hash) and loads it. Offers from keys that are not
clients of the epoch are ignored. (The newest step matters after a crash of every client: each restarts from the
checkpoint it kept, and one that kept an older one must not win by numbers.)

MatFormer tiers: a client serves the weights it holds (its tier's slice) and, cut from them, the slices of up to
:data:`SERVED_DEEPER_TIERS` narrower tiers, each its own blob, and offers them all, tier by tier. A joiner of tier
``t`` takes only a hash offered for tier ``t``: from a client of tier ``t`` or a wider one, never from a narrower
one (which cannot hold it). Slices of the same weights are the same bytes whoever cut them
(:func:`~client.participant.checkpoints.slice_parameters_blob`), so offers of different tiers agree on a hash.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import torch
from solders.pubkey import Pubkey

from client.participant.checkpoints import parameters_blob, read_parameters_blob, slice_parameters_blob
from client.train.matformer import MAX_MATFORMER_TIER, active_intermediate_size, max_matformer_tier, narrow_wider_ffn

__all__ = [
    "ModelOffer",
    "SERVED_DEEPER_TIERS",
    "choose_offer",
    "load_parameters",
    "max_parameters_blob_bytes",
    "parameters_blob",
    "tier_slices",
]

OFFER_KIND = "model_offer"
SERVED_DEEPER_TIERS = 3
"""How many tiers narrower than its own a client also serves (each slice a blob it keeps in memory)."""
HASH_HEX_CHARS = 64


@dataclass(frozen=True)
class ModelOffer:
    """``blob_hash`` holds the weights every client of ``epoch`` starts from, those at the end of ``step``
    (-1: not said), as the offerer's MatFormer tier ``matformer_tier`` holds them; ``slices`` are the hashes of the
    narrower tiers' slices it also serves, as (tier, hash) pairs. The nonce defeats gossip dedup."""

    epoch: int
    blob_hash: str
    nonce: int = 0
    step: int = -1
    matformer_tier: int = 0
    slices: tuple[tuple[int, str], ...] = ()

    def hash_for(self, tier: int) -> str | None:
        """The hash of the weights of ``tier`` this offer serves; None for a tier it does not hold."""
        if tier == self.matformer_tier:
            return self.blob_hash
        return dict(self.slices).get(tier)

    def encode(self, rng: random.Random) -> bytes:
        body = {
            "kind": OFFER_KIND,
            "epoch": self.epoch,
            "blob_hash": self.blob_hash,
            "nonce": rng.getrandbits(32),
            "step": self.step,
            "matformer_tier": self.matformer_tier,
            "slices": [list(pair) for pair in self.slices],
        }
        return json.dumps(body, sort_keys=True).encode()

    @classmethod
    def parse(cls, raw: bytes) -> ModelOffer | None:
        """The offer in ``raw``, or None when it is some other message (or a malformed offer)."""
        try:
            body = json.loads(raw)
            if not isinstance(body, dict) or body.get("kind") != OFFER_KIND:
                return None
            digest = str(body["blob_hash"])
            tier = int(body.get("matformer_tier", 0))
            raw_slices = body.get("slices", [])
            if len(digest) != HASH_HEX_CHARS or not 0 <= tier <= MAX_MATFORMER_TIER:
                return None
            if not isinstance(raw_slices, list) or len(raw_slices) > SERVED_DEEPER_TIERS:
                return None
            slices = tuple((int(t), str(h)) for t, h in raw_slices)
            if any(not tier < t <= MAX_MATFORMER_TIER or len(h) != HASH_HEX_CHARS for t, h in slices):
                return None
            step = int(body.get("step", -1))
            return cls(int(body["epoch"]), digest, int(body["nonce"]), step, tier, slices)
        except (ValueError, KeyError, TypeError):
            return None


def choose_offer(
    offers: Mapping[Pubkey, ModelOffer], clients: set[Pubkey], latest_step: int, matformer_tier: int = 0
) -> tuple[str, list[Pubkey]] | None:
    """Of the newest step offered for ``matformer_tier``, the hash most epoch clients offer, and who offers it;
    None without any offer of that tier from a client.

    An offer of weights past ``latest_step``, the run's last completed step, cannot be honest and is ignored:
    otherwise one client claiming a later step would win over every honest offer and hand a joiner its own weights.

    >>> a, b, c = Pubkey.new_unique(), Pubkey.new_unique(), Pubkey.new_unique()
    >>> offers = {a: ModelOffer(1, "x" * 64), b: ModelOffer(1, "x" * 64), c: ModelOffer(1, "y" * 64)}
    >>> choose_offer(offers, {a, b, c}, latest_step=9)[0] == "x" * 64
    True
    >>> offers[c] = ModelOffer(1, "y" * 64, step=9)
    >>> choose_offer(offers, {a, b, c}, latest_step=9)[0] == "y" * 64
    True
    >>> choose_offer(offers, {a, b, c}, latest_step=8)[0] == "x" * 64  # step 9 has not been trained yet
    True
    >>> offers[c] = ModelOffer(1, "y" * 64, step=9, matformer_tier=2)  # too narrow for tier 1
    >>> choose_offer(offers, {a, b, c}, latest_step=9, matformer_tier=1) is None
    True
    """
    valid = {
        sender: (offer.step, digest)
        for sender, offer in offers.items()
        if sender in clients and offer.step <= latest_step and (digest := offer.hash_for(matformer_tier)) is not None
    }
    if not valid:
        return None
    newest = max(step for step, _ in valid.values())
    hashes = {sender: digest for sender, (step, digest) in valid.items() if step == newest}
    digest, _ = Counter(hashes.values()).most_common(1)[0]
    return digest, [sender for sender, offered in hashes.items() if offered == digest]


def tier_slices(blob: bytes, intermediate_size: int, matformer_tier: int) -> dict[int, bytes]:
    """The blobs a client of ``matformer_tier`` serves from ``blob``, the weights it holds: those, and the slices
    of up to :data:`SERVED_DEEPER_TIERS` narrower tiers the width allows. Never a wider tier than its own."""
    deepest = min(matformer_tier + SERVED_DEEPER_TIERS, max_matformer_tier(intermediate_size))
    slices = {matformer_tier: blob}
    for tier in range(matformer_tier + 1, deepest + 1):
        slices[tier] = slice_parameters_blob(blob, active_intermediate_size(intermediate_size, tier))
    return slices


HEADER_BYTES_PER_TENSOR = 512  # a safetensors header entry: the name, dtype, shape and offsets, generously


def max_parameters_blob_bytes(model: torch.nn.Module) -> int:
    """The largest shared-model blob a peer may send for ``model``: its float32 weights plus a safetensors header.

    A joiner builds the model from the run's config before downloading its weights, so the limit follows from it.
    """
    params = list(model.parameters())
    return sum(4 * p.numel() for p in params) + HEADER_BYTES_PER_TENSOR * (len(params) + 1)


@torch.no_grad()
def load_parameters(model: torch.nn.Module, blob: bytes) -> None:
    """Copy the blob's tensors into ``model``; ValueError when names or shapes do not match. Weights of a wider
    MatFormer tier (a full checkpoint) load as their first FFN channels into a narrower model."""
    tensors = read_parameters_blob(blob)
    params = dict(model.named_parameters())
    if set(tensors) != set(params):
        raise ValueError(f"shared model has parameters {sorted(set(tensors) ^ set(params))} this model does not")
    fitted = {name: narrow_wider_ffn(name, value, params[name].shape) for name, value in tensors.items()}
    for name, value in fitted.items():  # every shape checked before any is copied: a misfit changes nothing
        if value.shape != params[name].shape:
            raise ValueError(f"shared {name} has shape {tuple(value.shape)}, expected {tuple(params[name].shape)}")
    for name, value in fitted.items():
        params[name].copy_(value)
