"""When a client sends the permissionless ``tick`` (spec client-training.md §1.2).

Every poll the client runs the coordinator's own ``tick`` on a copy of the account at the chain's clock; if that
would change the run state, it ticks with probability 1 when the epoch has at most two clients, else 2/n, so
that on average two of n clients tick and the transition is not left to one client that may be gone.
"""

from __future__ import annotations

import random

from client.participant.chain_link import ChainClock
from client.participant.polling import tick_changes_state
from coordinator_program.state.coordinator_account import CoordinatorAccount

__all__ = ["tick_probability", "should_tick"]


def tick_probability(num_clients: int) -> float:
    """The chance that one client sends a due tick.

    >>> tick_probability(2), tick_probability(4)
    (1.0, 0.5)
    """
    return 1.0 if num_clients <= 2 else 2.0 / num_clients


def should_tick(account: CoordinatorAccount, clock: ChainClock, rng: random.Random) -> bool:
    """A transition is due at ``clock`` and this client drew the ticket to send it."""
    if not tick_changes_state(account, clock.unix_timestamp, clock.slot):
        return False
    clients = len(account.state.coordinator.epoch_state.clients)
    return rng.random() < tick_probability(clients)
