"""A treasurer run's money (spec §2.6, §2.7, §3.4): anyone tops up the vault, clients claim what they earned.

One coordinator point is one base unit of the collateral mint; amounts on the command line are in UI units.
"""

from __future__ import annotations

import click

from client.amounts import native_amount, ui_text
from client.chain.backend import ChainBackend
from client.chain.open import ChainTarget
from client.cli.options import WalletSource, chain_options, run_id_option, treasurer_index_option, wallet_option
from client.cli.output import echo
from client.cli.runner import CommandError, run_on_chain
from client.instructions import token as token_ix
from client.json_dump import ui_amount
from client.rewards import claim_rewards
from client.run_accounts import OnChainRun, TreasurerRun, fetch_run, fetch_token_amount

__all__ = ["treasurer_top_up_rewards", "treasurer_claim_rewards"]

TOP_UP_HINTS = {"InsufficientFunds": "the wallet's token account holds less than --collateral-amount"}
CLAIM_HINTS = {
    "InsufficientFunds": "the vault holds less than the claim: the run owner tops it up with treasurer-top-up-rewards",
    "ConstraintRaw": "the token account or the coordinator account given is not the run's",
}


async def _treasurer_run(backend: ChainBackend, run_id: str, index: int | None) -> tuple[OnChainRun, TreasurerRun]:
    run = await fetch_run(backend, run_id, index)
    if run.treasurer is None:
        raise CommandError(f"Failed to resolve treasurer: run {run_id!r} has no treasurer run at that index")
    treasurer = run.treasurer
    echo(f"Found treasurer at index: 0x{treasurer.index:08x}")
    echo(f"Treasurer collateral mint: {treasurer.run.collateral_mint}")
    echo(f"Treasurer collateral amount: {ui_text(ui_amount(treasurer.vault_amount, treasurer.decimals))}")
    return run, treasurer


@click.command("treasurer-top-up-rewards")
@chain_options
@wallet_option
@run_id_option
@treasurer_index_option
@click.option(
    "--collateral-amount",
    envvar="COLLATERAL_AMOUNT",
    show_envvar=True,
    required=True,
    type=click.FloatRange(min=0.0),
    help="how much to move into the vault, in UI units of the mint",
)
def treasurer_top_up_rewards(
    chain: ChainTarget, wallet: WalletSource, run_id: str, treasurer_index: int | None, collateral_amount: float
) -> None:
    """Fund a treasurer run's reward vault from the wallet's token account (a plain SPL transfer)."""
    funder = wallet.load()

    async def top_up(backend: ChainBackend) -> None:
        _, treasurer = await _treasurer_run(backend, run_id, treasurer_index)
        mint = treasurer.run.collateral_mint
        source = token_ix.associated_token_address(funder.pubkey(), mint)
        balance = await fetch_token_amount(backend, source)
        if balance is None:
            raise CommandError(f"the wallet has no token account for the collateral mint {mint} (expected {source})")
        echo(f"User collateral amount: {ui_text(ui_amount(balance, treasurer.decimals))}")
        amount = native_amount(collateral_amount, treasurer.decimals)
        sent = await backend.send([token_ix.transfer(source, treasurer.vault, funder.pubkey(), amount)], funder)
        # "Transfered" is the reference's spelling; scripts that watch for this line keep working.
        echo(f"Transfered {ui_text(collateral_amount)} collateral to treasurer in transaction: {sent.signature}")

    run_on_chain(chain, top_up, TOP_UP_HINTS)


@click.command("treasurer-claim-rewards")
@chain_options
@wallet_option
@run_id_option
@treasurer_index_option
def treasurer_claim_rewards(
    chain: ChainTarget, wallet: WalletSource, run_id: str, treasurer_index: int | None
) -> None:
    """Claim the wallet's earned and unclaimed points as collateral (as much as the vault holds).

    One point is one base unit of the collateral mint. With nothing to claim, it says so and sends nothing.
    """
    user = wallet.load()

    async def claim(backend: ChainBackend) -> None:
        run, treasurer = await _treasurer_run(backend, run_id, treasurer_index)
        outcome = await claim_rewards(backend, run, treasurer, user, echo)
        if outcome.signature is None and outcome.claimable > 0:
            raise CommandError(
                f"the vault is empty, so none of the {outcome.claimable} claimable points can be paid now (nothing "
                f"was sent): the run owner tops it up with `treasurer-top-up-rewards -r {run_id}`"
            )
        if outcome.signature is None:
            echo(f"Nothing to claim: all {outcome.earned} points earned so far are claimed (no transaction sent)")
            return
        amount = ui_text(ui_amount(outcome.claimed_now, treasurer.decimals))
        echo(f"Claimed {amount} collateral in transaction: {outcome.signature}")

    run_on_chain(chain, claim, CLAIM_HINTS)
