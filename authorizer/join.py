"""What the coordinator's ``join_run`` asks of the authorizer: is this signer allowed to join this run?

The reference's ``join_run`` takes the authorization as a typed ``Account<Authorization>`` of the
authorizer program and constrains it with ``authorization.is_valid_for(join_authority, user,
b"CoordinatorJoinRun")``. :func:`verify_join_authorization` performs the same checks, in Anchor's
order, and fails with the same Anchor errors, which the coordinator's entry point reports as its
own (they are framework errors, so the numbers do not depend on the program):

* System-owned and empty: ``AccountNotInitialized`` (3012); another owner than the authorizer:
  ``AccountOwnedByWrongProgram`` (3007); no or another discriminator: ``AccountDiscriminatorNotFound``
  (3001) / ``AccountDiscriminatorMismatch`` (3002); undecodable: ``AccountDidNotDeserialize`` (3003);
* not at the PDA of its own grantor, grantee, scope and bump: ``ConstraintSeeds`` (2006). The
  reference does not re-derive the address; since only ``authorization_create`` can write an
  authorizer-owned ``Authorization`` and it forces the PDA, this check changes nothing a transaction
  can reach, and it keeps a record planted by other means (``set_account``) out;
* not valid for the signer: ``ConstraintRaw`` (2003).
"""

from __future__ import annotations

from functools import lru_cache

from solders.pubkey import Pubkey

from authorizer.program_id import PROGRAM_ID
from authorizer.state.authorization import Authorization, authorization_seeds
from emulator.account import AccountInfo
from emulator.anchor import AnchorError, ErrorCode, load_unchanging_account

# The coordinator's join scope: the 18 ASCII bytes the reference names JOIN_RUN_AUTHORIZATION_SCOPE.
JOIN_RUN_AUTHORIZATION_SCOPE = b"CoordinatorJoinRun"


def verify_join_authorization(
    authorization: AccountInfo,
    join_authority: Pubkey,
    user: Pubkey,
    scope: bytes = JOIN_RUN_AUTHORIZATION_SCOPE,
) -> Authorization:
    """Check that ``authorization`` lets ``user`` act under ``scope`` for ``join_authority``; return the record.

    Raises :class:`emulator.anchor.AnchorError` as listed in the module docstring, naming the
    account ``authorization`` as the reference's ``join_run`` accounts struct does.
    """
    record = load_unchanging_account(authorization, Authorization, PROGRAM_ID)
    expected = authorization_address(record)
    if authorization.key != expected:
        raise AnchorError(ErrorCode.ConstraintSeeds, account="authorization", compared=(authorization.key, expected))
    if not record.is_valid_for(join_authority, user, scope):
        raise AnchorError(ErrorCode.ConstraintRaw, account="authorization")
    return record


def authorization_address(record: Authorization) -> Pubkey | None:
    """The PDA a record must live at, from its own fields and stored bump; ``None`` if those make no address."""
    return _program_address((*authorization_seeds(record.grantor, record.grantee, record.scope), bytes([record.bump])))


@lru_cache(maxsize=64)
def _program_address(seeds: tuple[bytes, ...]) -> Pubkey | None:
    """``create_program_address`` under the authorizer, remembered: every join checks its authorization's address."""
    try:
        return Pubkey.create_program_address(list(seeds), PROGRAM_ID)
    except Exception:  # solders' PubkeyError (seed too long, or the bytes land on the curve) has no importable base
        return None
