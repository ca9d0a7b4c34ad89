"""``authorization_grantee_update``: the grantee clears and/or extends the keys that act on its behalf.

As Anchor's ``realloc`` constraint does before the handler runs, the account is first resized to
fit the new list exactly: ``payer`` funds the extra rent when it grows and gets the excess back when
it shrinks. Added keys are appended in order, duplicates included. A permissionless record (grantee
the zero key) can never get delegates, since nobody can sign as the zero key.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from solders.pubkey import Pubkey

from authorizer.program_id import PROGRAM_ID
from authorizer.state.authorization import Authorization, space_with_discriminator
from emulator.anchor import (
    BOOL,
    PUBKEY,
    Accounts,
    AnchorError,
    ErrorCode,
    Instruction,
    InstructionAccount,
    Vec,
    borsh_field,
    check_program,
    load_account,
    realloc_account,
    store_account,
)
from emulator.constants import SYSTEM_PROGRAM_ID
from emulator.program import InvokeContext

ACCOUNTS = (
    InstructionAccount("payer", mut=True, signer=True),
    InstructionAccount("grantee", signer=True),
    # realloc to the new delegate count (paid by / refunded to payer), then: authorization.grantee == grantee
    InstructionAccount("authorization", mut=True),
    InstructionAccount("system_program"),
)


@dataclass(frozen=True)
class AuthorizationGranteeUpdateParams:
    delegates_clear: bool = borsh_field(BOOL)
    delegates_added: list[Pubkey] = borsh_field(Vec(PUBKEY))


def authorization_grantee_update(
    ctx: InvokeContext, accounts: Accounts, params: AuthorizationGranteeUpdateParams
) -> None:
    """Only the record's grantee may change its delegates (``ConstraintRaw`` otherwise, after the realloc)."""
    authorization = load_account(accounts.authorization, Authorization, PROGRAM_ID)
    check_program(accounts.system_program, SYSTEM_PROGRAM_ID)
    kept = [] if params.delegates_clear else authorization.delegates
    # Anchor runs an account's realloc constraint before its raw constraints.
    realloc_account(
        ctx,
        account=accounts.authorization,
        space=space_with_discriminator(len(authorization.scope), len(kept) + len(params.delegates_added)),
        payer=accounts.payer,
    )
    if authorization.grantee != accounts.grantee.key:
        raise AnchorError(ErrorCode.ConstraintRaw, account="authorization")

    store_account(accounts.authorization, replace(authorization, delegates=[*kept, *params.delegates_added]))


AUTHORIZATION_GRANTEE_UPDATE = Instruction(
    "authorization_grantee_update",
    ACCOUNTS,
    {"params": AuthorizationGranteeUpdateParams},
    authorization_grantee_update,
)
