"""The treasurer's two account types."""

from treasurer.state.participant import PARTICIPANT_SPACE, Participant, find_participant
from treasurer.state.run import RUN_SPACE, Run, find_run

__all__ = ["Run", "RUN_SPACE", "find_run", "Participant", "PARTICIPANT_SPACE", "find_participant"]
