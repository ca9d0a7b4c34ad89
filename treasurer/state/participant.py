"""The ``Participant`` account: what one user has claimed from one run.

PDA ``["Participant", run, user]``. Layout after the ``account:Participant`` discriminator: ``bump u8 ·
claimed_collateral_amount u64 · claimed_earned_points u64`` (25 bytes); allocated 8 + 24 = 32 bytes.
The coordinator keeps what a user has earned; this keeps what has been paid, so the difference is
what may still be claimed.
"""

from __future__ import annotations

from dataclasses import dataclass

from solders.pubkey import Pubkey

from emulator.anchor import U8, U64, borsh_field
from treasurer.program_id import PROGRAM_ID

SEEDS_PREFIX = b"Participant"
PARTICIPANT_SPACE = 8 + 24


@dataclass(frozen=True)
class Participant:
    bump: int = borsh_field(U8)
    claimed_collateral_amount: int = borsh_field(U64)
    claimed_earned_points: int = borsh_field(U64)


def participant_seeds(run: Pubkey, user: Pubkey) -> list[bytes]:
    """The PDA seeds without the bump."""
    return [SEEDS_PREFIX, bytes(run), bytes(user)]


def find_participant(run: Pubkey, user: Pubkey) -> tuple[Pubkey, int]:
    """The Participant PDA of ``user`` in ``run`` and its bump."""
    return Pubkey.find_program_address(participant_seeds(run, user), PROGRAM_ID)
