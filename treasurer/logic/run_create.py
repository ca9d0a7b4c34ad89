"""``run_create``: open a treasurer run: the Run PDA, its reward vault, and the coordinator run it owns.

The vault is the associated token account of the Run PDA for the collateral mint, created here with
``init`` (so this fails if anybody created that ATA first). The coordinator run is created by a CPI to
``init_coordinator`` with the Run PDA as its main authority, which is why every later owner action on
the coordinator goes through ``run_update`` and a treasurer run can never be closed.
"""

from __future__ import annotations

from dataclasses import dataclass

from solders.pubkey import Pubkey

from coordinator_program.logic import init_coordinator
from coordinator_program.program_id import PROGRAM_ID as COORDINATOR_PROGRAM_ID
from coordinator_program.state.borsh_args import InitCoordinatorParams
from emulator.anchor import (
    PUBKEY,
    STRING,
    U64,
    Accounts,
    AnchorError,
    Instruction,
    InstructionAccount,
    borsh_field,
    check_program,
    init_account,
    init_associated_token_account,
    load_mint,
    store_account,
)
from emulator.constants import ASSOCIATED_TOKEN_PROGRAM_ID, SYSTEM_PROGRAM_ID, TOKEN_PROGRAM_ID
from emulator.program import InvokeContext
from treasurer.errors import TreasurerError
from treasurer.state.run import RUN_SPACE, Run, run_seeds

ACCOUNTS = (
    InstructionAccount("payer", mut=True, signer=True),
    InstructionAccount("run", mut=True),  # init, PDA ["Run", index LE], paid by payer
    InstructionAccount("run_collateral", mut=True),  # init, ATA(run, collateral_mint), paid by payer
    InstructionAccount("collateral_mint"),  # Account<Mint> of the classic Token program
    InstructionAccount("coordinator_instance", mut=True),  # unchecked here, checked by init_coordinator
    InstructionAccount("coordinator_account", mut=True),  # unchecked here, checked by init_coordinator
    InstructionAccount("coordinator_program"),
    InstructionAccount("associated_token_program"),
    InstructionAccount("token_program"),
    InstructionAccount("system_program"),
)

RUN_ID_MAX_LEN = 32  # one PDA seed of the coordinator instance


@dataclass(frozen=True)
class RunCreateParams:
    index: int = borsh_field(U64)
    run_id: str = borsh_field(STRING)
    client_version: str = borsh_field(STRING)
    main_authority: Pubkey = borsh_field(PUBKEY)
    join_authority: Pubkey = borsh_field(PUBKEY)


def run_create(ctx: InvokeContext, accounts: Accounts, params: RunCreateParams) -> None:
    """Anchor's order: typed accounts are loaded, then the ``init`` accounts created, then the handler runs."""
    load_mint(accounts.collateral_mint)
    check_program(accounts.coordinator_program, COORDINATOR_PROGRAM_ID)
    check_program(accounts.associated_token_program, ASSOCIATED_TOKEN_PROGRAM_ID)
    check_program(accounts.token_program, TOKEN_PROGRAM_ID)
    check_program(accounts.system_program, SYSTEM_PROGRAM_ID)
    bump = init_account(
        ctx, payer=accounts.payer, account=accounts.run, space=RUN_SPACE, seeds=run_seeds(params.index)
    )
    assert bump is not None, "init with seeds always yields the bump"
    init_associated_token_account(
        ctx,
        payer=accounts.payer,
        account=accounts.run_collateral,
        authority=accounts.run,
        mint=accounts.collateral_mint,
    )

    if len(params.run_id.encode("utf-8")) > RUN_ID_MAX_LEN:
        raise AnchorError(TreasurerError.RunIdInvalidLength)
    run = Run(
        bump=bump,
        index=params.index,
        main_authority=params.main_authority,
        join_authority=params.join_authority,
        coordinator_account=accounts.coordinator_account.key,
        coordinator_instance=accounts.coordinator_instance.key,
        collateral_mint=accounts.collateral_mint.key,
        total_claimed_collateral_amount=0,
        total_claimed_earned_points=0,
    )
    store_account(accounts.run, run)
    keys = {
        "payer": accounts.payer.key,
        "coordinator_instance": accounts.coordinator_instance.key,
        "coordinator_account": accounts.coordinator_account.key,
        "system_program": SYSTEM_PROGRAM_ID,
    }
    coordinator_params = InitCoordinatorParams(
        main_authority=accounts.run.key,
        join_authority=params.join_authority,
        run_id=params.run_id,
        client_version=params.client_version,
    )
    ctx.invoke(
        init_coordinator.INSTRUCTION.build(COORDINATOR_PROGRAM_ID, keys, coordinator_params), [run.signer_seeds()]
    )


RUN_CREATE = Instruction("run_create", ACCOUNTS, {"params": RunCreateParams}, run_create)
