"""What the Solana tools do for a local chain, for users without them: keypairs (``solana-keygen``), airdrops
(``solana airdrop``) and a collateral mint (``spl-token create-token`` + ``mint``). They work over RPC too, where
the cluster allows (a validator's faucet airdrops; devnet limits it)."""

from __future__ import annotations

from pathlib import Path

import click
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from client.amounts import native_amount, ui_text
from client.chain.backend import ChainBackend
from client.chain.open import ChainTarget
from client.cli.options import PUBKEY, WalletSource, chain_options, wallet_option
from client.cli.output import echo, sol
from client.cli.runner import CommandError, run_on_chain
from client.instructions import token as token_ix
from client.keypairs import KeypairError, read_keypair_file, write_keypair_file

__all__ = ["keygen", "airdrop", "create_mint"]


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
    echo(f"Wrote new keypair to {outfile}")
    echo(f"pubkey: {keypair.pubkey()}")


@keygen.command("pubkey")
@click.argument("keypair_file", type=click.Path(dir_okay=False, path_type=Path))
def keygen_pubkey(keypair_file: Path) -> None:
    """Print the public key of a keypair file."""
    try:
        echo(str(read_keypair_file(keypair_file).pubkey()))
    except KeypairError as exc:
        raise CommandError(str(exc)) from exc


@click.command("airdrop")
@chain_options
@wallet_option
@click.argument("amount", type=click.FloatRange(min=0.0, min_open=True))
@click.option("--address", type=PUBKEY, help="who receives the SOL  [default: the wallet]")
def airdrop(chain: ChainTarget, wallet: WalletSource, amount: float, address: Pubkey | None) -> None:
    """Request AMOUNT SOL from the chain's faucet."""
    recipient = address or wallet.load().pubkey()

    async def request(backend: ChainBackend) -> None:
        signature = await backend.request_airdrop(recipient, native_amount(amount, 9))
        echo(f"Airdropped {ui_text(amount)} SOL to {recipient} in transaction: {signature}")
        echo(f"Balance: {sol(await backend.get_balance(recipient))} SOL")

    run_on_chain(chain, request)


@click.command("create-mint")
@chain_options
@wallet_option
@click.option("--decimals", type=click.IntRange(0, 255), default=6, show_default=True, help="the mint's decimals")
@click.option(
    "--amount",
    type=click.FloatRange(min=0.0),
    default=0.0,
    show_default=True,
    help="tokens (UI units) to mint into the wallet's token account",
)
def create_mint(chain: ChainTarget, wallet: WalletSource, decimals: int, amount: float) -> None:
    """Create an SPL Token mint whose authority is the wallet, and mint AMOUNT into the wallet's token account."""
    owner = wallet.load()

    async def create(backend: ChainBackend) -> None:
        mint = Keypair()
        lamports = await backend.minimum_balance_for_rent_exemption(token_ix.MINT_SIZE)
        account = token_ix.associated_token_address(owner.pubkey(), mint.pubkey())
        instructions = [
            *token_ix.create_mint(owner.pubkey(), mint.pubkey(), lamports, decimals, owner.pubkey()),
            token_ix.create_associated_token_account(owner.pubkey(), owner.pubkey(), mint.pubkey()),
            token_ix.mint_to(mint.pubkey(), account, owner.pubkey(), native_amount(amount, decimals)),
        ]
        sent = await backend.send(instructions, owner, [mint])
        echo(f"Created mint {mint.pubkey()} with {decimals} decimals in transaction: {sent.signature}")
        echo(f"Minted {ui_text(amount)} into the wallet's token account {account}")

    run_on_chain(chain, create)
