"""The authorizer's account types."""

from authorizer.state.authorization import (
    PERMISSIONLESS_GRANTEE,
    SEEDS_PREFIX,
    Authorization,
    authorization_seeds,
    find_authorization,
    space_with_discriminator,
)

__all__ = [
    "Authorization",
    "PERMISSIONLESS_GRANTEE",
    "SEEDS_PREFIX",
    "authorization_seeds",
    "find_authorization",
    "space_with_discriminator",
]
