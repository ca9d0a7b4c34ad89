"""The authorizer program: its id, its declared interface, and the spec the runtime registers.

A generic role record (see :mod:`authorizer.state.authorization`): a grantor gives a scope to a
grantee, the grantee names delegates, the grantor switches the record on and off and may close it.
The entry point is the Anchor dispatcher over the four instructions of ``logic/``.
"""

from __future__ import annotations

from authorizer.errors import AuthorizerError
from authorizer.logic.authorization_close import AUTHORIZATION_CLOSE
from authorizer.logic.authorization_create import AUTHORIZATION_CREATE
from authorizer.logic.authorization_grantee_update import AUTHORIZATION_GRANTEE_UPDATE
from authorizer.logic.authorization_grantor_update import AUTHORIZATION_GRANTOR_UPDATE
from authorizer.program_id import PROGRAM_ID
from authorizer.state.authorization import Authorization
from emulator.anchor import ProgramInterface, entrypoint
from emulator.anchor.idl_files import idl_paths, write_idl_files
from emulator.program import ProgramSpec

INTERFACE = ProgramInterface(
    "psyche_solana_authorizer",
    "0.2.0",
    instructions=(
        AUTHORIZATION_CREATE,
        AUTHORIZATION_GRANTOR_UPDATE,
        AUTHORIZATION_GRANTEE_UPDATE,
        AUTHORIZATION_CLOSE,
    ),
    accounts=(Authorization,),
    errors=AuthorizerError,
    description="Psyche Solana Authorizer",
)

PROGRAM_SPEC = ProgramSpec(PROGRAM_ID, entrypoint(INTERFACE), "psyche_solana_authorizer")

IDL_PATH, LEGACY_IDL_PATH = idl_paths(__file__)

__all__ = ["PROGRAM_ID", "INTERFACE", "PROGRAM_SPEC", "IDL_PATH", "LEGACY_IDL_PATH"]


if __name__ == "__main__":
    write_idl_files(INTERFACE, PROGRAM_ID, IDL_PATH.parent)
