"""The command's output lines, as the reference prints them (spec §3.4)."""

from __future__ import annotations

from collections.abc import Sequence

import click

from emulator.constants import LAMPORTS_PER_SOL

__all__ = ["echo", "echo_logs", "sol"]

echo = click.echo


def echo_logs(logs: Sequence[str]) -> None:
    """The transaction's program logs, after the reference's ``===== Logs =====`` line."""
    echo("===== Logs =====")
    for line in logs:
        echo(line)


def sol(lamports: int) -> str:
    """Lamports as SOL with 9 decimals.

    >>> sol(830_244_480)
    '0.830244480'
    """
    return f"{lamports / LAMPORTS_PER_SOL:.9f}"
