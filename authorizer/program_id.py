"""The authorizer's program id, in a module of its own so ``state/`` can derive PDAs without importing the program."""

from __future__ import annotations

from solders.pubkey import Pubkey

# The reference's `declare_id!` (and the key of its checked-in deploy keypair).
PROGRAM_ID = Pubkey.from_string("PsyAUmhpmiUouWsnJdNGFSX8vZ6rWjXjgDPHsgqPGyw")
