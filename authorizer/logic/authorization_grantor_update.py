"""``authorization_grantor_update``: the grantor switches its record on or off, and the time is noted.

The time of the last switch starts the 30-day wait before a record with delegates may be closed
(see :mod:`authorizer.logic.authorization_close`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from authorizer.program_id import PROGRAM_ID
from authorizer.state.authorization import Authorization
from emulator.anchor import (
    BOOL,
    Accounts,
    AnchorError,
    ErrorCode,
    Instruction,
    InstructionAccount,
    borsh_field,
    load_account,
    store_account,
)
from emulator.program import InvokeContext

ACCOUNTS = (
    InstructionAccount("grantor", signer=True),
    InstructionAccount("authorization", mut=True),  # constraint: authorization.grantor == grantor
)


@dataclass(frozen=True)
class AuthorizationGrantorUpdateParams:
    active: bool = borsh_field(BOOL)


def authorization_grantor_update(
    ctx: InvokeContext, accounts: Accounts, params: AuthorizationGrantorUpdateParams
) -> None:
    """Only the record's grantor may switch it (``ConstraintRaw`` otherwise)."""
    authorization = load_account(accounts.authorization, Authorization, PROGRAM_ID)
    if authorization.grantor != accounts.grantor.key:
        raise AnchorError(ErrorCode.ConstraintRaw, account="authorization")

    store_account(
        accounts.authorization,
        replace(authorization, active=params.active, grantor_update_unix_timestamp=ctx.clock.unix_timestamp),
    )


AUTHORIZATION_GRANTOR_UPDATE = Instruction(
    "authorization_grantor_update",
    ACCOUNTS,
    {"params": AuthorizationGrantorUpdateParams},
    authorization_grantor_update,
)
