"""The ``psyche-solana-client`` command line."""

from client.cli.app import cli, main

__all__ = ["cli", "main"]
