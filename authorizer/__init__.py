"""The authorizer program: role records a grantor gives to a grantee and its delegates.

The coordinator's ``join_run`` consults it through :func:`authorizer.join.verify_join_authorization`;
the runtime registers :data:`authorizer.program.PROGRAM_SPEC`.
"""

from authorizer.join import JOIN_RUN_AUTHORIZATION_SCOPE, authorization_address, verify_join_authorization
from authorizer.program_id import PROGRAM_ID
from authorizer.state.authorization import (
    PERMISSIONLESS_GRANTEE,
    Authorization,
    find_authorization,
    space_with_discriminator,
)

__all__ = [
    "PROGRAM_ID",
    "Authorization",
    "PERMISSIONLESS_GRANTEE",
    "JOIN_RUN_AUTHORIZATION_SCOPE",
    "authorization_address",
    "find_authorization",
    "space_with_discriminator",
    "verify_join_authorization",
]
