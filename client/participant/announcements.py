"""The client's announcements on gossip: its own signed, sent and repeated while live, and everyone's routed to
the round they belong to (one that comes early is kept by the result exchange and replayed when its round begins).

A Warmup Finished belongs to no round: it only says its sender has loaded the model, so it is counted per step.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable

from solders.keypair import Keypair
from solders.pubkey import Pubkey

from client.p2p import P2PNode
from client.participant.messages import Broadcast, Commitment, CommitteeClaim, Finished, TrainingResult
from client.participant.result_exchange import ResultExchange
from client.participant.round_state import RoundState

__all__ = ["Announcements", "RoundsView", "is_warmup"]

RoundsView = Callable[[], tuple[tuple[RoundState | None, ...], int]]
"""The rounds an announcement may belong to (current, previous) and the coordinator's current step."""


def is_warmup(broadcast: Broadcast) -> bool:
    return isinstance(broadcast.data, Finished) and broadcast.data.warmup


class Announcements:
    """Our live announcements (repeated with a fresh nonce for peers that missed one), who said Finished in each
    Warmup step, and the routing of every announcement taken from gossip."""

    def __init__(
        self,
        node: P2PNode,
        wallet: Keypair,
        me: Pubkey,
        exchange: ResultExchange,
        rng: random.Random,
        rounds: RoundsView,
    ) -> None:
        self.node = node
        self.wallet = wallet
        self.me = me
        self.exchange = exchange
        self.rng = rng
        self.rounds = rounds
        self.live: list[Broadcast] = []
        self.warmup_finished: dict[int, set[Pubkey]] = {}
        self._last_sent = 0.0

    async def announce(
        self, step: int, claim: CommitteeClaim, data_hash: bytes, data: TrainingResult | Finished
    ) -> Broadcast:
        """Sign, record locally like a peer's, and gossip one announcement."""
        commitment = Commitment.sign(self.wallet, data_hash)
        broadcast = Broadcast(step, claim, commitment, self.rng.getrandbits(32), data)
        self.exchange.remember(self.me, broadcast, is_warmup(broadcast))
        self._route(self.me, broadcast)
        self.live.append(broadcast)
        await self.node.gossip(broadcast.encode())
        return broadcast

    def take(self, sender: Pubkey, broadcast: Broadcast) -> bool:
        """A peer's announcement from gossip; True if it was taken (each one once), so the node relays it."""
        warmup = is_warmup(broadcast)
        if self.exchange.is_known(sender, broadcast, warmup):
            return False
        taken = self._route(sender, broadcast)
        if taken:
            self.exchange.remember(sender, broadcast, warmup)
        return taken

    def replay_early(self, current: RoundState) -> None:
        """``current`` has begun: route the announcements that came before it."""
        for sender, broadcast in self.exchange.replay_early(current):
            self._route(sender, broadcast)

    def sent_warmup_finished(self, step: int) -> bool:
        return any(b.step == step and is_warmup(b) for b in self.live)

    def keep_live_from(self, step: int) -> None:
        """Stop repeating our Warmup announcements and those of rounds before ``step``."""
        self.live = [b for b in self.live if b.step >= step and not is_warmup(b)]

    async def rebroadcast(self, now: float, interval: float) -> None:
        """Every ``interval`` seconds, gossip the live announcements again with a new nonce (defeating dedup)."""
        if now - self._last_sent >= interval and self.live:
            self._last_sent = now
            for broadcast in self.live:
                await self.node.gossip(dataclasses.replace(broadcast, nonce=broadcast.nonce + 1).encode())

    def _route(self, sender: Pubkey, broadcast: Broadcast) -> bool:
        """Record an announcement in the round it belongs to, or keep it for later; True if taken."""
        if is_warmup(broadcast):
            self.warmup_finished.setdefault(broadcast.step, set()).add(sender)
            return True
        rounds, step = self.rounds()
        return self.exchange.route(sender, broadcast, rounds, step)
