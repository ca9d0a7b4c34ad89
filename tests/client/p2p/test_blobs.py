"""Blob storage by content address, with tags deciding what lives."""

from __future__ import annotations

from client.p2p import BlobStore, blob_hash


def test_blobs_live_while_a_tag_holds_them() -> None:
    store = BlobStore()
    old = store.put(b"old", "distro-result_1")
    kept = store.put(b"kept", "distro-result_3")
    shared = store.put(b"shared", "distro-result_1")
    store.put(b"shared", "distro-result_3")
    assert store.drop_tags(lambda tag: tag == "distro-result_1") == 1
    assert old not in store and kept in store and shared in store
    assert store.get(kept) == b"kept" and kept == blob_hash(b"kept")
