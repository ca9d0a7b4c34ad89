"""The ``Authorization`` account: one role (``scope``) that a grantor gives to a grantee and its delegates.

Byte layout (after the 8-byte ``account:Authorization`` discriminator), as the reference's Anchor
struct serializes it: ``bump u8 · grantor · grantee · scope Vec<u8> · active bool ·
delegates Vec<Pubkey> · grantor_update_unix_timestamp i64``. The account is sized exactly for its
content (no slack) and is reallocated whenever the delegate list changes length.
"""

from __future__ import annotations

from dataclasses import dataclass

from solders.pubkey import Pubkey

from authorizer.program_id import PROGRAM_ID
from emulator.anchor import BOOL, BYTES, I64, PUBKEY, U8, Vec, borsh_field
from emulator.constants import MAX_SEED_LEN

SEEDS_PREFIX = b"Authorization"
# The grantee that stands for "anyone": 32 zero bytes (base58 "1111...1", the System program's id).
PERMISSIONLESS_GRANTEE = Pubkey.default()


@dataclass(frozen=True)
class Authorization:
    """The on-chain record; ``grantor``, ``grantee`` and ``scope`` never change after creation."""

    bump: int = borsh_field(U8)
    grantor: Pubkey = borsh_field(PUBKEY)
    grantee: Pubkey = borsh_field(PUBKEY)
    scope: bytes = borsh_field(BYTES)
    active: bool = borsh_field(BOOL)
    delegates: list[Pubkey] = borsh_field(Vec(PUBKEY))
    grantor_update_unix_timestamp: int = borsh_field(I64)

    def is_valid_for(self, grantor: Pubkey, user: Pubkey, scope: bytes) -> bool:
        """Whether ``user`` holds ``scope`` from ``grantor`` through this record (the reference's ``is_valid_for``).

        The record must be active, from that grantor, for exactly that scope, and name ``user`` as
        its grantee or among its delegates, unless its grantee is the permissionless zero key.

        >>> grantor, grantee, helper, stranger = (Pubkey.new_unique() for _ in range(4))
        >>> record = Authorization(255, grantor, grantee, b"role", True, [helper], 0)
        >>> [record.is_valid_for(grantor, user, b"role") for user in (grantee, helper, stranger)]
        [True, True, False]
        >>> record.is_valid_for(grantor, grantee, b"rol"), record.is_valid_for(stranger, grantee, b"role")
        (False, False)
        >>> Authorization(255, grantor, grantee, b"role", False, [], 0).is_valid_for(grantor, grantee, b"role")
        False
        >>> anyone = Authorization(255, grantor, PERMISSIONLESS_GRANTEE, b"role", True, [], 0)
        >>> anyone.is_valid_for(grantor, stranger, b"role")
        True
        """
        return (
            self.active
            and self.grantor == grantor
            and self.scope == scope
            and (self.grantee == PERMISSIONLESS_GRANTEE or self.grantee == user or user in self.delegates)
        )


def space_with_discriminator(scope_len: int, delegates_len: int) -> int:
    """The account size for a scope and a delegate count: ``90 + scope_len + 32 * delegates_len`` bytes.

    >>> space_with_discriminator(18, 0), space_with_discriminator(18, 2)
    (108, 172)
    """
    return 8 + 1 + 32 + 32 + (4 + scope_len) + 1 + (4 + 32 * delegates_len) + 8


def authorization_seeds(grantor: Pubkey, grantee: Pubkey, scope: bytes) -> list[bytes]:
    """The PDA seeds (without the bump); the scope is one seed, so it is limited to 32 bytes."""
    return [SEEDS_PREFIX, bytes(grantor), bytes(grantee), bytes(scope)]


def find_authorization(grantor: Pubkey, grantee: Pubkey, scope: bytes) -> tuple[Pubkey, int]:
    """The Authorization PDA and its canonical bump (the reference's ``find_authorization`` returns the address).

    Raises ``ValueError`` for a scope over 32 bytes, which no address can be derived for.

    >>> grantor = Pubkey.from_string("11111111111111111111111111111112")
    >>> find_authorization(grantor, grantor, b"x" * 33)
    Traceback (most recent call last):
    ...
    ValueError: an authorization scope is one PDA seed and cannot exceed 32 bytes (got 33)
    """
    if len(scope) > MAX_SEED_LEN:
        raise ValueError(
            f"an authorization scope is one PDA seed and cannot exceed {MAX_SEED_LEN} bytes (got {len(scope)})"
        )
    return Pubkey.find_program_address(authorization_seeds(grantor, grantee, scope), PROGRAM_ID)
