"""The ``train`` options that bound what peers may cost this client: download time and rate, waits, buffers.

Reference users asked for configurable P2P timeouts; these are ours, each with its default stated in ``--help``.
The hidden ``--adversary`` is the attack harness (:mod:`client.participant.adversary`), for tests and benchmarks;
``--byzantine`` the research attacks built on it (:mod:`client.participant.byzantine`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import click

from client.p2p.limits import DownloadLimits
from client.participant.adversary import ADVERSARIES
from client.participant.attack_names import ATTACK_NAMES, InvalidAttack, attack_spec

__all__ = ["p2p_limit_options", "p2p_client_options"]

F = TypeVar("F", bound=Callable[..., Any])
DEFAULTS = DownloadLimits()


def p2p_limit_options(command: F) -> F:
    """Add the options to a click command; its function receives them as keyword arguments (see below)."""
    options = [
        _limit(
            "--p2p-download-timeout",
            float,
            DEFAULTS.timeout,
            "seconds one peer may take to serve one blob before the next holder is asked",
            0.1,
        ),
        _limit(
            "--p2p-download-grace",
            float,
            DEFAULTS.grace,
            "seconds before a download's rate is judged; also the longest silence tolerated from a peer",
            0.1,
        ),
        _limit(
            "--p2p-min-download-rate",
            float,
            DEFAULTS.min_bytes_per_sec,
            "bytes/s a download must average after the grace period, or it is abandoned for another holder",
            0,
        ),
        _limit(
            "--p2p-apply-wait",
            float,
            30.0,
            "seconds to wait, when applying a round, for its downloads and for "
            "fetching the agreed results; a result nobody serves in time is skipped",
            0,
        ),
        _limit(
            "--p2p-early-messages-per-peer",
            int,
            16,
            "announcements kept per peer for rounds this client has not begun yet",
            0,
        ),
        _limit(
            "--p2p-early-steps-ahead",
            int,
            2,
            "how many steps past the coordinator's an early announcement may be and still be kept",
            0,
        ),
        click.option(
            "--adversary",
            type=str,
            hidden=True,  # tests and benchmarks only: a named misbehaviour
            callback=_adversary,
            help=f"TESTING ONLY: misbehave as NAME[=ARG], one of {', '.join(sorted(ADVERSARIES))}",
        ),
        click.option(
            "--byzantine",
            metavar="ATTACK[:PARAM]",
            callback=_byzantine,
            help="RESEARCH ONLY: follow the protocol but publish a crafted result each step, to measure what a run's "
            f"aggregator withstands: {', '.join(ATTACK_NAMES)} (see the README's 'Byzantine peers')",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _limit(name: str, kind: type, default: float, help_text: str, minimum: float) -> Callable[[F], F]:
    """A non-negative number option with its default shown."""
    value_type = click.FloatRange(min=minimum) if kind is float else click.IntRange(min=int(minimum))
    return click.option(name, type=value_type, default=default, show_default=True, help=help_text)


def _adversary(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and value.partition("=")[0] not in ADVERSARIES:
        raise click.BadParameter(f"must be one of {', '.join(sorted(ADVERSARIES))} (optionally =ARG)")
    return value


def _byzantine(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        try:
            attack_spec(value)
        except InvalidAttack as exc:
            raise click.BadParameter(str(exc)) from None
    return value


def p2p_client_options(values: Mapping[str, Any]) -> dict[str, Any]:
    """The ``ClientOptions`` fields the options set, from the keyword arguments the command received."""
    limits = DownloadLimits(
        timeout=values["p2p_download_timeout"],
        grace=values["p2p_download_grace"],
        min_bytes_per_sec=values["p2p_min_download_rate"],
    )
    return {
        "download_limits": limits,
        "apply_wait": values["p2p_apply_wait"],
        "early_messages_per_peer": values["p2p_early_messages_per_peer"],
        "early_steps_ahead": values["p2p_early_steps_ahead"],
        "adversary": values["adversary"],
        "byzantine": values.get("byzantine"),
    }
