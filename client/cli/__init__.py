"""The ``psyche-solana-client`` command line: ``main`` (the console script) and ``cli`` (the click group).

``cli`` is imported when first asked for, so that the console script's own import stays small (see
:mod:`client.cli.entry`).
"""

from __future__ import annotations

from typing import Any

from client.cli.entry import main

__all__ = ["cli", "main"]


def __getattr__(name: str) -> Any:
    if name == "cli":
        from client.cli.app import cli

        return cli
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
