"""What the Solana tools do for a local chain, for users without them: airdrops (``solana airdrop``) and a
collateral mint (``spl-token create-token`` + ``mint``); keypairs are :mod:`client.cli.keygen`. They work over RPC
too, where the cluster allows (a validator's faucet airdrops; devnet limits it)."""

from __future__ import annotations

import click
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from client.amounts import native_amount, ui_text
from client.chain.backend import ChainBackend
from client.chain.open import ChainTarget
from client.cli.options import PUBKEY, WalletSource, chain_options, wallet_option
from client.cli.output import echo, sol
from client.cli.runner import run_on_chain
from client.instructions import token as token_ix

__all__ = ["airdrop", "create_mint"]


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
