"""Content-addressed blob storage: results and model parameters are served by hash, so any holder can serve them.

A blob lives while at least one tag holds it (the reference tags ``distro-result_<step>`` and
``model-<name>``); :meth:`BlobStore.drop_tags` releases tags and forgets blobs nobody holds any more.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable

__all__ = ["BlobStore", "blob_hash"]


def blob_hash(data: bytes) -> str:
    """The content address of ``data``: its sha256, hex.

    >>> blob_hash(b"")[:16]
    'e3b0c44298fc1c14'
    """
    return hashlib.sha256(data).hexdigest()


class BlobStore:
    """Thread-safe: training threads put results while the HTTP server reads them."""

    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}
        self._tags: dict[str, set[str]] = {}  # tag -> hashes it holds
        self._lock = threading.Lock()

    def put(self, data: bytes, tag: str) -> str:
        """Store ``data`` under ``tag``; returns its hash."""
        digest = blob_hash(data)
        with self._lock:
            self._blobs[digest] = data
            self._tags.setdefault(tag, set()).add(digest)
        return digest

    def get(self, digest: str) -> bytes | None:
        with self._lock:
            return self._blobs.get(digest)

    def __contains__(self, digest: str) -> bool:
        with self._lock:
            return digest in self._blobs

    def drop_tags(self, doomed: Callable[[str], bool]) -> int:
        """Release every tag for which ``doomed(tag)`` holds, then forget unheld blobs; returns how many went."""
        with self._lock:
            for tag in [tag for tag in self._tags if doomed(tag)]:
                del self._tags[tag]
            held = set().union(*self._tags.values()) if self._tags else set()
            gone = [digest for digest in self._blobs if digest not in held]
            for digest in gone:
                del self._blobs[digest]
            return len(gone)
