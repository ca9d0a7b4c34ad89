"""The simulator's errors: one base, so the command can turn any of them into one clear sentence."""

from __future__ import annotations

from client.errors import ClientError

__all__ = ["SimulationError", "SettingsError", "DurationError", "ChainSetupError"]


class SimulationError(ClientError):
    """The base of every failure the simulator reports."""


class SettingsError(SimulationError):
    """A simulation parameter is out of range (``--clients 0``, a negative rate, ...)."""


class DurationError(SettingsError):
    """A duration that is not ``<number>[d|h|m|s]...`` (e.g. ``24h``, ``90m``, ``1h30m``, ``3600s``, ``3600``)."""


class ChainSetupError(SimulationError):
    """Creating the simulated run on the runtime failed: a transaction the owner sends was refused."""
