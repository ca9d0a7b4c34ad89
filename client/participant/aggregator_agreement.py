"""Every client of a run must combine a round's results with the same rule, or the replicas fork.

The rule is the ``aggregator`` key of the model's config.json (:mod:`client.train.aggregation`). Each client
announces its rule's hash in its signed peer announcement once it has loaded the model; a client that hears a
participant announce another hash stops with a desync error naming ``aggregator``, instead of training on and
silently holding different weights from that peer.
"""

from __future__ import annotations

from collections.abc import Mapping

from solders.pubkey import Pubkey

from client.participant.pipeline import DesyncError

__all__ = ["AggregatorMismatch", "check_aggregators"]


class AggregatorMismatch(DesyncError):
    """A participant announced a different aggregation rule than ours."""


def check_aggregators(me: Pubkey, spec: str, mine: str, announced: Mapping[Pubkey, str]) -> None:
    """Raise :class:`AggregatorMismatch` if a participant that loaded its model (non-empty hash) differs from ours."""
    differ = sorted(str(peer) for peer, theirs in announced.items() if peer != me and theirs and theirs != mine)
    if differ:
        raise AggregatorMismatch(
            f"DESYNC: aggregator differs: ours is {spec!r} (hash {mine}), peer(s) {', '.join(differ)} announced "
            "another; every client must read the same config.json (key 'aggregator')"
        )
