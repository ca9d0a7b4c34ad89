"""The console script's entry point: Ctrl-C ends any command quietly, with the shell's status for an interrupt.

Python's own SIGINT handler stays in place, so that ``asyncio.run`` cancels a command's coroutine cleanly on
Ctrl-C (closing its connections and ledger) before the interrupt surfaces here. This module imports nothing
heavy, so the interrupt is caught from the first import of the command line on: during the imports, while
parsing, or while the command runs (the group's ``invoke`` turns it into the same exit, before click would print
``Aborted!``).
"""

from __future__ import annotations

__all__ = ["INTERRUPTED_EXIT_STATUS", "main"]

INTERRUPTED_EXIT_STATUS = 130  # 128 + SIGINT, what a shell reports for a command stopped with Ctrl-C


def main() -> None:
    """``psyche-solana-client``."""
    try:
        from client.cli.app import cli

        cli(prog_name="psyche-solana-client")
    except KeyboardInterrupt:
        raise SystemExit(INTERRUPTED_EXIT_STATUS) from None
