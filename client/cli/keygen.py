"""``keygen``: what ``solana-keygen`` does for users without it, making and reading keypair files.

It loads nothing of the chain (no programs, no RPC client), so it answers at once.
"""

from __future__ import annotations

from pathlib import Path

import click
from solders.keypair import Keypair

from client.cli.command_error import CommandError
from client.keypairs import KeypairError, read_keypair_file, write_keypair_file

__all__ = ["keygen"]


@click.group("keygen")
def keygen() -> None:
    """Make and read solana-keygen keypair files."""


@keygen.command("new")
@click.option(
    "-o",
    "--outfile",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="where to write the keypair (a JSON array of 64 integers, readable by the owner only)",
)
@click.option("--force", is_flag=True, help="overwrite an existing file")
def keygen_new(outfile: Path, force: bool) -> None:
    """Write a new random keypair."""
    keypair = Keypair()
    try:
        write_keypair_file(outfile, keypair, overwrite=force)
    except KeypairError as exc:
        raise CommandError(str(exc)) from exc
    click.echo(f"Wrote new keypair to {outfile}")
    click.echo(f"pubkey: {keypair.pubkey()}")


@keygen.command("pubkey")
@click.argument("keypair_file", type=click.Path(dir_okay=False, path_type=Path))
def keygen_pubkey(keypair_file: Path) -> None:
    """Print the public key of a keypair file."""
    try:
        click.echo(str(read_keypair_file(keypair_file).pubkey()))
    except KeypairError as exc:
        raise CommandError(str(exc)) from exc
