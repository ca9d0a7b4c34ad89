"""The byzantine attacks by name, and parsing ``ATTACK[:PARAM]``, without torch (the testnet launcher checks its
``--attack`` before starting anything). The attacks themselves are in :mod:`client.participant.byzantine`."""

from __future__ import annotations

import math

from client.errors import ClientError

__all__ = ["ATTACK_NAMES", "InvalidAttack", "LABEL_FLIP", "attack_spec", "attack_parameter"]

ATTACK_NAMES = ("sign-flip", "scaled", "ipm", "alie", "gaussian", "sparse-spray", "free-ride", "label-flip")
LABEL_FLIP = "label-flip"
LABEL_FLIP_REFUSAL = (
    "attack 'label-flip' does not apply: this client trains language models, whose labels are the input's own "
    "next tokens"
)


class InvalidAttack(ClientError, ValueError):
    """A ``--byzantine`` value that names no attack, an attack that does not apply, or a bad parameter."""


def attack_parameter(name: str, argument: str | None, default: float) -> float:
    """The attack's number (its scale, or alie's z): ``default`` without one; finite."""
    if argument is None or argument == "":
        return default
    try:
        value = float(argument)
    except ValueError:
        raise InvalidAttack(f"attack {name!r}: the parameter must be a number, got {argument!r}") from None
    if not math.isfinite(value):
        raise InvalidAttack(f"attack {name!r}: the parameter must be finite, got {argument!r}")
    return value


def attack_spec(spec: str) -> tuple[str, str | None]:
    """``ATTACK[:PARAM]`` -> (attack, param); :class:`InvalidAttack` for an unknown attack or a bad parameter."""
    name, _, argument = spec.strip().partition(":")
    if name not in ATTACK_NAMES:
        raise InvalidAttack(f"unknown attack {name!r}; known: {', '.join(ATTACK_NAMES)}")
    if name == LABEL_FLIP:
        raise InvalidAttack(LABEL_FLIP_REFUSAL)
    attack_parameter(name, argument or None, 0.0)
    return name, argument or None
