"""``authorization_create``: a grantor opens a (still inactive) record giving ``scope`` to ``grantee``.

The record lives at the PDA ``["Authorization", grantor, grantee, scope]``, so there is at most one
per triple: creating it twice fails inside the System program ("already in use"), and a scope over
32 bytes has no address at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from solders.pubkey import Pubkey

from authorizer.state.authorization import Authorization, authorization_seeds, space_with_discriminator
from emulator.anchor import (
    BYTES,
    PUBKEY,
    Accounts,
    Instruction,
    InstructionAccount,
    borsh_field,
    check_program,
    init_account,
    store_account,
)
from emulator.constants import SYSTEM_PROGRAM_ID
from emulator.program import InvokeContext

ACCOUNTS = (
    InstructionAccount("payer", mut=True, signer=True),
    InstructionAccount("grantor", signer=True),
    InstructionAccount("authorization", mut=True),  # init at the PDA, sized for no delegates, paid by payer
    InstructionAccount("system_program"),
)


@dataclass(frozen=True)
class AuthorizationCreateParams:
    grantee: Pubkey = borsh_field(PUBKEY)
    scope: bytes = borsh_field(BYTES)


def authorization_create(ctx: InvokeContext, accounts: Accounts, params: AuthorizationCreateParams) -> None:
    """Checks in Anchor's order: signers (by the dispatcher), the System program, then ``init`` at the PDA."""
    check_program(accounts.system_program, SYSTEM_PROGRAM_ID)
    bump = init_account(
        ctx,
        payer=accounts.payer,
        account=accounts.authorization,
        space=space_with_discriminator(len(params.scope), 0),
        seeds=authorization_seeds(accounts.grantor.key, params.grantee, params.scope),
    )
    assert bump is not None, "init with seeds always yields the bump"

    store_account(
        accounts.authorization,
        Authorization(
            bump=bump,
            grantor=accounts.grantor.key,
            grantee=params.grantee,
            scope=params.scope,
            active=False,
            delegates=[],
            grantor_update_unix_timestamp=0,
        ),
    )


AUTHORIZATION_CREATE = Instruction(
    "authorization_create", ACCOUNTS, {"params": AuthorizationCreateParams}, authorization_create
)
