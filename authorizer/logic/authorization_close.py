"""``authorization_close``: the grantor deletes an inactive record and takes its rent back to ``spill``.

A record that still names delegates may only be closed 30 days after the grantor's last update, so
that a grantor cannot quietly close and re-create a record under its grantee's machines; the
grantee can lift that wait by clearing its delegates. A record never switched on (timestamp 0)
closes at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from authorizer.errors import AuthorizerError
from authorizer.program_id import PROGRAM_ID
from authorizer.state.authorization import Authorization
from emulator.anchor import (
    Accounts,
    AnchorError,
    ErrorCode,
    Instruction,
    InstructionAccount,
    check_program,
    check_system_account,
    close_account,
    load_account,
)
from emulator.constants import SYSTEM_PROGRAM_ID
from emulator.program import InvokeContext

ACCOUNTS = (
    InstructionAccount("grantor", signer=True),
    InstructionAccount("spill", mut=True),  # a System account
    InstructionAccount("authorization", mut=True),  # constraint: authorization.grantor == grantor; close = spill
    InstructionAccount("system_program"),
)

CLOSING_DELAY_SECONDS = 30 * 24 * 60 * 60
I64_MAX = 2**63 - 1


@dataclass(frozen=True)
class AuthorizationCloseParams:
    pass


def authorization_close(ctx: InvokeContext, accounts: Accounts, params: AuthorizationCloseParams) -> None:
    """Only the grantor may close, only an inactive record, and one with delegates only after the wait."""
    check_system_account(accounts.spill)
    authorization = load_account(accounts.authorization, Authorization, PROGRAM_ID)
    check_program(accounts.system_program, SYSTEM_PROGRAM_ID)
    if authorization.grantor != accounts.grantor.key:
        raise AnchorError(ErrorCode.ConstraintRaw, account="authorization")

    if authorization.active:
        raise AnchorError(AuthorizerError.AuthorizationActiveIsTrue)
    closable_at = min(authorization.grantor_update_unix_timestamp + CLOSING_DELAY_SECONDS, I64_MAX)  # saturating
    if authorization.delegates and ctx.clock.unix_timestamp < closable_at:
        raise AnchorError(AuthorizerError.AuthorizationClosingConditionsNotReachedYet)
    close_account(accounts.authorization, accounts.spill)


AUTHORIZATION_CLOSE = Instruction(
    "authorization_close", ACCOUNTS, {"params": AuthorizationCloseParams}, authorization_close
)
