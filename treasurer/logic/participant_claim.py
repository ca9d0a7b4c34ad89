"""``participant_claim``: pay a user 1 collateral base unit per coordinator point not yet claimed.

``earned`` is the coordinator's count for the first registered client whose wallet is the user (0 if
none); the user may claim up to ``earned - claimed``. The vault pays by an SPL transfer signed by the
Run PDA, so a vault that holds too little fails the whole instruction (the Token program's
InsufficientFunds) and nothing is recorded. Slashed points are the coordinator's business and are
ignored here, as in the reference.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from solders.pubkey import Pubkey
from spl.token.instructions import TransferParams, transfer

from coordinator_program.account_groups import load_coordinator_account
from coordinator_program.state.clients_state import find_client
from coordinator_program.state.coordinator_account import COORDINATOR_ACCOUNT_VERSION
from emulator.anchor import (
    U64,
    Accounts,
    AnchorError,
    ErrorCode,
    Instruction,
    InstructionAccount,
    borsh_field,
    check_associated_token_account,
    check_program,
    load_account,
    load_token_account,
    panic,
    store_account,
)
from emulator.constants import TOKEN_PROGRAM_ID
from emulator.program import InvokeContext
from treasurer.errors import TreasurerError
from treasurer.program_id import PROGRAM_ID
from treasurer.state.participant import Participant, participant_seeds
from treasurer.state.run import Run

ACCOUNTS = (
    InstructionAccount("user", signer=True),
    # a token account of the run's mint, owned by the user, with no delegate (ConstraintRaw); need not be the ATA
    InstructionAccount("user_collateral", mut=True),
    InstructionAccount("run", mut=True),  # run.coordinator_account == coordinator_account (ConstraintRaw)
    InstructionAccount("run_collateral", mut=True),  # the vault: ATA(run, run.collateral_mint)
    InstructionAccount("coordinator_account"),  # AccountLoader<CoordinatorAccount>, version 1 (ConstraintRaw)
    InstructionAccount("participant", mut=True),  # PDA ["Participant", run, user] with its stored bump
    InstructionAccount("token_program"),
)

U64_MAX = 2**64 - 1


@dataclass(frozen=True)
class ParticipantClaimParams:
    claim_earned_points: int = borsh_field(U64)


def participant_claim(ctx: InvokeContext, accounts: Accounts, params: ParticipantClaimParams) -> None:
    """Anchor's order: every account is loaded, then each one's constraints checked in declaration order."""
    user = accounts.user.key
    user_collateral = load_token_account(accounts.user_collateral)
    run = load_account(accounts.run, Run, PROGRAM_ID)
    vault = load_token_account(accounts.run_collateral)
    coordinator_account = load_coordinator_account(ctx, accounts.coordinator_account)
    participant = load_account(accounts.participant, Participant, PROGRAM_ID)
    check_program(accounts.token_program, TOKEN_PROGRAM_ID)

    if (
        user_collateral.mint != run.collateral_mint
        or user_collateral.owner != user
        or user_collateral.delegate is not None
    ):
        raise AnchorError(ErrorCode.ConstraintRaw, account="user_collateral")
    if run.coordinator_account != accounts.coordinator_account.key:
        raise AnchorError(ErrorCode.ConstraintRaw, account="run")
    check_associated_token_account(accounts.run_collateral, vault, run.collateral_mint, accounts.run.key)
    if coordinator_account.version != COORDINATOR_ACCOUNT_VERSION:
        raise AnchorError(ErrorCode.ConstraintRaw, account="coordinator_account")
    _check_participant_address(accounts.participant.key, accounts.run.key, user, participant.bump)

    client = find_client(coordinator_account.state.clients_state, bytes(user))
    earned = int(client.earned) if client is not None else 0
    del coordinator_account, client  # views into the coordinator's bytes
    if earned < participant.claimed_earned_points:
        panic(ctx, "attempt to subtract with overflow")
    if params.claim_earned_points > earned - participant.claimed_earned_points:
        raise AnchorError(TreasurerError.InvalidParameter)
    amount = params.claim_earned_points  # 1 collateral base unit per point: the coordinator's rates set the price

    new_participant = replace(
        participant,
        claimed_collateral_amount=_checked_add(ctx, participant.claimed_collateral_amount, amount),
        claimed_earned_points=_checked_add(ctx, participant.claimed_earned_points, amount),
    )
    new_run = replace(
        run,
        total_claimed_collateral_amount=_checked_add(ctx, run.total_claimed_collateral_amount, amount),
        total_claimed_earned_points=_checked_add(ctx, run.total_claimed_earned_points, amount),
    )
    pay = transfer(
        TransferParams(
            program_id=TOKEN_PROGRAM_ID,
            source=accounts.run_collateral.key,
            dest=accounts.user_collateral.key,
            owner=accounts.run.key,
            amount=amount,
        )
    )
    ctx.invoke(pay, [run.signer_seeds()])
    # Anchor writes the mutable accounts back when the handler returns.
    store_account(accounts.participant, new_participant)
    store_account(accounts.run, new_run)


def _check_participant_address(key: Pubkey, run: Pubkey, user: Pubkey, bump: int) -> None:
    """``seeds = ["Participant", run, user], bump = participant.bump`` (ConstraintSeeds)."""
    try:
        expected = Pubkey.create_program_address([*participant_seeds(run, user), bytes([bump])], PROGRAM_ID)
    except Exception:  # solders' PubkeyError (an on-curve result) has no importable base class
        expected = Pubkey.default()
    if key != expected:
        raise AnchorError(ErrorCode.ConstraintSeeds, account=key, compared=(key, expected))


def _checked_add(ctx: InvokeContext, left: int, right: int) -> int:
    """A u64 addition with the reference's overflow checks (a panic)."""
    total = left + right
    if total > U64_MAX:
        panic(ctx, "attempt to add with overflow")
    return total


PARTICIPANT_CLAIM = Instruction("participant_claim", ACCOUNTS, {"params": ParticipantClaimParams}, participant_claim)
