"""Authorizer instructions (spec programs-and-cli.md §1.3), for the coordinator's join scope by default."""

from __future__ import annotations

from collections.abc import Sequence

from solders.instruction import Instruction
from solders.pubkey import Pubkey

from authorizer.join import JOIN_RUN_AUTHORIZATION_SCOPE
from authorizer.logic.authorization_close import AuthorizationCloseParams
from authorizer.logic.authorization_create import AuthorizationCreateParams
from authorizer.logic.authorization_grantee_update import AuthorizationGranteeUpdateParams
from authorizer.logic.authorization_grantor_update import AuthorizationGrantorUpdateParams
from authorizer.program import INTERFACE, PROGRAM_ID
from authorizer.state.authorization import find_authorization
from emulator.constants import SYSTEM_PROGRAM_ID

__all__ = [
    "join_authorization_address",
    "authorization_create",
    "authorization_grantor_update",
    "authorization_grantee_update",
    "authorization_close",
]


def join_authorization_address(grantor: Pubkey, grantee: Pubkey) -> Pubkey:
    """The PDA of ``grantee``'s authorization to join the runs whose join authority is ``grantor``."""
    return find_authorization(grantor, grantee, JOIN_RUN_AUTHORIZATION_SCOPE)[0]


def authorization_create(
    payer: Pubkey, grantor: Pubkey, grantee: Pubkey, scope: bytes = JOIN_RUN_AUTHORIZATION_SCOPE
) -> Instruction:
    keys = {
        "payer": payer,
        "grantor": grantor,
        "authorization": find_authorization(grantor, grantee, scope)[0],
        "system_program": SYSTEM_PROGRAM_ID,
    }
    return INTERFACE.instruction("authorization_create").build(
        PROGRAM_ID, keys, AuthorizationCreateParams(grantee, scope)
    )


def authorization_grantor_update(grantor: Pubkey, authorization: Pubkey, active: bool) -> Instruction:
    keys = {"grantor": grantor, "authorization": authorization}
    return INTERFACE.instruction("authorization_grantor_update").build(
        PROGRAM_ID, keys, AuthorizationGrantorUpdateParams(active)
    )


def authorization_grantee_update(
    payer: Pubkey, grantee: Pubkey, authorization: Pubkey, clear: bool, added: Sequence[Pubkey]
) -> Instruction:
    keys = {"payer": payer, "grantee": grantee, "authorization": authorization, "system_program": SYSTEM_PROGRAM_ID}
    return INTERFACE.instruction("authorization_grantee_update").build(
        PROGRAM_ID, keys, AuthorizationGranteeUpdateParams(clear, list(added))
    )


def authorization_close(grantor: Pubkey, spill: Pubkey, authorization: Pubkey) -> Instruction:
    keys = {"grantor": grantor, "spill": spill, "authorization": authorization, "system_program": SYSTEM_PROGRAM_ID}
    return INTERFACE.instruction("authorization_close").build(PROGRAM_ID, keys, AuthorizationCloseParams())
