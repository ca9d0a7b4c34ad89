"""Peer discovery: each client announces where it serves, signed with its key; peers keep the newest of each.

Only participants are heard: the directory asks ``is_participant`` (the coordinator's client list)
before it accepts an announcement, as the reference's allowlist admits only the run's clients. The announced
endpoint must be a plain ``http(s)://HOST:PORT`` (:func:`client.p2p.endpoints.peer_endpoint`), so a participant
cannot make honest clients send their gossip to an arbitrary URL.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass

from solders.keypair import Keypair
from solders.pubkey import Pubkey

from client.p2p.endpoints import InvalidEndpoint, peer_endpoint
from client.p2p.signed import InvalidSignature, SignedMessage

__all__ = ["PeerAnnouncement", "PeerDirectory"]

ANNOUNCEMENT_KIND = "peer-announcement"
MAX_AGGREGATOR_HASH = 64  # hex characters: a SHA-256 at most


@dataclass(frozen=True)
class PeerAnnouncement:
    """``url`` is the peer's HTTP base (``http://host:port``); ``sequence`` orders a peer's announcements;
    ``aggregator`` is the hash of the peer's aggregation rule ("" until it has loaded the model), so clients that
    would combine results differently, and fork, notice it."""

    peer: Pubkey
    url: str
    sequence: int
    aggregator: str = ""

    def signed(self, keypair: Keypair) -> SignedMessage:
        payload = {
            "kind": ANNOUNCEMENT_KIND,
            "url": self.url,
            "sequence": self.sequence,
            "aggregator": self.aggregator,
        }
        return SignedMessage.sign(keypair, json.dumps(payload, sort_keys=True).encode())

    @classmethod
    def from_message(cls, message: SignedMessage) -> PeerAnnouncement:
        """The announcement a verified message carries; InvalidSignature if it carries something else."""
        try:
            payload = json.loads(message.data)
            if payload["kind"] != ANNOUNCEMENT_KIND:
                raise ValueError(f"not an announcement: {payload['kind']!r}")
            url, sequence = peer_endpoint(payload["url"]), payload["sequence"]
            if not isinstance(sequence, int) or isinstance(sequence, bool) or not 0 <= sequence < 1 << 63:
                raise ValueError(f"bad sequence {sequence!r}")
            aggregator = payload.get("aggregator", "")
            if not isinstance(aggregator, str) or len(aggregator) > MAX_AGGREGATOR_HASH:
                raise ValueError(f"bad aggregator hash {str(aggregator)[:80]!r}")
        except (ValueError, KeyError, TypeError, InvalidEndpoint) as exc:
            raise InvalidSignature(f"malformed announcement from {message.sender}: {exc}") from exc
        return cls(message.sender, url, sequence, aggregator)


class PeerDirectory:
    """The known peers' newest announcements (as the signed messages, so they can be passed on unchanged)."""

    def __init__(self, is_participant: Callable[[Pubkey], bool]) -> None:
        self._is_participant = is_participant
        self._known: dict[Pubkey, tuple[PeerAnnouncement, SignedMessage]] = {}
        self._lock = threading.Lock()

    def offer(self, message: SignedMessage) -> bool:
        """Keep the announcement if it is a participant's and newer than what we had; True if it was news."""
        announcement = PeerAnnouncement.from_message(message)
        if not self._is_participant(announcement.peer):
            return False
        with self._lock:
            current = self._known.get(announcement.peer)
            if current is not None and current[0].sequence >= announcement.sequence:
                return False
            self._known[announcement.peer] = (announcement, message)
            return True

    def urls(self, exclude: Pubkey | None = None) -> dict[Pubkey, str]:
        """Where each current participant serves (participants that left the run are skipped)."""
        with self._lock:
            known = list(self._known.values())
        return {a.peer: a.url for a, _ in known if a.peer != exclude and self._is_participant(a.peer)}

    def aggregators(self) -> dict[Pubkey, str]:
        """The aggregation-rule hash each current participant announced ("" where it has not loaded the model)."""
        with self._lock:
            known = list(self._known.values())
        return {a.peer: a.aggregator for a, _ in known if self._is_participant(a.peer)}

    def messages(self) -> list[SignedMessage]:
        with self._lock:
            return [message for _, message in self._known.values()]
