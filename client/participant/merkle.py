"""The merkle root of a round's broadcasts, which every witness commits to (the reference's ``merkle_tree.rs``).

Leaves are ``sha256(0x00 ‖ item)``, inner nodes ``sha256(0x01 ‖ left ‖ right)``; an odd node at the end of
a level is paired with itself. The root of no broadcasts is 32 zero bytes (the default ``MerkleRoot``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

__all__ = ["merkle_root", "EMPTY_ROOT"]

EMPTY_ROOT = bytes(32)


def merkle_root(items: Sequence[bytes]) -> bytes:
    """The root over ``items`` in order.

    >>> leaf = hashlib.sha256(b"\\x00a").digest()
    >>> merkle_root([b"a"]) == leaf
    True
    >>> merkle_root([b"a", b"b", b"c"]) == merkle_root([b"a", b"b", b"c", b"c"])
    True
    >>> merkle_root([]) == EMPTY_ROOT
    True
    """
    if not items:
        return EMPTY_ROOT
    level = [hashlib.sha256(b"\x00" + item).digest() for item in items]
    while len(level) > 1:
        if len(level) % 2:
            level.append(level[-1])
        level = [hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level), 2)]
    return level[0]
