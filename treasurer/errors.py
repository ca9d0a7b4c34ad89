"""The treasurer's own error codes, numbered from 6000 in the reference's declaration order.

Every other failure is one of Anchor's constraint errors (``ConstraintRaw`` 2003 for a wrong authority,
claimer token account or coordinator account...), the coordinator's errors bubbling up through a CPI, or
the SPL Token program's (``InsufficientFunds`` when the vault holds less than a claim).
"""

from __future__ import annotations

from emulator.anchor import ErrorCodeEnum


class TreasurerError(ErrorCodeEnum):
    """The reference's ``ProgramError`` enum, with its ``#[msg]`` texts."""

    InvalidParameter = 6000, "Invalid parameter"
    RunIdInvalidLength = 6001, "run_id must be 32 bytes or less"
