"""``CoordinatorInstance``: the run's PDA that names its authorities and its coordinator account (Anchor, Borsh).

PDA seeds ``["coordinator", run_id bytes (first min(64, len))]``; 173 bytes allocated (8 + 1 + 3×32 + 4 + 64).
"""

from __future__ import annotations

from dataclasses import dataclass

from solders.pubkey import Pubkey

from coordinator_program.program_id import PROGRAM_ID
from emulator.anchor import PUBKEY, STRING, U8, borsh_field
from emulator.constants import MAX_SEED_LEN

__all__ = [
    "COORDINATOR_INSTANCE_SEEDS_PREFIX",
    "COORDINATOR_INSTANCE_SPACE",
    "RUN_ID_SEED_MAX_LEN",
    "CoordinatorInstance",
    "run_id_seed",
    "coordinator_instance_seeds",
    "find_coordinator_instance",
]

COORDINATOR_INSTANCE_SEEDS_PREFIX = b"coordinator"
RUN_ID_SEED_MAX_LEN = 64  # SOLANA_MAX_STRING_LEN; a seed longer than 32 bytes cannot derive a PDA anyway
COORDINATOR_INSTANCE_SPACE = 8 + 1 + 32 + 32 + 32 + (4 + RUN_ID_SEED_MAX_LEN)


@dataclass(frozen=True)
class CoordinatorInstance:
    bump: int = borsh_field(U8)
    main_authority: Pubkey = borsh_field(PUBKEY)
    join_authority: Pubkey = borsh_field(PUBKEY)
    coordinator_account: Pubkey = borsh_field(PUBKEY)
    run_id: str = borsh_field(STRING)


def run_id_seed(run_id: str) -> bytes:
    """``bytes_from_string``: the run id's first ``min(64, len)`` UTF-8 bytes.

    >>> run_id_seed("abc")
    b'abc'
    """
    return run_id.encode("utf-8")[:RUN_ID_SEED_MAX_LEN]


def coordinator_instance_seeds(run_id: str) -> list[bytes]:
    """The instance PDA's seeds, without the bump."""
    return [COORDINATOR_INSTANCE_SEEDS_PREFIX, run_id_seed(run_id)]


def find_coordinator_instance(run_id: str, program_id: Pubkey = PROGRAM_ID) -> Pubkey:
    """The instance PDA of ``run_id`` (the reference's ``find_coordinator_instance``).

    Raises ``ValueError`` for a run id over 32 bytes, which no address can be derived for.

    >>> find_coordinator_instance("x" * 33)
    Traceback (most recent call last):
    ...
    ValueError: a run id is one PDA seed and cannot exceed 32 bytes (got 33)
    """
    seed = run_id_seed(run_id)
    if len(seed) > MAX_SEED_LEN:
        raise ValueError(f"a run id is one PDA seed and cannot exceed {MAX_SEED_LEN} bytes (got {len(seed)})")
    return Pubkey.find_program_address(coordinator_instance_seeds(run_id), program_id)[0]
