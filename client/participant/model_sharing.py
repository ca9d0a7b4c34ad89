"""P2P model sharing (spec client-training.md §4.7), simplified: the whole model as one content-addressed blob.

After each Cooldown every client holds the epoch's final weights; it stores them as one blob (float32, so a
joiner is bit-identical to the others, where the reference shares bf16) and, in the next Warmup, gossips a
signed :class:`ModelOffer` naming the blob's hash and the step the weights end. A client that joins in a later
epoch takes the newest step offered, and of its hashes the one offered by the most clients of the epoch, downloads
it from any of them (the download is checked against the hash) and loads it. Offers from keys that are not
clients of the epoch are ignored. (The newest step matters after a crash of every client: each restarts from the
checkpoint it kept, and one that kept an older one must not win by numbers.)
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import torch
from solders.pubkey import Pubkey

from client.participant.checkpoints import parameters_blob, read_parameters_blob
from client.train.matformer import narrow_wider_ffn

__all__ = ["ModelOffer", "choose_offer", "load_parameters", "max_parameters_blob_bytes", "parameters_blob"]

OFFER_KIND = "model_offer"


@dataclass(frozen=True)
class ModelOffer:
    """``blob_hash`` holds the weights every client of ``epoch`` starts from, those at the end of ``step``
    (-1: not said); the nonce defeats gossip dedup."""

    epoch: int
    blob_hash: str
    nonce: int = 0
    step: int = -1

    def encode(self, rng: random.Random) -> bytes:
        body = {
            "kind": OFFER_KIND,
            "epoch": self.epoch,
            "blob_hash": self.blob_hash,
            "nonce": rng.getrandbits(32),
            "step": self.step,
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
            if len(digest) != 64:
                return None
            return cls(int(body["epoch"]), digest, int(body["nonce"]), int(body.get("step", -1)))
        except (ValueError, KeyError, TypeError):
            return None


def choose_offer(offers: Mapping[Pubkey, ModelOffer], clients: set[Pubkey]) -> tuple[str, list[Pubkey]] | None:
    """Of the newest step offered, the hash most epoch clients offer, and who offers it; None without any offer
    from a client.

    >>> a, b, c = Pubkey.new_unique(), Pubkey.new_unique(), Pubkey.new_unique()
    >>> offers = {a: ModelOffer(1, "x" * 64), b: ModelOffer(1, "x" * 64), c: ModelOffer(1, "y" * 64)}
    >>> choose_offer(offers, {a, b, c})[0] == "x" * 64
    True
    >>> offers[c] = ModelOffer(1, "y" * 64, step=9)
    >>> choose_offer(offers, {a, b, c})[0] == "y" * 64
    True
    """
    valid = {sender: offer for sender, offer in offers.items() if sender in clients}
    if not valid:
        return None
    newest = max(offer.step for offer in valid.values())
    valid = {sender: offer for sender, offer in valid.items() if offer.step == newest}
    digest, _ = Counter(offer.blob_hash for offer in valid.values()).most_common(1)[0]
    return digest, [sender for sender, offer in valid.items() if offer.blob_hash == digest]


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
    for name, value in tensors.items():
        value = narrow_wider_ffn(name, value, params[name].shape)
        if value.shape != params[name].shape:
            raise ValueError(f"shared {name} has shape {tuple(value.shape)}, expected {tuple(params[name].shape)}")
        params[name].copy_(value)
