"""``--client-matformer-tiers``: the MatFormer tier each testnet client trains at (README "MatFormer tiers").

Client i (0-based) gets ``tiers[i % len(tiers)]``, as the reference's MatFormer fork assigns them: one value
applies to every client, and an empty list leaves every client at tier 0 (the full model).
"""

from __future__ import annotations

from collections.abc import Sequence

from client.cli.options import U8_MAX
from client.errors import ClientError

__all__ = ["BadTierList", "parse_tiers", "tier_of"]


class BadTierList(ClientError, ValueError):
    """A ``--client-matformer-tiers`` value that is not a comma-separated list of tiers."""


def parse_tiers(text: str) -> tuple[int, ...]:
    """The tiers of a comma-separated list; spaces and empty items are ignored.

    >>> parse_tiers("0,1, 2")
    (0, 1, 2)
    >>> parse_tiers("")
    ()
    >>> parse_tiers("0,x")
    Traceback (most recent call last):
    ...
    client.testnet.tiers.BadTierList: must be comma-separated tiers such as 0,1,2, got '0,x'
    """
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not all(part.isdigit() for part in parts):
        raise BadTierList(f"must be comma-separated tiers such as 0,1,2, got {text!r}")
    tiers = tuple(int(part) for part in parts)
    if any(tier > U8_MAX for tier in tiers):  # the model's own limit each client checks at start-up
        raise BadTierList(f"a tier is at most {U8_MAX}, got {text!r}")
    return tiers


def tier_of(tiers: Sequence[int], index: int) -> int:
    """The tier of client ``index`` (0-based): ``tiers[index % len(tiers)]``, 0 when no tier is given.

    >>> [tier_of((0, 1, 2), i) for i in range(5)], tier_of((2,), 3), tier_of((), 1)
    ([0, 1, 2, 0, 1], 2, 0)
    """
    return tiers[index % len(tiers)] if tiers else 0
