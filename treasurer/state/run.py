"""The ``Run`` account: the escrow that owns one coordinator run and its reward vault.

PDA ``["Run", index u64 LE]``. Byte layout after the ``account:Run`` discriminator, as the reference's
Anchor struct serializes it: ``bump u8 · index u64 · main_authority · join_authority ·
coordinator_account · coordinator_instance · collateral_mint · total_claimed_collateral_amount u64 ·
total_claimed_earned_points u64`` (193 bytes). The account is allocated ``8 + size_of::<Run>()`` = 200
bytes: Rust pads the struct to 192, so the last 7 bytes stay zero.

``main_authority`` is the run's human owner; the coordinator's own main authority is the Run PDA, so
every owner instruction of the coordinator goes through ``run_update``.
"""

from __future__ import annotations

from dataclasses import dataclass

from solders.pubkey import Pubkey

from emulator.anchor import PUBKEY, U8, U64, borsh_field
from treasurer.program_id import PROGRAM_ID

SEEDS_PREFIX = b"Run"
RUN_SPACE = 8 + 192


@dataclass(frozen=True)
class Run:
    bump: int = borsh_field(U8)
    index: int = borsh_field(U64)
    main_authority: Pubkey = borsh_field(PUBKEY)
    join_authority: Pubkey = borsh_field(PUBKEY)
    coordinator_account: Pubkey = borsh_field(PUBKEY)
    coordinator_instance: Pubkey = borsh_field(PUBKEY)
    collateral_mint: Pubkey = borsh_field(PUBKEY)
    total_claimed_collateral_amount: int = borsh_field(U64)
    total_claimed_earned_points: int = borsh_field(U64)

    def signer_seeds(self) -> list[bytes]:
        """The seeds, bump included, with which the treasurer signs for the Run PDA in its CPIs."""
        return [*run_seeds(self.index), bytes([self.bump])]


def run_seeds(index: int) -> list[bytes]:
    """The PDA seeds without the bump."""
    return [SEEDS_PREFIX, index.to_bytes(8, "little")]


def find_run(index: int) -> tuple[Pubkey, int]:
    """The Run PDA of ``index`` and its bump (the reference's ``find_run`` returns the address).

    >>> str(find_run(42)[0])
    'W18VYADXf32E6gaHFfdsfj5zmuBCNEvpfC7VCBompGa'
    """
    return Pubkey.find_program_address(run_seeds(index), PROGRAM_ID)
