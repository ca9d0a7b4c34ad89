"""Peer-to-peer transport of the training client: signed gossip, peer discovery and content-addressed blobs.

Psyche uses iroh (QUIC gossip, BLAKE3 blobs); within one trust domain plain HTTP does the same job
(spec client-training.md §9.5): every client serves its blobs and takes gossip on one aiohttp port,
messages are ed25519-signed by the client's wallet key, and only keys the coordinator lists as
participants are heard.
"""

from client.p2p.announcements import PeerAnnouncement, PeerDirectory
from client.p2p.blobs import BlobStore, blob_hash
from client.p2p.node import BlobTooLarge, BlobUnavailable, P2PNode
from client.p2p.signed import InvalidSignature, SignedMessage

__all__ = [
    "BlobStore",
    "BlobTooLarge",
    "BlobUnavailable",
    "InvalidSignature",
    "P2PNode",
    "PeerAnnouncement",
    "PeerDirectory",
    "SignedMessage",
    "blob_hash",
]
