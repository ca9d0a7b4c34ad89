"""The coordinator program's own errors (Anchor custom codes 6000-6023) and how core failures map onto them.

A handler fails with ``raise AnchorError(CoordinatorProgramError.X)``; a core ``CoordinatorFailure`` becomes the
matching ``CoordinatorError*`` code through :func:`program_error_for`; a reference panic becomes
``ProgramFailedToComplete`` through :func:`panic`.
"""

from __future__ import annotations

from coordinator_program.core import CoordinatorError
from emulator.anchor import ErrorCodeEnum, panic

__all__ = ["CoordinatorProgramError", "program_error_for", "panic"]


class CoordinatorProgramError(ErrorCodeEnum):
    """``psyche_solana_coordinator::ProgramError``, in declaration order from 6000."""

    UpdateConfigFinished = 6000, "Cannot update config of finished run"
    UpdateConfigNotHalted = 6001, "Cannot update config when not halted"
    CoordinatorAccountIncorrectSize = 6002, "Coordinator account incorrect size"
    ClientsFull = 6003, "Clients list full"
    ConfigSanityCheckFailed = 6004, "Config sanity check failed"
    ModelSanityCheckFailed = 6005, "Model sanity check failed"
    ProgressSanityCheckFailed = 6006, "Progress sanity check failed"
    SignerNotAClient = 6007, "Signer not a client"
    SignerMismatch = 6008, "Signer mismatch"
    CloseCoordinatorNotHalted = 6009, "Cannot close coordinator account when not halted"
    CoordinatorErrorNoActiveRound = 6010, "Coordinator error: No active round"
    CoordinatorErrorInvalidWitness = 6011, "Coordinator error: Invalid witness"
    CoordinatorErrorInvalidRunState = 6012, "Coordinator error: Invalid run state"
    CoordinatorErrorDuplicateWitness = 6013, "Coordinator error: Duplicate witness"
    CoordinatorErrorInvalidHealthCheck = 6014, "Coordinator error: Invalid health check"
    CoordinatorErrorHalted = 6015, "Coordinator error: Halted"
    CoordinatorErrorInvalidCheckpoint = 6016, "Coordinator error: Invalid checkpoint"
    CoordinatorErrorWitnessesFull = 6017, "Coordinator error: Witnesses full"
    CoordinatorErrorCannotResume = 6018, "Coordinator error: Cannot resume"
    CoordinatorErrorInvalidWithdraw = 6019, "Coordinator error: Invalid withdraw"
    CoordinatorErrorInvalidCommitteeSelection = 6020, "Coordinator error: Invalid committee selection"
    CoordinatorErrorInvalidCommitteeProof = 6021, "Coordinator error: Invalid committee proof"
    MoreClientsThanBatches = 6022, "There are more clients than total number of batches to assign"
    RunIdInvalidLength = 6023, "run_id must be 32 bytes or less"


def program_error_for(error: CoordinatorError) -> CoordinatorProgramError:
    """The program error a core error is reported as (``From<CoordinatorError> for ProgramError``).

    >>> program_error_for(CoordinatorError.Halted).name
    'CoordinatorErrorHalted'
    >>> int(program_error_for(CoordinatorError.InvalidCommitteeProof))
    6021
    """
    return CoordinatorProgramError[error.program_error_name]
