"""Claiming a treasurer run's rewards: the steps ``treasurer-claim-rewards`` takes, for any caller.

The CLI prints each step as the reference does; the local testnet claims for every client it launched when the
run ends and reports the amounts. One coordinator point is one base unit of the collateral mint (spec §2.7).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from solders.keypair import Keypair

from client.chain.backend import ChainBackend
from client.instructions import token as token_ix
from client.instructions import treasurer as treasurer_ix
from client.run_accounts import OnChainRun, TreasurerRun, fetch_participant
from coordinator_program.state.clients_state import find_client

__all__ = ["ClaimOutcome", "claim_rewards"]


@dataclass(frozen=True)
class ClaimOutcome:
    """Points are base units of the collateral mint; ``claimed_now`` is what this claim moved.

    ``signature`` is None when there was nothing to move (no transaction was sent): either every earned point is
    claimed already, or the vault is empty (``claimable`` says which).
    """

    earned: int
    claimed_before: int
    claimed_now: int
    signature: str | None

    @property
    def claimable(self) -> int:
        """Earned and not yet claimed before this claim, whatever the vault holds."""
        return self.earned - self.claimed_before


def _silent(_: str) -> None:
    return None


async def claim_rewards(
    backend: ChainBackend,
    run: OnChainRun,
    treasurer: TreasurerRun,
    user: Keypair,
    report: Callable[[str], None] = _silent,
) -> ClaimOutcome:
    """Claim what is claimable, first creating the user's token account and Participant record when missing.

    The claim is capped by what the vault holds, as the program would refuse more (InsufficientFunds). When that
    leaves nothing to claim, nothing is sent (the reference sends a claim of 0, paying a fee for nothing).
    """
    participant = await fetch_participant(backend, treasurer.address, user.pubkey())
    client = find_client(run.account.state.clients_state, bytes(user.pubkey()))
    earned = 0 if client is None else int(client.earned)
    claimed = 0 if participant is None else participant.claimed_earned_points
    claimable = earned - claimed
    points = min(claimable, treasurer.vault_amount)
    report(f"Participant earned points: {earned}")
    report(f"Participant claimed points: {claimed}")
    report(f"Participant claimable points: {claimable}")
    if points == 0:
        return ClaimOutcome(earned=earned, claimed_before=claimed, claimed_now=0, signature=None)
    mint = treasurer.run.collateral_mint
    user_collateral = token_ix.associated_token_address(user.pubkey(), mint)
    if await backend.get_balance(user_collateral) == 0:
        ix = token_ix.create_associated_token_account(user.pubkey(), user.pubkey(), mint)
        report(f"Created the wallet's token account in transaction: {(await backend.send([ix], user)).signature}")
    if participant is None:
        ix = treasurer_ix.participant_create(user.pubkey(), user.pubkey(), treasurer.address)
        report(f"Created participant in transaction: {(await backend.send([ix], user)).signature}")
    ix = treasurer_ix.participant_claim(
        user.pubkey(), user_collateral, treasurer.address, treasurer.vault, run.keys.account, points
    )
    sent = await backend.send([ix], user)
    return ClaimOutcome(earned=earned, claimed_before=claimed, claimed_now=points, signature=str(sent.signature))
