"""What trainers announce to each other each round: a result is ready (and where), or a round is finished.

Every announcement is a ``Broadcast`` for one step, carrying the sender's committee proof, a
``Commitment`` (a hash of what it announces, signed with the sender's key) and a random nonce so a
rebroadcast is not deduplicated. It travels as the data of a :class:`client.p2p.SignedMessage`; the
encoding is our own JSON (a Python-only network need not speak the reference's postcard, spec
client-training.md §9), the semantics are the reference's (§4.2-§4.3).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.signature import Signature

from client.errors import ClientError
from client.p2p.endpoints import InvalidEndpoint, peer_endpoint
from coordinator_program.core import BatchId
from coordinator_program.core.types import Committee

__all__ = [
    "Commitment",
    "CommitteeClaim",
    "TrainingResult",
    "Finished",
    "Broadcast",
    "Holding",
    "MalformedBroadcast",
    "result_commitment_hash",
    "finished_commitment_hash",
]


class MalformedBroadcast(ClientError, ValueError):
    """A broadcast that does not parse, or whose commitment signature does not verify."""


@dataclass(frozen=True)
class Commitment:
    """``data_hash`` is what witnesses put in their broadcast blooms; ``signature`` is the sender's over it."""

    data_hash: bytes
    signature: Signature

    @classmethod
    def sign(cls, keypair: Keypair, data_hash: bytes) -> Commitment:
        return cls(data_hash, keypair.sign_message(data_hash))

    def verify(self, sender: Pubkey) -> bool:
        return len(self.data_hash) == 32 and self.signature.verify(sender, self.data_hash)


@dataclass(frozen=True)
class CommitteeClaim:
    """The sender's ``CommitteeProof`` for the round: its committee, shuffled position and client index."""

    committee: Committee
    position: int
    index: int


@dataclass(frozen=True)
class TrainingResult:
    """A trainer's result for ``batch_id`` is downloadable as the blob ``blob_hash`` from ``url`` (or any holder)."""

    batch_id: BatchId
    blob_hash: str
    url: str


@dataclass(frozen=True)
class Finished:
    """The sender holds every result of the previous round, whose broadcasts have the root ``broadcast_merkle``."""

    broadcast_merkle: bytes
    warmup: bool


@dataclass(frozen=True)
class Broadcast:
    step: int
    proof: CommitteeClaim
    commitment: Commitment
    nonce: int
    data: TrainingResult | Finished

    def encode(self) -> bytes:
        body: dict[str, Any] = {
            "step": self.step,
            "proof": {
                "committee": self.proof.committee.name,
                "position": self.proof.position,
                "index": self.proof.index,
            },
            "commitment": {"data_hash": _b64(self.commitment.data_hash), "signature": str(self.commitment.signature)},
            "nonce": self.nonce,
        }
        if isinstance(self.data, TrainingResult):
            batch = self.data.batch_id
            body["training_result"] = {
                "batch_id": [batch.start, batch.end],
                "blob_hash": self.data.blob_hash,
                "url": self.data.url,
            }
        else:
            body["finished"] = {"broadcast_merkle": _b64(self.data.broadcast_merkle), "warmup": self.data.warmup}
        return json.dumps(body, sort_keys=True).encode()

    @classmethod
    def decode(cls, raw: bytes, sender: Pubkey) -> Broadcast:
        """Parse a broadcast from ``sender`` and check its commitment signature (MalformedBroadcast otherwise)."""
        try:
            body = json.loads(raw)
            proof = body["proof"]
            commitment = Commitment(
                _unb64(body["commitment"]["data_hash"]), Signature.from_string(body["commitment"]["signature"])
            )
            data: TrainingResult | Finished
            if "training_result" in body:
                result = body["training_result"]
                start, end = result["batch_id"]
                url = peer_endpoint(result["url"])
                data = TrainingResult(BatchId(int(start), int(end)), str(result["blob_hash"]), url)
            else:
                finished = body["finished"]
                data = Finished(_unb64(finished["broadcast_merkle"]), bool(finished["warmup"]))
            broadcast = cls(
                int(body["step"]),
                CommitteeClaim(Committee[proof["committee"]], int(proof["position"]), int(proof["index"])),
                commitment,
                int(body["nonce"]),
                data,
            )
        except (ValueError, KeyError, TypeError, InvalidEndpoint) as exc:
            raise MalformedBroadcast(f"malformed broadcast from {sender}: {exc}") from exc
        if not broadcast.commitment.verify(sender):
            raise MalformedBroadcast(f"commitment of {sender} does not verify")
        return broadcast


HOLDING_KIND = "holding"


@dataclass(frozen=True)
class Holding:
    """The signer holds, and witnessed, the result ``trainer`` announced with ``broadcast`` (the trainer's own bytes).

    A trainer may sign many commitments for one batch, and a client keeps only so many; an honest client that
    blooms one of them vouches for it with this message, so every client learns every commitment an honest witness
    blooms, however many others the trainer sent it first (receivers take one vouch per signer, step and batch).
    """

    trainer: Pubkey
    broadcast: bytes

    def encode(self) -> bytes:
        body = {"kind": HOLDING_KIND, "trainer": str(self.trainer), "broadcast": _b64(self.broadcast)}
        return json.dumps(body, sort_keys=True).encode()

    @classmethod
    def parse(cls, raw: bytes) -> Holding | None:
        """The vouch in ``raw``; None when ``raw`` is another message, MalformedBroadcast when it is a broken vouch."""
        try:
            body = json.loads(raw)
        except ValueError:
            return None
        if not isinstance(body, dict) or body.get("kind") != HOLDING_KIND:
            return None
        try:
            return cls(Pubkey.from_string(body["trainer"]), _unb64(body["broadcast"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise MalformedBroadcast(f"malformed vouch: {exc}") from exc

    def announced(self) -> Broadcast:
        """The trainer's announcement, its commitment checked against the trainer (MalformedBroadcast if not)."""
        broadcast = Broadcast.decode(self.broadcast, self.trainer)
        if not isinstance(broadcast.data, TrainingResult):
            raise MalformedBroadcast("a vouch must carry a training result")
        return broadcast


def result_commitment_hash(step: int, batch_id: BatchId, payload: bytes) -> bytes:
    """``sha256(step u32 BE ‖ batch start u64 BE ‖ batch end u64 BE ‖ payload)``: a result bound to its step and batch.

    >>> result_commitment_hash(3, BatchId(0, 7), b"x").hex()[:12]
    '18845b6ee3e8'
    """
    header = step.to_bytes(4, "big") + batch_id.start.to_bytes(8, "big") + batch_id.end.to_bytes(8, "big")
    return hashlib.sha256(header + payload).digest()


def finished_commitment_hash(broadcast_merkle: bytes) -> bytes:
    """A Finished message commits to ``sha256(merkle_root)``."""
    return hashlib.sha256(broadcast_merkle).digest()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)
