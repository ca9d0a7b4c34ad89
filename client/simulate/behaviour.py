"""A simulated client: a wallet and a random generator that decide how long it takes and when it comes and goes.

It trains nothing (no torch): a round costs it ``train_fraction`` of the round deadline, scaled by its speed
(``slow_factor`` for slow machines) and some jitter; entering an epoch without the model costs it a load. Its
random generator is its own, seeded from the simulation's seed and its index, so one client's draws never shift
another's; randomness lives here, client-side, never in the programs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from solders.keypair import Keypair
from solders.pubkey import Pubkey

from client.simulate.chain import derived_keypair
from client.simulate.settings import ClientTiming, SimulationSettings

__all__ = ["SimulatedClient", "make_clients"]

MS_PER_HOUR = 3_600_000


@dataclass(eq=False)
class SimulatedClient:
    """One client's identity, speed and life; ``generation`` bumps each time it goes offline (stale plans die)."""

    index: int
    keypair: Keypair
    pubkey: Pubkey
    rng: random.Random
    timing: ClientTiming
    slow: bool = False
    speed: float = 1.0
    online: bool = True
    in_epoch: bool = False
    """It entered the current epoch at its Warmup and has not left since (a returning process waits for the next)."""
    generation: int = 0
    model_ready_ms: int | None = None
    """When its model is (or will be) loaded; None while it has none (it lost it by going offline)."""
    refused: str | None = None
    """Why the program refused to register it (it stops trying), if it did."""
    signer: bytes = field(init=False)

    def __post_init__(self) -> None:
        self.signer = bytes(self.pubkey)

    def _scaled_ms(self, seconds: float) -> int:
        jitter = self.timing.jitter
        if jitter:  # rng.uniform(1 - jitter, 1 + jitter) by its documented formula a + (b - a) * random(), inlined:
            low = 1 - jitter  # every client draws one every round
            factor = low + ((1 + jitter) - low) * self.rng.random()
        else:
            factor = 1.0
        return round(seconds * 1000 * self.speed * factor)

    def train_ms(self, max_round_train_time: int) -> int:
        """How long it takes to train one round."""
        return self._scaled_ms(self.timing.train_fraction * max_round_train_time)

    def load_ms(self, warmup_time: int) -> int:
        """How long it takes to load the model."""
        return self._scaled_ms(self.timing.load_fraction * warmup_time)

    def next_change_ms(self, rate_per_hour: float) -> int | None:
        """Time until its next dropout (online) or return (offline) at ``rate_per_hour``; None if the rate is 0."""
        if rate_per_hour <= 0:
            return None
        return max(1, round(self.rng.expovariate(rate_per_hour / MS_PER_HOUR)))

    def poll_offset_ms(self) -> int:
        """Where in its tick-poll period the client happens to be when a deadline passes."""
        return self.rng.randrange(self.timing.tick_poll_ms)

    def decides_to_tick(self, epoch_clients: int) -> bool:
        """The reference client's rule (client-training §1.2): always with <= 2 clients, else with probability 2/n."""
        return epoch_clients <= 2 or self.rng.random() < 2 / epoch_clients


def make_clients(settings: SimulationSettings) -> list[SimulatedClient]:
    """The simulation's clients; exactly ``settings.slow_clients`` of them, drawn from the seed, are slow."""
    chooser = random.Random(f"psyche-sim simulate/{settings.seed}/slow clients")
    slow = set(chooser.sample(range(settings.clients), settings.slow_clients))
    clients = []
    for index in range(settings.clients):
        keypair = derived_keypair(settings.seed, f"client {index}")
        clients.append(
            SimulatedClient(
                index=index,
                keypair=keypair,
                pubkey=keypair.pubkey(),
                rng=random.Random(f"psyche-sim simulate/{settings.seed}/client {index}"),
                timing=settings.timing,
                slow=index in slow,
                speed=settings.slow_factor if index in slow else 1.0,
            )
        )
    return clients
