"""The treasurer program: a run whose rewards are paid from a token vault, 1 base unit per earned point.

The runtime registers :data:`treasurer.program.PROGRAM_SPEC`; clients find the accounts with
:func:`find_run` and :func:`find_participant`.
"""

from treasurer.program_id import PROGRAM_ID
from treasurer.state import PARTICIPANT_SPACE, RUN_SPACE, Participant, Run, find_participant, find_run

__all__ = ["PROGRAM_ID", "Run", "RUN_SPACE", "find_run", "Participant", "PARTICIPANT_SPACE", "find_participant"]
