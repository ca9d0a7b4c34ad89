"""``participant_create``: open the claim record of ``user`` in a run (once per run and user).

It does not check that the user ever joined the run: the claim reads what the coordinator credited.
"""

from __future__ import annotations

from dataclasses import dataclass

from emulator.anchor import (
    Accounts,
    Instruction,
    InstructionAccount,
    check_program,
    init_account,
    load_account,
    store_account,
)
from emulator.constants import SYSTEM_PROGRAM_ID
from emulator.program import InvokeContext
from treasurer.program_id import PROGRAM_ID
from treasurer.state.participant import PARTICIPANT_SPACE, Participant, participant_seeds
from treasurer.state.run import Run

ACCOUNTS = (
    InstructionAccount("payer", mut=True, signer=True),
    InstructionAccount("user", signer=True),
    InstructionAccount("run"),  # Account<Run>
    InstructionAccount("participant", mut=True),  # init, PDA ["Participant", run, user], paid by payer
    InstructionAccount("system_program"),
)


@dataclass(frozen=True)
class ParticipantCreateParams:
    """Empty: Borsh encodes it to no bytes."""


def participant_create(ctx: InvokeContext, accounts: Accounts, params: ParticipantCreateParams) -> None:
    load_account(accounts.run, Run, PROGRAM_ID)
    check_program(accounts.system_program, SYSTEM_PROGRAM_ID)
    bump = init_account(
        ctx,
        payer=accounts.payer,
        account=accounts.participant,
        space=PARTICIPANT_SPACE,
        seeds=participant_seeds(accounts.run.key, accounts.user.key),
    )
    assert bump is not None, "init with seeds always yields the bump"
    store_account(accounts.participant, Participant(bump=bump, claimed_collateral_amount=0, claimed_earned_points=0))


PARTICIPANT_CREATE = Instruction(
    "participant_create", ACCOUNTS, {"params": ParticipantCreateParams}, participant_create
)
