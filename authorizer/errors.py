"""The authorizer's own error codes, numbered from 6000 in the reference's declaration order.

Every other failure is one of Anchor's framework errors (``ConstraintRaw`` 2003 for a signer that
is not the record's grantor or grantee, ``AccountOwnedByWrongProgram`` 3007...) or the System
program's (``init`` of an address that is already in use).
"""

from __future__ import annotations

from emulator.anchor import ErrorCodeEnum


class AuthorizerError(ErrorCodeEnum):
    """The reference's ``ProgramError`` enum, with its ``#[msg]`` texts."""

    AuthorizationActiveIsTrue = 6000, "AuthorizationActive is true"
    AuthorizationClosingConditionsNotReachedYet = 6001, "Authorization closing conditions not reached yet"
