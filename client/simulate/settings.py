"""What a simulation is asked to do: the run's configuration, the simulated clients and the owner's reward rates.

Simulated clients do no training: they only take time. :class:`ClientTiming` says how much, as fractions of the
run's own deadlines, so a config with longer rounds gets proportionally slower clients.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from client.simulate.errors import SettingsError
from coordinator_program.core.types import SOLANA_MAX_NUM_CLIENTS
from formats.run_config import RunConfig

__all__ = ["ClientTiming", "SimulationSettings", "U64_MAX", "DEFAULT_DECIMALS", "MAX_DECIMALS"]

U64_MAX = (1 << 64) - 1
DEFAULT_DECIMALS = 6
"""The collateral mint's decimals when not given: what ``create-mint`` makes by default."""
MAX_DECIMALS = 255


@dataclass(frozen=True)
class ClientTiming:
    """How long a normal simulated client takes for each job; a slow client takes ``slow_factor`` times longer.

    ``train_fraction`` of ``max_round_train_time`` to train one round; ``load_fraction`` of ``warmup_time`` to load
    the model when it enters an epoch without one; every duration is scaled by ``uniform(1 - jitter, 1 + jitter)``.
    ``tick_poll_ms`` is how often a client re-simulates ``tick`` locally (the reference client polls every 500 ms).
    """

    train_fraction: float = 0.5
    load_fraction: float = 0.5
    jitter: float = 0.1
    tick_poll_ms: int = 500

    def __post_init__(self) -> None:
        if self.train_fraction <= 0 or self.load_fraction < 0:
            raise SettingsError("the training time fraction must be > 0 and the load fraction >= 0")
        if not 0 <= self.jitter < 1:
            raise SettingsError(f"jitter must be in [0, 1), got {self.jitter}")
        if self.tick_poll_ms <= 0:
            raise SettingsError("the tick poll interval must be positive")


@dataclass(frozen=True)
class SimulationSettings:
    """One simulation: ``clients`` simulated clients on ``run_config`` for ``duration_s`` simulated seconds.

    Rates are per client per hour: an online client goes offline ``dropout_rate`` times an hour on average, an
    offline one comes back ``join_rate`` times an hour on average (0: a client that leaves never comes back).
    ``earning_rate`` is the epoch's ``earning_rate_total_shared`` (points shared by the finishers), ``slashing_rate``
    the ``slashing_rate_per_client``, both in points: base units of the collateral mint, whose ``decimals`` convert
    them to the UI units the CLI takes. ``safety_buffer`` is the fraction added to the credited points to size the
    treasury.
    """

    run_config: RunConfig
    clients: int
    duration_s: int
    join_rate: float = 0.0
    dropout_rate: float = 0.0
    slow_fraction: float = 0.0
    slow_factor: float = 1.0
    earning_rate: int = 0
    slashing_rate: int = 0
    seed: int = 0
    safety_buffer: float = 0.2
    decimals: int = DEFAULT_DECIMALS
    timing: ClientTiming = field(default_factory=ClientTiming)
    config_name: str = "config"

    def __post_init__(self) -> None:
        if not 1 <= self.clients <= SOLANA_MAX_NUM_CLIENTS:
            raise SettingsError(
                f"--clients must be 1..{SOLANA_MAX_NUM_CLIENTS} (the program's limit), got {self.clients}"
            )
        if self.duration_s <= 0:
            raise SettingsError("the duration must be positive")
        if self.join_rate < 0 or self.dropout_rate < 0:
            raise SettingsError("--join-rate and --dropout-rate are events per client per hour, so >= 0")
        if not 0 <= self.slow_fraction <= 1:
            raise SettingsError(f"--slow-fraction must be in [0, 1], got {self.slow_fraction}")
        if self.slow_factor <= 0:
            raise SettingsError(f"--slow-factor must be > 0, got {self.slow_factor}")
        for name, rate in (("--earning-rate", self.earning_rate), ("--slashing-rate", self.slashing_rate)):
            if not 0 <= rate <= U64_MAX:
                raise SettingsError(f"{name} must fit in a u64, got {rate}")
        if self.safety_buffer < 0:
            raise SettingsError("the treasury safety buffer must be >= 0")
        if not 0 <= self.decimals <= MAX_DECIMALS:
            raise SettingsError(f"--decimals must be 0..{MAX_DECIMALS} (an SPL mint's u8), got {self.decimals}")

    @property
    def slow_clients(self) -> int:
        """How many of the clients are slow (``slow_fraction`` of them, rounded to the nearest client)."""
        return round(self.slow_fraction * self.clients)
