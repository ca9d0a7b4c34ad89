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
from client.instructions import treasurer as treasurer_ix
from client.json_dump import ui_amount
from client.run_accounts import OnChainRun, TreasurerRun, fetch_participant, fetch_run, fetch_token_amount
from coordinator_program.state.clients_state import find_client

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
    """Claim the wallet's earned and unclaimed points as collateral (as much as the vault holds)."""
    user = wallet.load()

    async def claim(backend: ChainBackend) -> None:
        run, treasurer = await _treasurer_run(backend, run_id, treasurer_index)
        mint = treasurer.run.collateral_mint
        user_collateral = token_ix.associated_token_address(user.pubkey(), mint)
        if await backend.get_balance(user_collateral) == 0:
            ix = token_ix.create_associated_token_account(user.pubkey(), user.pubkey(), mint)
            echo(f"Created the wallet's token account in transaction: {(await backend.send([ix], user)).signature}")
        participant = await fetch_participant(backend, treasurer.address, user.pubkey())
        if participant is None:
            ix = treasurer_ix.participant_create(user.pubkey(), user.pubkey(), treasurer.address)
            echo(f"Created participant in transaction: {(await backend.send([ix], user)).signature}")
        client = find_client(run.account.state.clients_state, bytes(user.pubkey()))
        earned = 0 if client is None else int(client.earned)
        claimed = 0 if participant is None else participant.claimed_earned_points
        claimable = earned - claimed
        points = min(claimable, treasurer.vault_amount)
        echo(f"Participant earned points: {earned}")
        echo(f"Participant claimed points: {claimed}")
        echo(f"Participant claimable points: {claimable}")
        ix = treasurer_ix.participant_claim(
            user.pubkey(), user_collateral, treasurer.address, treasurer.vault, run.keys.account, points
        )
        sent = await backend.send([ix], user)
        echo(f"Claimed {ui_text(ui_amount(points, treasurer.decimals))} collateral in transaction: {sent.signature}")

    run_on_chain(chain, claim, CLAIM_HINTS)
