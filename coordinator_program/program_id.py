"""The coordinator's program id (the reference's ``declare_id!``), apart so state and logic can derive PDAs."""

from __future__ import annotations

from solders.pubkey import Pubkey

__all__ = ["PROGRAM_ID"]

PROGRAM_ID = Pubkey.from_string("4SHugWqSXwKE5fqDchkJcPEqnoZE22VYKtSTVm7axbT7")
