"""The Clock and Rent sysvars: their values and their account bytes (bincode, as programs read them)."""

from __future__ import annotations

import struct

from solders.clock import Clock
from solders.rent import Rent

from emulator.account import Account
from emulator.constants import SYSVAR_OWNER_ID

DEFAULT_RENT = Rent.default()


def clock_bytes(clock: Clock) -> bytes:
    """``Clock`` as bincode: slot u64, epoch_start_timestamp i64, epoch u64, leader_schedule_epoch u64, unix i64."""
    return struct.pack(
        "<QqQQq",
        clock.slot,
        clock.epoch_start_timestamp,
        clock.epoch,
        clock.leader_schedule_epoch,
        clock.unix_timestamp,
    )


def rent_bytes(rent: Rent) -> bytes:
    """``Rent`` as bincode: lamports_per_byte_year u64, exemption_threshold f64, burn_percent u8."""
    return struct.pack("<QdB", rent.lamports_per_byte_year, rent.exemption_threshold, rent.burn_percent)


def sysvar_account(data: bytes, rent: Rent) -> Account:
    return Account(rent.minimum_balance(len(data)), bytearray(data), SYSVAR_OWNER_ID, False, 0)
